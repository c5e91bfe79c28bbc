"""Reminders and notices: pages. /reminders (staff: delivery status per reminder and per batch,
the notice form with a recipients preview), /jobs (admin: the scheduler's runs), /m/reminders
(a member's own reminders and channel order)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from flowmember.core.auth import WRITE_ROLES
from flowmember.core.errors import FlowMemberError
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.services import orgs_in_scope
from flowmember.reminders import rules, services
from flowmember.reminders.models import Kind, Notice
from flowmember.reminders.schemas import NoticeArgs, ReminderPreferenceArgs, ReminderQueryArgs
from flowmember.web import nav, pages
from jobs.registry import JOBS
from jobs.runner import status as job_status

bp = pages.blueprint("reminders_pages", __name__)

KIND_LABELS = {
    Kind.checkin_due: _l("Check-in due"),
    Kind.checkin_missed: _l("Check-in missed"),
    Kind.dues_due: _l("Dues due"),
    Kind.dues_overdue: _l("Dues overdue"),
    Kind.lapse_warning_3: _l("3-month warning"),
    Kind.lapse_warning_5: _l("5-month warning"),
    Kind.letter_expiring: _l("Letter expired"),
    Kind.receipt_overdue: _l("Receipt overdue"),
    Kind.activity_notice: _l("Activity notice"),
    Kind.notice: _l("Notice"),
}
STATUS_LABELS = {
    "queued": _l("Queued"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "skipped": _l("Skipped"),
}
CHANNEL_LABELS = {
    "sms": _l("SMS"),
    "email": _l("Email"),
    "wechat": _l("WeChat"),
    "inbox": _l("Staff inbox"),
}
JOB_LABELS = {
    "dues_assessment": _l("Monthly dues assessment"),
    "lapse_sweep": _l("Lapse sweep"),
    "contact_sweep": _l("Lost-contact sweep"),
    "location_purge": _l("Location history purge"),
    "reconciliation": _l("Dues reconciliation"),
    "transfer_overdue": _l("Overdue letters and receipts"),
    "checkin_reminders": _l("Check-in reminders"),
    "dues_reminders": _l("Dues reminders"),
    "reminder_dispatch": _l("Reminder dispatch"),
}
#: Field names of the notice and channel forms, as the reader knows them.
FORM_LABELS = {
    "org_id": _l("Organisation"),
    "text": _l("Text"),
    "channels": _l("Channels"),
    "filter": _l("Filter"),
    "category": _l("Category"),
    "flag": _l("Flag"),
    "status": _l("Status"),
    "kind": _l("Kind"),
}

nav.staff("reminders_pages.reminders", _l("Reminders"), order=80)
nav.staff("reminders_pages.jobs", _l("Jobs"), roles=("admin",), order=95)
nav.member("reminders_pages.my_reminders", _l("My reminders"), order=80)


@bp.app_context_processor
def reminder_labels():
    return {
        "reminder_kind_label": lambda k: KIND_LABELS.get(Kind(k), k),
        "reminder_status_label": lambda s: STATUS_LABELS.get(s, s),
        "reminder_channel_label": lambda c: CHANNEL_LABELS.get(c, c or "—"),
    }


@bp.route("/reminders")
@pages.staff_required
def reminders():
    actor = current_user
    flt = pages.load_query(ReminderQueryArgs, FORM_LABELS)
    page = pages.paginate(services.list_reminders(actor, flt))
    names = dict(
        db.session.execute(
            select(Member.id, Member.name).where(
                Member.id.in_({r.member_id for r in page.items if r.member_id})
            )
        ).all()
    )
    mine = list(db.session.scalars(services.list_reminders(actor, {"mine": True}).limit(20)))
    notices = list(
        db.session.scalars(services.notices_in_scope(actor).order_by(Notice.id.desc()).limit(20))
    )
    return render_template(
        "reminders/staff.html",
        page=page,
        names=names,
        status=flt.get("status", ""),
        kind=flt["kind"].value if flt.get("kind") else "",
        notice_id=flt.get("notice_id"),
        kinds=list(Kind),
        statuses=STATUS_LABELS,
        mine=mine,
        notices=[(n, services.notice_counts(n.id)) for n in notices],
        orgs=orgs_in_scope(current_user),
        channels=rules.MEMBER_CHANNELS,
        can_send=pages.has_role(*WRITE_ROLES),
    )


@bp.route("/reminders/notices", methods=["POST"])
@pages.roles_required(*WRITE_ROLES)
def send_notice():
    form = request.form
    data = {
        "org_id": form.get("org_id", ""),
        "text": form.get("text", ""),
        "filter": {k: form[k] for k in ("category", "flag") if form.get(k)},
    }
    if channels := [c for c in form.getlist("channels") if c]:
        data["channels"] = channels
    try:
        args = pages.load_form(NoticeArgs, data)
        notice = services.create_notice(
            current_user,
            org_id=args["org_id"],
            text=args["text"],
            channels=args.get("channels"),
            filter=services.NoticeFilter(**args["filter"]),
        )
    except FlowMemberError as error:
        pages.flash_error(error, FORM_LABELS)
        return redirect(url_for(".reminders"))
    flash(_("Notice queued for %(count)s members.", count=notice.recipients), "success")
    return redirect(url_for(".reminders"))


@bp.route("/jobs")
@pages.roles_required("admin")
def jobs():
    rows = [job_status(spec) for spec in JOBS]
    return render_template("reminders/jobs.html", rows=rows, labels=JOB_LABELS)


@bp.route("/m/reminders", methods=["GET", "POST"])
@pages.member_required
def my_reminders():
    member_id = current_user.member_id
    if request.method == "POST":
        channels = [c for c in request.form.getlist("channels") if c]
        try:
            args = pages.load_form(
                ReminderPreferenceArgs,
                {"channels": channels or list(rules.DEFAULT_CHANNELS)},
            )
            services.set_preferences(member_id, channels=args["channels"])
            flash(_("Saved."), "success")
        except FlowMemberError as error:
            pages.flash_error(error, FORM_LABELS)
        return redirect(url_for(".my_reminders"))
    rows = list(db.session.scalars(services.member_reminders(member_id).limit(100)))
    return render_template(
        "reminders/member.html",
        rows=rows,
        texts=services.notice_texts(r.notice_id for r in rows if r.notice_id),
        order=services.preferences_of(member_id).channels,
        channels=rules.MEMBER_CHANNELS,
    )
