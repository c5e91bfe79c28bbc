"""Reminders and notices: pages. /reminders (staff: delivery status per reminder and per batch,
the notice form with a recipients preview), /jobs (admin: the scheduler's runs), /m/reminders
(a member's own reminders and channel order)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from flowmember.core.auth import org_ids_in_scope
from flowmember.core.errors import FlowMemberError
from flowmember.extensions import csrf, db
from flowmember.reminders import rules, services
from flowmember.reminders.models import Kind, Notice, Reminder, ReminderPreference, ReminderStatus
from flowmember.web import nav
from flowmember.web.auth import member_required, staff_required

bp = Blueprint("reminders_pages", __name__)

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
PAGE_SIZE = 50

nav.staff("reminders_pages.reminders", _l("Reminders"), order=80)
nav.staff("reminders_pages.jobs", _l("Jobs"), roles=("admin",), order=95)
nav.member("reminders_pages.my_reminders", _l("My reminders"), order=80)


@bp.before_request
def protect_forms():
    if request.method == "POST":
        csrf.protect()


@bp.app_context_processor
def reminder_labels():
    return {
        "reminder_kind_label": lambda k: KIND_LABELS.get(Kind(k), k),
        "reminder_status_label": lambda s: STATUS_LABELS.get(s, s),
        "reminder_channel_label": lambda c: CHANNEL_LABELS.get(c, c or "—"),
    }


def _orgs_for_notices():
    from flowmember.orgs.models import Org

    stmt = select(Org).where(Org.id.in_(org_ids_in_scope(current_user))).order_by(Org.path)
    return list(db.session.scalars(stmt))


@bp.route("/reminders")
@staff_required
def reminders():
    actor = current_user
    status = request.args.get("status") or ""
    kind = request.args.get("kind") or ""
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = services.reminders_in_scope(actor)
    if status in STATUS_LABELS:
        stmt = stmt.where(
            Reminder.status.in_([ReminderStatus.queued, ReminderStatus.sending])
            if status == "queued"
            else Reminder.status == status
        )
    if kind in {k.value for k in Kind}:
        stmt = stmt.where(Reminder.kind == kind)
    notice_id = request.args.get("notice_id", type=int)
    if notice_id:
        stmt = stmt.where(Reminder.notice_id == notice_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(
        db.session.scalars(
            stmt.order_by(Reminder.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
    )
    from flowmember.members.models import Member

    names = dict(
        db.session.execute(
            select(Member.id, Member.name).where(
                Member.id.in_({r.member_id for r in rows if r.member_id})
            )
        ).all()
    )
    mine = list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.user_id == actor.id)
            .order_by(Reminder.id.desc())
            .limit(20)
        )
    )
    notices = list(
        db.session.scalars(services.notices_in_scope(actor).order_by(Notice.id.desc()).limit(20))
    )
    return render_template(
        "reminders/staff.html",
        rows=rows,
        names=names,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        status=status,
        kind=kind,
        notice_id=notice_id,
        kinds=list(Kind),
        statuses=STATUS_LABELS,
        mine=mine,
        notices=[(n, services.notice_counts(n.id)) for n in notices],
        orgs=_orgs_for_notices(),
        channels=rules.MEMBER_CHANNELS,
        can_send=actor.role in ("admin", "secretary"),
    )


@bp.route("/reminders/notices", methods=["POST"])
@staff_required
def send_notice():
    if current_user.role not in ("admin", "secretary"):
        abort(403)
    form = request.form
    flt = {k: form[k] for k in ("category", "flag") if form.get(k)}
    channels = form.getlist("channels") or None
    try:
        org_id = int(form.get("org_id", ""))
    except ValueError:
        flash(_("Choose an organisation."), "error")
        return redirect(url_for(".reminders"))
    try:
        notice = services.create_notice(
            current_user, org_id=org_id, text=form.get("text", ""), channels=channels, filter=flt
        )
        if notice.recipients == 0:
            db.session.rollback()
            flash(_("No member matches this filter."), "error")
            return redirect(url_for(".reminders"))
        db.session.commit()
    except FlowMemberError as exc:
        db.session.rollback()
        messages = "; ".join(" ".join(v) for v in (exc.errors or {}).values()) or exc.message
        flash(messages, "error")
        return redirect(url_for(".reminders"))
    flash(_("Notice queued for %(count)s members.", count=notice.recipients), "success")
    return redirect(url_for(".reminders"))


@bp.route("/jobs")
@staff_required
def jobs():
    if current_user.role != "admin":
        abort(403)
    from jobs.registry import JOBS
    from jobs.runner import status

    rows = [status(spec) for spec in JOBS]
    return render_template("reminders/jobs.html", rows=rows, labels=JOB_LABELS)


@bp.route("/m/reminders", methods=["GET", "POST"])
@member_required
def my_reminders():
    member_id = current_user.member_id
    if request.method == "POST":
        channels = [c for c in request.form.getlist("channels") if c]
        try:
            services.set_preferences(member_id, channels=channels or list(rules.DEFAULT_CHANNELS))
            db.session.commit()
            flash(_("Saved."), "success")
        except FlowMemberError:
            db.session.rollback()
            flash(_("Choose at least one channel."), "error")
        return redirect(url_for(".my_reminders"))
    rows = list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.member_id == member_id)
            .order_by(Reminder.id.desc())
            .limit(100)
        )
    )
    pref = db.session.scalar(
        select(ReminderPreference).where(ReminderPreference.member_id == member_id)
    )
    order = list(pref.channels) if pref else list(rules.DEFAULT_CHANNELS)
    notice_ids = {r.notice_id for r in rows if r.notice_id}
    texts = dict(
        db.session.execute(select(Notice.id, Notice.text).where(Notice.id.in_(notice_ids))).all()
    )
    return render_template(
        "reminders/member.html",
        rows=rows,
        texts=texts,
        order=order,
        channels=rules.MEMBER_CHANNELS,
    )
