"""Reminders and notices: API (and GET /jobs, the scheduler's status)."""

from __future__ import annotations

from flask import jsonify, make_response, request
from flask.views import MethodView

from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import (
    STAFF,
    WRITE_ROLES,
    current_actor,
    current_member,
    get_scoped,
    roles,
)
from flowmember.reminders import services
from flowmember.reminders.models import Notice, Reminder
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
from jobs.registry import JOBS
from jobs.runner import status

blp = Blueprint("reminders", __name__, url_prefix="/api/v1", description="Reminders and notices")


@blp.route("/reminders")
@roles(*STAFF)
@blp.arguments(ReminderQueryArgs, location="query")
@blp.response(200, ReminderSchema(many=True))
@blp.paginate(QueryPage)
def list_reminders(args):
    """Reminders in the caller's subtree with their delivery status (staff)"""
    return services.list_reminders(current_actor(), args)


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
    return services.member_reminders(current_member().id)


@blp.route("/me/reminder-preferences")
class MyPreferences(MethodView):
    @blp.response(200, ReminderPreferenceSchema)
    def get(self):
        """The member's channel order"""
        return services.preferences_of(current_member().id)

    @blp.arguments(ReminderPreferenceArgs)
    @blp.response(200, ReminderPreferenceSchema)
    def put(self, args):
        """Set the member's channel order (sms, wechat, email)"""
        return services.set_preferences(
            current_member().id, channels=args["channels"], wechat_openid=args.get("wechat_openid")
        )


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


def _filter(args) -> services.NoticeFilter:
    return services.NoticeFilter(**(args.get("filter") or {}))


@blp.route("/notices")
class Notices(MethodView):
    @roles(*STAFF)
    @blp.response(200, NoticeSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self):
        """Batch notices of the caller's subtree"""
        return services.notices_in_scope(current_actor()).order_by(Notice.id.desc())

    @roles(*WRITE_ROLES)
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
        return _notice_out(notice)


@blp.route("/notices/preview", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(NoticePreviewArgs)
@blp.response(200, NoticePreviewSchema)
def preview_notice(args):
    """How many members a notice with this filter would reach (nothing is written)"""
    return {"recipients": _count(args)}


def _count(args) -> int:
    return services.count_recipients(current_actor(), args["org_id"], _filter(args))


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
    return [status(spec) for spec in JOBS]
