"""Reminders and notices: API (and GET /jobs, the scheduler's status)."""

from __future__ import annotations

from flask import jsonify, make_response, request
from flask.views import MethodView
from sqlalchemy import func, select

from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import current_actor, current_member, get_scoped, roles
from flowmember.core.errors import ValidationError
from flowmember.extensions import db
from flowmember.reminders import rules, services
from flowmember.reminders.models import Notice, Reminder, ReminderPreference, ReminderStatus
from flowmember.reminders.schemas import (
    JobStatusSchema,
    MyReminderSchema,
    NoticeArgs,
    NoticePreviewArgs,
    NoticePreviewSchema,
    NoticeSchema,
    ReminderDetailSchema,
    ReminderPreferenceArgs,
    ReminderPreferenceSchema,
    ReminderQueryArgs,
    ReminderSchema,
)

blp = Blueprint("reminders", __name__, url_prefix="/api/v1", description="Reminders and notices")

STAFF = ("admin", "secretary", "clerk")


def _status_clause(status: str):
    if status == "queued":
        return Reminder.status.in_([ReminderStatus.queued, ReminderStatus.sending])
    return Reminder.status == status


@blp.route("/reminders")
@roles(*STAFF)
@blp.arguments(ReminderQueryArgs, location="query")
@blp.response(200, ReminderSchema(many=True))
@blp.paginate(QueryPage)
def list_reminders(args):
    """Reminders in the caller's subtree with their delivery status (staff)"""
    actor = current_actor()
    stmt = services.reminders_in_scope(actor).order_by(Reminder.id.desc())
    if "member_id" in args:
        stmt = stmt.where(Reminder.member_id == args["member_id"])
    if "kind" in args:
        stmt = stmt.where(Reminder.kind == args["kind"])
    if "status" in args:
        stmt = stmt.where(_status_clause(args["status"]))
    if "notice_id" in args:
        stmt = stmt.where(Reminder.notice_id == args["notice_id"])
    if args.get("mine"):
        stmt = stmt.where(Reminder.user_id == actor.id)
    return stmt


@blp.route("/reminders/<int:reminder_id>")
@roles(*STAFF)
@blp.response(200, ReminderDetailSchema)
def get_reminder(reminder_id):
    """One reminder with every delivery attempt (staff)"""
    return get_scoped(Reminder, reminder_id, current_actor(), what="Reminder")


@blp.route("/me/reminders")
@blp.response(200, MyReminderSchema(many=True))
@blp.paginate(QueryPage)
def my_reminders():
    """The member's own reminders"""
    member = current_member()
    return select(Reminder).where(Reminder.member_id == member.id).order_by(Reminder.id.desc())


@blp.route("/me/reminder-preferences")
class MyPreferences(MethodView):
    @blp.response(200, ReminderPreferenceSchema)
    def get(self):
        """The member's channel order"""
        member = current_member()
        pref = db.session.scalar(
            select(ReminderPreference).where(ReminderPreference.member_id == member.id)
        )
        if pref is None:
            return {"channels": list(rules.DEFAULT_CHANNELS), "wechat_openid": None}
        return pref

    @blp.arguments(ReminderPreferenceArgs)
    @blp.response(200, ReminderPreferenceSchema)
    def put(self, args):
        """Set the member's channel order (sms, wechat, email)"""
        member = current_member()
        pref = services.set_preferences(
            member.id, channels=args["channels"], wechat_openid=args.get("wechat_openid")
        )
        db.session.commit()
        return pref


def _notice_out(notice: Notice) -> dict:
    return {
        "id": notice.id,
        "org_id": notice.org_id,
        "text": notice.text,
        "channels": notice.channels,
        "filter": notice.filter,
        "recipients": notice.recipients,
        "created_at": notice.created_at,
        "counts": services.notice_counts(notice.id),
    }


def _filter(args) -> dict:
    flt = dict(args.get("filter") or {})
    return flt


@blp.route("/notices")
class Notices(MethodView):
    @roles(*STAFF)
    @blp.response(200, NoticeSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self):
        """Batch notices of the caller's subtree"""
        return services.notices_in_scope(current_actor()).order_by(Notice.id.desc())

    @roles("admin", "secretary")
    @blp.arguments(NoticeArgs)
    @blp.response(202, NoticeSchema)
    def post(self, args):
        """Send a batch notice to the members the filter selects (queued; sent by dispatch).
        With ``?dry_run=1`` nothing is written: 200 ``{recipients}``."""
        if request.args.get("dry_run") in ("1", "true"):
            return make_response(jsonify({"recipients": _count(args)}), 200)
        notice = services.create_notice(
            current_actor(),
            org_id=args["org_id"],
            text=args["text"],
            channels=args.get("channels"),
            filter=_filter(args),
        )
        if notice.recipients == 0:
            raise ValidationError({"filter": ["No member matches this filter."]})
        db.session.commit()
        return _notice_out(notice)


@blp.route("/notices/preview", methods=["POST"])
@roles("admin", "secretary")
@blp.arguments(NoticePreviewArgs)
@blp.response(200, NoticePreviewSchema)
def preview_notice(args):
    """How many members a notice with this filter would reach (nothing is written)"""
    return {"recipients": _count(args)}


def _count(args) -> int:
    stmt = services.notice_recipients(current_actor(), args["org_id"], _filter(args))
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


@blp.route("/notices/<int:notice_id>")
@roles(*STAFF)
@blp.response(200, NoticeSchema)
def get_notice(notice_id):
    """One batch notice with its delivery counts by status"""
    return _notice_out(get_scoped(Notice, notice_id, current_actor(), what="Notice"))


@blp.route("/jobs")
@roles("admin")
@blp.response(200, JobStatusSchema(many=True))
def list_jobs():
    """Every scheduled job: last run, next run, and whether it is overdue (admin)"""
    from jobs.registry import JOBS
    from jobs.runner import status

    return [status(spec) for spec in JOBS]
