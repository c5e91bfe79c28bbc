"""Check-ins, contacts and organisation life: pages.

Member phone pages: /m/checkin (the check-in form; its script talks to the API and keeps an
offline submission until the phone is back online), /m/checkins, /m/activities. Staff pages:
/members/<id>/contacts, /activities, /activities/<id> (the whole branch's attendance in one
form), /checkins/missing and /attendance/missing."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from flowmember.checkins import activities as act
from flowmember.checkins import rules, services
from flowmember.checkins.models import (
    Activity,
    ActivityKind,
    Attendance,
    AttendanceStatus,
    ContactAttempt,
    ContactChannel,
    ContactOutcome,
)
from flowmember.core import months
from flowmember.core.auth import get_scoped, scoped
from flowmember.core.errors import FlowMemberError
from flowmember.core.time import LOCAL_TZ, today_local
from flowmember.extensions import csrf, db
from flowmember.members.models import Member
from flowmember.orgs.models import Org
from flowmember.web import nav
from flowmember.web.auth import member_required, staff_required

bp = Blueprint("checkins_pages", __name__)

ORG_LIFE_ROLES = ("admin", "secretary")

nav.member("checkins_pages.checkin", _l("Monthly check-in"), order=10)
nav.member("checkins_pages.my_checkins", _l("My check-ins"), order=11)
nav.member("checkins_pages.my_activities", _l("Organisation life"), order=20)
nav.staff("checkins_pages.missing_checkins", _l("Check-ins"), order=30)
nav.staff("checkins_pages.activities", _l("Organisation life"), order=31)

KIND_LABELS = {
    ActivityKind.member_meeting: _l("Member meeting"),
    ActivityKind.committee_meeting: _l("Committee meeting"),
    ActivityKind.group_meeting: _l("Group meeting"),
    ActivityKind.lecture: _l("Party lecture"),
    ActivityKind.theme_day: _l("Theme day"),
    ActivityKind.other: _l("Other"),
}
STATUS_LABELS = {
    AttendanceStatus.present: _l("Present"),
    AttendanceStatus.online: _l("Present online"),
    AttendanceStatus.excused: _l("Excused"),
    AttendanceStatus.absent: _l("Absent"),
}
CHANNEL_LABELS = {
    ContactChannel.phone: _l("Phone call"),
    ContactChannel.sms: _l("SMS"),
    ContactChannel.wechat: _l("WeChat"),
    ContactChannel.email: _l("E-mail"),
    ContactChannel.visit: _l("Visit"),
    ContactChannel.letter: _l("Letter"),
}
OUTCOME_LABELS = {
    ContactOutcome.reached: _l("Reached"),
    ContactOutcome.no_answer: _l("No answer"),
    ContactOutcome.wrong_number: _l("Wrong number"),
    ContactOutcome.refused: _l("Refused"),
    ContactOutcome.bounced: _l("Message bounced"),
}


@bp.before_request
def protect_forms():
    if request.method == "POST":
        csrf.protect()


@bp.app_context_processor
def labels():
    return {
        "activity_kind_label": lambda k: KIND_LABELS[ActivityKind(k)],
        "attendance_label": lambda s: STATUS_LABELS[AttendanceStatus(s)] if s else "",
        "channel_label": lambda c: CHANNEL_LABELS[ContactChannel(c)],
        "outcome_label": lambda o: OUTCOME_LABELS[ContactOutcome(o)],
        "month_str": months.to_str,
    }


def _flash_error(exc: FlowMemberError) -> None:
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (exc.errors or {}).items())
    flash(f"{exc.message} {details}".strip(), "error")


def _member():
    return db.session.get(Member, current_user.member_id)


# --- member pages -----------------------------------------------------------------------------


@bp.route("/m/checkin")
@member_required
def checkin():
    from flowmember.members import consent as consent_texts
    from flowmember.members.services import has_location_consent

    member = _member()
    today = today_local()
    current = months.of(today)
    this_month = services.checkin_for_month(member.id, current)
    return render_template(
        "checkins/checkin.html",
        member=member,
        month=months.to_str(current),
        this_month=this_month,
        consent=has_location_consent(member.id),
        consent_text=consent_texts.LOCATION_TEXT,
        messages={
            "saved": _("Check-in saved for %(month)s.", month="{month}"),
            "amended": _("This month's check-in was updated."),
            "offline": _("Saved offline, will send when you are back online."),
            "sending": _("Sending…"),
            "sent_later": _("Your offline check-in has been sent."),
            "consent_needed": _("Sharing your location needs your consent first."),
            "failed": _("Could not save the check-in."),
            "choose": _("Choose…"),
            "choose_city": _("Choose a city."),
        },
    )


@bp.route("/m/checkins")
@member_required
def my_checkins():
    member = _member()
    rows = db.session.scalars(services.checkins_of(member.id).limit(36)).all()
    return render_template("checkins/my_checkins.html", rows=rows, location_of=_location)


def _location(obj) -> str:
    from flowmember.checkins.schemas import location_of

    view = location_of(obj)
    if not view:
        return ""
    parts = [view.get("province_name"), view.get("city_name"), view.get("district_name")]
    return " ".join(p for p in parts if p) or view.get("city_code", "")


@bp.route("/m/activities", methods=["GET", "POST"])
@member_required
def my_activities():
    member = _member()
    if request.method == "POST":
        try:
            act.confirm_online(
                current_user,
                member,
                request.form.get("activity_id", type=int),
                request.form.get("code", ""),
            )
            db.session.commit()
            flash(_("Online attendance confirmed."), "success")
        except FlowMemberError as exc:
            db.session.rollback()
            _flash_error(exc)
        return redirect(url_for(".my_activities"))
    rows = db.session.scalars(act.activities_for_member(member).limit(50)).all()
    mine = dict(
        db.session.execute(
            select(Attendance.activity_id, Attendance.status).where(
                Attendance.member_id == member.id,
                Attendance.activity_id.in_([a.id for a in rows]),
            )
        ).all()
    )
    today = today_local()
    return render_template(
        "checkins/my_activities.html",
        rows=rows,
        mine=mine,
        can_confirm={
            a.id: rules.online_confirm_problem(a.online, a.held_on, today) is None for a in rows
        },
    )


# --- staff pages ------------------------------------------------------------------------------


@bp.route("/members/<int:member_id>/contacts", methods=["GET", "POST"])
@staff_required
def member_contacts(member_id: int):
    member = get_scoped(Member, member_id, current_user, what="Member")
    if request.method == "POST":
        try:
            at = request.form.get("at") or None
            if at:
                from datetime import datetime

                at = datetime.fromisoformat(at)
                if at.tzinfo is None:
                    at = at.replace(tzinfo=LOCAL_TZ)
            services.record_contact(
                current_user,
                member,
                channel=ContactChannel(request.form.get("channel")).value,
                outcome=ContactOutcome(request.form.get("outcome")).value,
                at=at,
                note=request.form.get("note"),
            )
            db.session.commit()
            flash(_("Contact attempt recorded."), "success")
            return redirect(url_for(".member_contacts", member_id=member.id))
        except ValueError:
            db.session.rollback()
            flash(_("Some fields are not valid."), "error")
        except FlowMemberError as exc:
            db.session.rollback()
            _flash_error(exc)
    rows = db.session.scalars(
        select(ContactAttempt)
        .where(ContactAttempt.member_id == member.id)
        .order_by(ContactAttempt.at.desc(), ContactAttempt.id.desc())
        .limit(100)
    ).all()
    checkins = db.session.scalars(services.checkins_of(member.id).limit(12)).all()
    return render_template(
        "checkins/contacts.html",
        member=member,
        rows=rows,
        checkins=checkins,
        channels=list(ContactChannel),
        outcomes=list(ContactOutcome),
    )


def _orgs_in_scope():
    return db.session.scalars(scoped(select(Org), Org, current_user).order_by(Org.path)).all()


@bp.route("/activities", methods=["GET", "POST"])
@staff_required
def activities():
    if request.method == "POST":
        if current_user.role not in ORG_LIFE_ROLES:
            abort(403)
        try:
            held_on = date.fromisoformat(request.form.get("held_on", ""))
            activity = act.create_activity(
                current_user,
                org_id=request.form.get("org_id", type=int),
                kind=ActivityKind(request.form.get("kind")).value,
                title=request.form.get("title", ""),
                held_on=held_on,
                online=bool(request.form.get("online")),
            )
            db.session.commit()
            flash(_("Activity added. Attendance code: %(code)s", code=activity.code), "success")
            return redirect(url_for(".activity", activity_id=activity.id))
        except ValueError:
            db.session.rollback()
            flash(_("Some fields are not valid."), "error")
        except FlowMemberError as exc:
            db.session.rollback()
            _flash_error(exc)
    org_id = request.args.get("org_id", type=int)
    stmt = scoped(select(Activity), Activity, current_user)
    if org_id:
        stmt = stmt.where(Activity.org_id == org_id)
    rows = db.session.scalars(stmt.order_by(Activity.held_on.desc()).limit(100)).all()
    return render_template(
        "checkins/activities.html",
        rows=rows,
        orgs=_orgs_in_scope(),
        org_id=org_id,
        kinds=list(ActivityKind),
        today=today_local().isoformat(),
        may_edit=current_user.role in ORG_LIFE_ROLES,
    )


@bp.route("/activities/<int:activity_id>", methods=["GET", "POST"])
@staff_required
def activity(activity_id: int):
    activity = act.get_activity(current_user, activity_id)
    members = db.session.scalars(
        act.eligible_members(activity)
        .where(Member.status == "active")
        .order_by(Member.name, Member.id)
    ).all()
    if request.method == "POST":
        if current_user.role not in ORG_LIFE_ROLES:
            abort(403)
        entries = []
        for m in members:
            status = request.form.get(f"status-{m.id}")
            if status:
                entries.append({"member_id": m.id, "status": status})
        try:
            if entries:
                act.set_attendance_bulk(current_user, activity, entries)
            db.session.commit()
            flash(_("Attendance saved for %(count)s members.", count=len(entries)), "success")
            return redirect(url_for(".activity", activity_id=activity.id))
        except FlowMemberError as exc:
            db.session.rollback()
            _flash_error(exc)
    recorded = {
        a.member_id: a.status.value for a in db.session.scalars(act.attendance_of(activity))
    }
    return render_template(
        "checkins/activity.html",
        activity=activity,
        members=members,
        recorded=recorded,
        statuses=list(AttendanceStatus),
        may_edit=current_user.role in ORG_LIFE_ROLES,
    )


def _list_org_id() -> int:
    return request.values.get("org_id", type=int) or current_user.org_id


@bp.route("/checkins/missing", methods=["GET", "POST"])
@staff_required
def missing_checkins():
    org_id = _list_org_id()
    try:
        month = months.parse(request.values.get("month") or months.to_str(months.of(today_local())))
    except ValueError:
        month = months.of(today_local())
    if request.method == "POST":
        if current_user.role not in ORG_LIFE_ROLES:
            abort(403)
        text = _("Please submit your monthly check-in for %(month)s.", month=months.to_str(month))
        try:
            count = services.remind_missing_checkins(current_user, org_id, month, text)
            db.session.commit()
            flash(_("Reminder handed over for %(count)s members.", count=count), "success")
        except FlowMemberError as exc:
            db.session.rollback()
            _flash_error(exc)
        return redirect(url_for(".missing_checkins", org_id=org_id, month=months.to_str(month)))
    rows = db.session.scalars(services.members_missing_checkin(current_user, org_id, month)).all()
    current = months.of(today_local())
    return render_template(
        "checkins/missing.html",
        rows=rows,
        orgs=_orgs_in_scope(),
        org_id=org_id,
        month=months.to_str(month),
        missed={m.id: services.missed_checkin_months(m, current) for m in rows},
        may_remind=current_user.role in ORG_LIFE_ROLES,
        mode="checkins",
    )


@bp.route("/attendance/missing", methods=["GET", "POST"])
@staff_required
def missing_attendance():
    org_id = _list_org_id()
    if request.method == "POST":
        if current_user.role not in ORG_LIFE_ROLES:
            abort(403)
        text = _("Please take part in your branch's organisation life this period.")
        try:
            count = services.remind_missing_attendance(current_user, org_id, text)
            db.session.commit()
            flash(_("Reminder handed over for %(count)s members.", count=count), "success")
        except FlowMemberError as exc:
            db.session.rollback()
            _flash_error(exc)
        return redirect(url_for(".missing_attendance", org_id=org_id))
    rows = db.session.scalars(services.members_missing_attendance(current_user, org_id)).all()
    return render_template(
        "checkins/missing.html",
        rows=rows,
        orgs=_orgs_in_scope(),
        org_id=org_id,
        month=None,
        missed={},
        may_remind=current_user.role in ORG_LIFE_ROLES,
        mode="attendance",
    )
