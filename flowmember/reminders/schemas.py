"""Reminders, notices and jobs: marshmallow schemas (*Args in, *Schema out)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from flowmember.members.models import Category, MemberStatus
from flowmember.reminders.models import Kind
from flowmember.reminders.rules import MEMBER_CHANNELS

PUBLIC_STATUSES = ("queued", "sent", "failed", "skipped")
MEMBER_CATEGORIES = tuple(c.value for c in Category)
MEMBER_STATUSES = tuple(s.value for s in MemberStatus)


class ReminderQueryArgs(Schema):
    member_id = fields.Integer()
    kind = fields.Enum(Kind, by_value=True)
    status = fields.String(validate=validate.OneOf(PUBLIC_STATUSES))
    notice_id = fields.Integer()
    #: Only the caller's own staff reminders (letters, receipts).
    mine = fields.Boolean()


class ReminderDeliverySchema(Schema):
    channel = fields.String()
    provider = fields.String()
    status = fields.String()
    error = fields.String(allow_none=True)
    provider_message_id = fields.String(allow_none=True)
    at = fields.DateTime()


class ReminderSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    kind = fields.Enum(Kind, by_value=True)
    period = fields.String()
    channel = fields.String(allow_none=True)
    status = fields.String(attribute="public_status")
    sent_at = fields.DateTime(allow_none=True)
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    bounced = fields.Boolean()
    notice_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ReminderDetailSchema(ReminderSchema):
    deliveries = fields.List(fields.Nested(ReminderDeliverySchema))


class MyReminderSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(Kind, by_value=True)
    period = fields.String()
    channel = fields.String(allow_none=True)
    status = fields.String(attribute="public_status")
    sent_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class NoticeFilterArgs(Schema):
    category = fields.String(validate=validate.OneOf(MEMBER_CATEGORIES))
    status = fields.String(validate=validate.OneOf(MEMBER_STATUSES))
    flag = fields.String(validate=validate.OneOf(("lapse_risk", "unreachable")))
    member_ids = fields.List(fields.Integer(), validate=validate.Length(max=10000))


class NoticePreviewArgs(Schema):
    org_id = fields.Integer(required=True)
    filter = fields.Nested(NoticeFilterArgs, load_default=dict)


class NoticeArgs(NoticePreviewArgs):
    text = fields.String(required=True, validate=validate.Length(min=1, max=500))
    channels = fields.List(
        fields.String(validate=validate.OneOf(MEMBER_CHANNELS)),
        validate=validate.Length(min=1, max=3),
        allow_none=True,
    )


class NoticePreviewSchema(Schema):
    recipients = fields.Integer()


class NoticeSchema(Schema):
    id = fields.Integer()
    org_id = fields.Integer(allow_none=True)
    text = fields.String()
    channels = fields.List(fields.String(), allow_none=True)
    filter = fields.Dict(allow_none=True)
    recipients = fields.Integer()
    created_at = fields.DateTime()
    #: Delivery counts by status: {queued, sent, failed, skipped}.
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class ReminderPreferenceArgs(Schema):
    channels = fields.List(
        fields.String(validate=validate.OneOf(MEMBER_CHANNELS)),
        required=True,
        validate=validate.Length(min=1, max=3),
    )
    wechat_openid = fields.String(validate=validate.Length(max=64), allow_none=True)


class ReminderPreferenceSchema(Schema):
    channels = fields.List(fields.String())
    wechat_openid = fields.String(allow_none=True)


class JobStatusSchema(Schema):
    name = fields.String()
    schedule = fields.String()
    description = fields.String()
    period = fields.String()
    last_period = fields.String(allow_none=True)
    last_started_at = fields.DateTime(allow_none=True)
    last_finished_at = fields.DateTime(allow_none=True)
    last_status = fields.String(allow_none=True)
    last_counts = fields.Dict(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_run_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
