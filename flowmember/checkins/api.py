"""Check-ins, contacts and organisation life: API."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy import func, select

from flowmember.checkins import activities as act
from flowmember.checkins import rules, services
from flowmember.checkins.schemas import (
    ActivityArgs,
    ActivityQueryArgs,
    ActivitySchema,
    AttendanceArgs,
    AttendanceSchema,
    BulkAttendanceArgs,
    CheckinArgs,
    CheckinQueryArgs,
    CheckinSchema,
    ConfirmArgs,
    ContactArgs,
    ContactSchema,
    MissingAttendanceArgs,
    MissingCheckinArgs,
    MissingMemberSchema,
    MyActivitySchema,
    RemindArgs,
    RemindResultSchema,
)
from flowmember.core import months
from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import (
    STAFF,
    WRITE_ROLES,
    current_actor,
    current_member,
    get_scoped,
    roles,
)
from flowmember.core.idempotency import idempotent
from flowmember.core.time import today_local
from flowmember.extensions import db, limiter
from flowmember.members.models import Member
from flowmember.reminders import services as reminders

blp = Blueprint(
    "checkins",
    __name__,
    url_prefix="/api/v1",
    description="Check-ins, contacts and organisation life",
)


# --- the member's check-ins -------------------------------------------------------------------


@blp.route("/me/checkins")
class MyCheckins(MethodView):
    @blp.arguments(CheckinQueryArgs, location="query")
    @blp.response(200, CheckinSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """My check-ins, newest month first"""
        return services.checkins_of(current_member().id, **args)

    @idempotent
    @blp.arguments(CheckinArgs)
    @blp.response(201, CheckinSchema)
    @blp.alt_response(200, schema=CheckinSchema, description="Amended this month's check-in")
    @blp.alt_response(409, description="Location without granted location consent")
    def post(self, args):
        """Check in for the month (a second check-in in the same month amends the first).

        ``month`` defaults to the current month (Asia/Shanghai); the previous month is
        accepted during the first 5 days of a month; never a future month. ``location`` is
        optional and needs the member's granted location consent. A repeat with the same
        ``client_uuid`` (an offline replay) changes nothing and returns the stored check-in."""
        member = current_member()
        kwargs = {k: args[k] for k in ("month", "location", "phone", "employer") if k in args}
        if args.get("client_uuid") is not None:
            kwargs["client_uuid"] = str(args["client_uuid"])
        checkin, outcome = services.submit_checkin(
            current_actor(), member, report=args["report"], **kwargs
        )
        return checkin, 201 if outcome == "created" else 200


@blp.route("/me/checkins/status")
@blp.response(200)
def my_checkin_status():
    """This month's check-in state: {month, checked_in, allowed_months, missed_months}"""
    member = current_member()
    today = today_local()
    current = months.of(today)
    return {
        "month": months.to_str(current),
        "checked_in": (member.last_checkin_month or -1) >= current,
        "last_checkin_month": months.to_str(member.last_checkin_month),
        "allowed_months": [months.to_str(m) for m in rules.allowed_checkin_months(today)],
        "missed_months": services.missed_checkin_months(member, current),
    }


@blp.route("/members/<int:member_id>/checkins")
@roles(*STAFF)
@blp.arguments(CheckinQueryArgs, location="query")
@blp.response(200, CheckinSchema(many=True))
@blp.paginate(QueryPage)
def member_checkins(args, member_id):
    """A member's check-ins (staff, in scope)"""
    member = get_scoped(Member, member_id, current_actor(), what="Member")
    return services.checkins_of(member.id, **args)


# --- contact attempts -------------------------------------------------------------------------


@blp.route("/members/<int:member_id>/contacts")
class MemberContacts(MethodView):
    @roles(*STAFF)
    @blp.response(200, ContactSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, member_id):
        """Contact attempts with a member, newest first"""
        member = get_scoped(Member, member_id, current_actor(), what="Member")
        return services.contacts_of(member.id)

    @roles(*STAFF)
    @blp.arguments(ContactArgs)
    @blp.response(201, ContactSchema)
    def post(self, args, member_id):
        """Log a contact attempt (call, SMS, WeChat, e-mail, visit, letter) and its outcome"""
        actor = current_actor()
        member = get_scoped(Member, member_id, actor, what="Member")
        attempt = services.record_contact(
            actor,
            member,
            channel=args["channel"],
            outcome=args["outcome"],
            at=args.get("at"),
            note=args.get("note"),
        )
        return attempt


# --- activities -------------------------------------------------------------------------------


@blp.route("/activities")
class Activities(MethodView):
    @roles(*STAFF)
    @blp.arguments(ActivityQueryArgs, location="query")
    @blp.response(200, ActivitySchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """Activities of orgs in the caller's subtree (filter by org, from, to)"""
        return act.activities_in_scope(current_actor(), **args)

    @roles(*WRITE_ROLES)
    @blp.arguments(ActivityArgs)
    @blp.response(201, ActivitySchema)
    def post(self, args):
        """Add an activity (organisation life) with a short attendance code"""
        return act.create_activity(
            current_actor(),
            org_id=args["org_id"],
            kind=args["kind"],
            title=args["title"],
            held_on=args["held_on"],
            online=args["online"],
        )


@blp.route("/activities/<int:activity_id>")
@roles(*STAFF)
@blp.response(200, ActivitySchema)
def get_activity(activity_id):
    """One activity"""
    return act.get_activity(current_actor(), activity_id)


@blp.route("/activities/<int:activity_id>/attendance")
class ActivityAttendance(MethodView):
    @roles(*STAFF)
    @blp.response(200, AttendanceSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, activity_id):
        """Attendance recorded for an activity"""
        return act.attendance_of(act.get_activity(current_actor(), activity_id))

    @roles(*WRITE_ROLES)
    @blp.arguments(BulkAttendanceArgs)
    @blp.response(200, AttendanceSchema(many=True))
    def put(self, args, activity_id):
        """Record attendance for many members at once (all or nothing; 422 names the entry)"""
        actor = current_actor()
        activity = act.get_activity(actor, activity_id)
        return act.set_attendance_bulk(actor, activity, args["entries"])


@blp.route("/activities/<int:activity_id>/attendance/<int:member_id>")
class MemberAttendance(MethodView):
    @roles(*WRITE_ROLES)
    @blp.arguments(AttendanceArgs)
    @blp.response(200, AttendanceSchema)
    def put(self, args, activity_id, member_id):
        """Record one member's attendance: present, online, excused or absent"""
        actor = current_actor()
        activity = act.get_activity(actor, activity_id)
        return act.set_attendance(actor, activity, member_id, args["status"])

    @roles(*WRITE_ROLES)
    @blp.response(204)
    def delete(self, activity_id, member_id):
        """Remove a member's attendance record"""
        actor = current_actor()
        act.delete_attendance(actor, act.get_activity(actor, activity_id), member_id)


# --- the member's activities ------------------------------------------------------------------


@blp.route("/me/activities")
@blp.response(200, MyActivitySchema(many=True))
@blp.paginate()
def my_activities(pagination_parameters):
    """Activities of my org (and the orgs above it), newest first, with my attendance"""
    member = current_member()
    stmt = act.activities_for_member(member)
    pagination_parameters.item_count = db.session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    )
    return act.my_activities(
        member, limit=pagination_parameters.page_size, offset=pagination_parameters.first_item
    )


@blp.route("/me/activities/<int:activity_id>/attendance", methods=["POST"])
@limiter.limit("30 per minute")
@blp.arguments(ConfirmArgs)
@blp.response(200, AttendanceSchema)
def confirm_online_attendance(args, activity_id):
    """Confirm online attendance with the code announced at the activity"""
    return act.confirm_online(current_actor(), current_member(), activity_id, args["code"])


# --- staff lists ------------------------------------------------------------------------------


@blp.route("/checkins/missing")
@roles(*STAFF)
@blp.arguments(MissingCheckinArgs, location="query")
@blp.response(200, MissingMemberSchema(many=True))
@blp.paginate(QueryPage)
def missing_checkins(args):
    """Active mobile members (graduate, migrant) without a check-in for the month"""
    month = args.get("month", months.of(today_local()))
    return services.members_missing_checkin(current_actor(), args.get("org_id"), month)


@blp.route("/checkins/missing/remind", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(RemindArgs)
@blp.response(202, RemindResultSchema)
def remind_missing_checkins(args):
    """Send one batch reminder to every member on the missing-check-in list"""
    month = args.get("month", months.of(today_local()))
    text = _("Please submit your monthly check-in for %(month)s.", month=months.to_str(month))
    count = reminders.remind_missing_checkins(current_actor(), args.get("org_id"), month, text)
    return {"count": count, "month": month}


@blp.route("/attendance/missing")
@roles(*STAFF)
@blp.arguments(MissingAttendanceArgs, location="query")
@blp.response(200, MissingMemberSchema(many=True))
@blp.paginate(QueryPage)
def missing_attendance(args):
    """Active members without org life this quarter (in-province) or half-year (out)"""
    return services.members_missing_attendance(current_actor(), args.get("org_id"))


@blp.route("/attendance/missing/remind", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(MissingAttendanceArgs)
@blp.response(202, RemindResultSchema)
def remind_missing_attendance(args):
    """Send one batch reminder to every member on the missing-org-life list"""
    text = _("Please take part in your branch's organisation life this period.")
    count = reminders.remind_missing_attendance(current_actor(), args.get("org_id"), text)
    return {"count": count, "month": months.of(today_local())}
