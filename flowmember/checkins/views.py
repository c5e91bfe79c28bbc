"""Check-ins, contacts and organisation life: pages.

Member phone pages: /m/checkin (the check-in form; its script talks to the API and keeps an
offline submission until the phone is back online), /m/checkins, /m/activities. Staff pages:
/members/<id>/contacts, /activities, /activities/<id> (the whole branch's attendance in one
form), /checkins/missing and /attendance/missing.

Forms are read by the API's ``*Args`` schemas (:func:`flowmember.web.pages.load_form`) and the
lists by the same service functions as the API."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import EXCLUDE, Schema

from flowmember.checkins import activities as act
from flowmember.checkins import rules, services
from flowmember.checkins.models import (
    ActivityKind,
    AttendanceStatus,
    ContactChannel,
    ContactOutcome,
)
from flowmember.checkins.schemas import (
    ActivityArgs,
    ActivityQueryArgs,
    BulkAttendanceArgs,
    ConfirmArgs,
    ContactArgs,
    MissingAttendanceArgs,
    MissingCheckinArgs,
    RemindArgs,
    location_of,
)
from flowmember.core import months
from flowmember.core.auth import WRITE_ROLES, get_scoped
from flowmember.core.errors import FlowMemberError
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.members import consent as consent_texts
from flowmember.members.models import Member
from flowmember.members.services import has_location_consent
from flowmember.orgs.services import orgs_in_scope
from flowmember.reminders import services as reminders
from flowmember.web import nav, pages

bp = pages.blueprint("checkins_pages", __name__)

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


#: Field names of the forms, as the reader knows them.
FORM_LABELS = {
    "org_id": _l("Organisation"),
    "month": _l("Month"),
    "kind": _l("Kind"),
    "title": _l("Title"),
    "held_on": _l("Date"),
    "online": _l("Held online"),
    "channel": _l("Channel"),
    "outcome": _l("Outcome"),
    "at": _l("When"),
    "note": _l("Note"),
    "code": _l("Attendance code"),
    "entries": _l("Attendance"),
}


@bp.app_context_processor
def labels():
    return {
        "activity_kind_label": lambda k: KIND_LABELS[ActivityKind(k)],
        "attendance_label": lambda s: STATUS_LABELS[AttendanceStatus(s)] if s else "",
        "channel_label": lambda c: CHANNEL_LABELS[ContactChannel(c)],
        "outcome_label": lambda o: OUTCOME_LABELS[ContactOutcome(o)],
        "month_str": months.to_str,
    }


def _member() -> Member:
    return db.session.get(Member, current_user.member_id)


def _form(schema: type[Schema]) -> dict:
    """The posted form through the API's schema (the CSRF token and other extra fields left
    out)."""
    return pages.load_form(schema, unknown=EXCLUDE)


# --- member pages -----------------------------------------------------------------------------


@bp.route("/m/checkin")
@pages.member_required
def checkin():
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
@pages.member_required
def my_checkins():
    member = _member()
    rows = db.session.scalars(services.checkins_of(member.id).limit(36)).all()
    return render_template("checkins/my_checkins.html", rows=rows, location_of=_location)


def _location(obj) -> str:
    view = location_of(obj)
    if not view:
        return ""
    parts = [view.get("province_name"), view.get("city_name"), view.get("district_name")]
    return " ".join(p for p in parts if p) or view.get("city_code", "")


@bp.route("/m/activities", methods=["GET", "POST"])
@pages.member_required
def my_activities():
    member = _member()
    if request.method == "POST":
        try:
            args = _form(ConfirmArgs)
            act.confirm_online(
                current_user, member, request.form.get("activity_id", type=int), args["code"]
            )
            flash(_("Online attendance confirmed."), "success")
        except FlowMemberError as error:
            pages.flash_error(error, FORM_LABELS)
        return redirect(url_for(".my_activities"))
    rows = act.my_activities(member, limit=pages.PAGE_SIZE)
    today = today_local()
    return render_template(
        "checkins/my_activities.html",
        rows=rows,
        can_confirm={
            a.id: rules.online_confirm_problem(a.online, a.held_on, today) is None for a in rows
        },
    )


# --- staff pages ------------------------------------------------------------------------------


@bp.route("/members/<int:member_id>/contacts", methods=["GET", "POST"])
@pages.staff_required
def member_contacts(member_id: int):
    member = get_scoped(Member, member_id, current_user, what="Member")
    if request.method == "POST":
        try:
            args = _form(ContactArgs)
            services.record_contact(
                current_user,
                member,
                channel=args["channel"],
                outcome=args["outcome"],
                at=args.get("at"),
                note=args.get("note"),
            )
            flash(_("Contact attempt recorded."), "success")
            return redirect(url_for(".member_contacts", member_id=member.id))
        except FlowMemberError as error:
            pages.flash_error(error, FORM_LABELS)
    rows = db.session.scalars(services.contacts_of(member.id).limit(100)).all()
    checkins = db.session.scalars(services.checkins_of(member.id).limit(12)).all()
    return render_template(
        "checkins/contacts.html",
        member=member,
        rows=rows,
        checkins=checkins,
        channels=list(ContactChannel),
        outcomes=list(ContactOutcome),
    )


@bp.get("/activities")
@pages.staff_required
def activities():
    args = pages.load_query(ActivityQueryArgs, FORM_LABELS)
    rows = db.session.scalars(act.activities_in_scope(current_user, **args).limit(100)).all()
    return render_template(
        "checkins/activities.html",
        rows=rows,
        orgs=orgs_in_scope(current_user),
        org_id=args.get("org_id"),
        kinds=list(ActivityKind),
        today=today_local().isoformat(),
        may_edit=pages.has_role(*WRITE_ROLES),
    )


@bp.post("/activities")
@pages.roles_required(*WRITE_ROLES)
def add_activity():
    try:
        args = _form(ActivityArgs)
        activity = act.create_activity(current_user, **args)
    except FlowMemberError as error:
        pages.flash_error(error, FORM_LABELS)
        return redirect(url_for(".activities"))
    flash(_("Activity added. Attendance code: %(code)s", code=activity.code), "success")
    return redirect(url_for(".activity", activity_id=activity.id))


def _eligible(activity) -> list[Member]:
    return list(
        db.session.scalars(
            act.eligible_members(activity)
            .where(Member.status == "active")
            .order_by(Member.name, Member.id)
        )
    )


@bp.get("/activities/<int:activity_id>")
@pages.staff_required
def activity(activity_id: int):
    activity = act.get_activity(current_user, activity_id)
    recorded = {
        a.member_id: a.status.value for a in db.session.scalars(act.attendance_of(activity))
    }
    return render_template(
        "checkins/activity.html",
        activity=activity,
        members=_eligible(activity),
        recorded=recorded,
        statuses=list(AttendanceStatus),
        may_edit=pages.has_role(*WRITE_ROLES),
    )


@bp.post("/activities/<int:activity_id>")
@pages.roles_required(*WRITE_ROLES)
def save_attendance(activity_id: int):
    activity = act.get_activity(current_user, activity_id)
    entries = [
        {"member_id": m.id, "status": status}
        for m in _eligible(activity)
        if (status := request.form.get(f"status-{m.id}"))
    ]
    try:
        if entries:
            args = pages.load_form(BulkAttendanceArgs, {"entries": entries})
            act.set_attendance_bulk(current_user, activity, args["entries"])
        flash(_("Attendance saved for %(count)s members.", count=len(entries)), "success")
    except FlowMemberError as error:
        pages.flash_error(error, FORM_LABELS)
    return redirect(url_for(".activity", activity_id=activity.id))


@bp.get("/checkins/missing")
@pages.staff_required
def missing_checkins():
    args = pages.load_query(MissingCheckinArgs, FORM_LABELS)
    org_id = args.get("org_id") or current_user.org_id
    current = months.of(today_local())
    month = args.get("month", current)
    rows = db.session.scalars(services.members_missing_checkin(current_user, org_id, month)).all()
    return render_template(
        "checkins/missing.html",
        rows=rows,
        orgs=orgs_in_scope(current_user),
        org_id=org_id,
        month=months.to_str(month),
        missed={m.id: services.missed_checkin_months(m, current) for m in rows},
        may_remind=pages.has_role(*WRITE_ROLES),
        mode="checkins",
    )


@bp.post("/checkins/missing")
@pages.roles_required(*WRITE_ROLES)
def remind_missing_checkins():
    org_id = request.form.get("org_id", type=int) or current_user.org_id
    try:
        args = _form(RemindArgs)
        org_id = args.get("org_id") or current_user.org_id
        month = args.get("month", months.of(today_local()))
        text = _("Please submit your monthly check-in for %(month)s.", month=months.to_str(month))
        count = reminders.remind_missing_checkins(current_user, org_id, month, text)
    except FlowMemberError as error:
        pages.flash_error(error, FORM_LABELS)
        return redirect(url_for(".missing_checkins", org_id=org_id))
    flash(_("Reminder handed over for %(count)s members.", count=count), "success")
    return redirect(url_for(".missing_checkins", org_id=org_id, month=months.to_str(month)))


@bp.get("/attendance/missing")
@pages.staff_required
def missing_attendance():
    args = pages.load_query(MissingAttendanceArgs, FORM_LABELS)
    org_id = args.get("org_id") or current_user.org_id
    rows = db.session.scalars(services.members_missing_attendance(current_user, org_id)).all()
    return render_template(
        "checkins/missing.html",
        rows=rows,
        orgs=orgs_in_scope(current_user),
        org_id=org_id,
        month=None,
        missed={},
        may_remind=pages.has_role(*WRITE_ROLES),
        mode="attendance",
    )


@bp.post("/attendance/missing")
@pages.roles_required(*WRITE_ROLES)
def remind_missing_attendance():
    org_id = request.form.get("org_id", type=int) or current_user.org_id
    try:
        org_id = _form(MissingAttendanceArgs).get("org_id") or current_user.org_id
        text = _("Please take part in your branch's organisation life this period.")
        count = reminders.remind_missing_attendance(current_user, org_id, text)
        flash(_("Reminder handed over for %(count)s members.", count=count), "success")
    except FlowMemberError as error:
        pages.flash_error(error, FORM_LABELS)
    return redirect(url_for(".missing_attendance", org_id=org_id))
