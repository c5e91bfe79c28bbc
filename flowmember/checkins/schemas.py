"""Check-ins, contacts and organisation life: marshmallow schemas (*Args in, *Schema out)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from flowmember.checkins import rules
from flowmember.checkins.models import (
    ActivityKind,
    AttendanceStatus,
    ContactChannel,
    ContactOutcome,
)
from flowmember.checkins.services import missed_checkin_months
from flowmember.core import months
from flowmember.core.fields import LocalDateTime, Location, Month, Phone
from flowmember.core.time import today_local
from flowmember.members.divisions import location_view


class CheckinArgs(Schema):
    month = Month(metadata={"description": "YYYY-MM; default the current month"})
    location = Location(allow_none=True)
    #: Any common spelling; stored as E.164.
    phone = Phone(allow_none=True, validate=validate.Length(max=32))
    employer = fields.String(allow_none=True, validate=validate.Length(max=200))
    report = fields.String(
        required=True, validate=validate.Length(min=1, max=rules.REPORT_MAX_LENGTH)
    )
    client_uuid = fields.UUID(allow_none=True)


class LocationSchema(Schema):
    province_code = fields.String()
    province_name = fields.String(allow_none=True)
    city_code = fields.String()
    city_name = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True)
    district_name = fields.String(allow_none=True)


def location_of(obj) -> dict | None:
    if not obj.province_code:
        return None
    try:
        return location_view(obj.province_code, obj.city_code, obj.district_code)
    except Exception:  # a code no longer in the shipped list: show the codes
        return {
            "province_code": obj.province_code,
            "city_code": obj.city_code,
            "district_code": obj.district_code,
        }


class CheckinSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    month = Month()
    location = fields.Function(location_of, allow_none=True)
    phone = fields.String(allow_none=True)
    employer = fields.String(allow_none=True)
    report = fields.String()
    client_uuid = fields.String(allow_none=True)
    revision = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class CheckinQueryArgs(Schema):
    month_from = Month(data_key="from")
    month_to = Month(data_key="to")


class ContactArgs(Schema):
    channel = fields.Enum(ContactChannel, by_value=True, required=True)
    outcome = fields.Enum(ContactOutcome, by_value=True, required=True)
    #: An ISO datetime, or a plain date read as the start of that day in Asia/Shanghai.
    at = LocalDateTime(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ContactSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    at = fields.AwareDateTime()
    channel = fields.Enum(ContactChannel, by_value=True)
    outcome = fields.Enum(ContactOutcome, by_value=True)
    note = fields.String(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class ActivityArgs(Schema):
    org_id = fields.Integer(required=True)
    kind = fields.Enum(ActivityKind, by_value=True, required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    held_on = fields.Date(required=True)
    online = fields.Boolean(load_default=False)


class ActivityQueryArgs(Schema):
    org_id = fields.Integer()
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")


class MemberActivitySchema(Schema):
    """An activity as members see it (no attendance code)."""

    id = fields.Integer()
    org_id = fields.Integer()
    org_name = fields.Function(lambda a: a.org.name)
    kind = fields.Enum(ActivityKind, by_value=True)
    title = fields.String()
    held_on = fields.Date()
    online = fields.Boolean()


class ActivitySchema(MemberActivitySchema):
    code = fields.String()
    created_at = fields.AwareDateTime()


class MyActivitySchema(MemberActivitySchema):
    my_status = fields.String(allow_none=True)


class AttendanceArgs(Schema):
    status = fields.Enum(AttendanceStatus, by_value=True, required=True)


class AttendanceEntryArgs(Schema):
    member_id = fields.Integer(required=True)
    status = fields.Enum(AttendanceStatus, by_value=True, required=True)


class BulkAttendanceArgs(Schema):
    entries = fields.List(
        fields.Nested(AttendanceEntryArgs), required=True, validate=validate.Length(min=1, max=2000)
    )


class AttendanceSchema(Schema):
    activity_id = fields.Integer()
    member_id = fields.Integer()
    status = fields.Enum(AttendanceStatus, by_value=True)
    recorded_by_id = fields.Integer(allow_none=True)
    recorded_at = fields.AwareDateTime()


class ConfirmArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))


class MissingCheckinArgs(Schema):
    org_id = fields.Integer()
    month = Month()


class RemindArgs(Schema):
    org_id = fields.Integer()
    month = Month()

    @validates("month")
    def _not_future(self, value, **kwargs):
        if value > months.of(today_local()):
            raise ValidationError("Cannot be a future month.")


class MissingAttendanceArgs(Schema):
    org_id = fields.Integer()


class MissingMemberSchema(Schema):
    """A member on a staff list, with the summary the list was built from."""

    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    org_id = fields.Integer()
    category = fields.Function(lambda m: m.category.value)
    province_code = fields.String(allow_none=True)
    city_code = fields.String(allow_none=True)
    last_checkin_month = Month(allow_none=True)
    last_attended_month = Month(allow_none=True)
    last_reached_at = fields.AwareDateTime(allow_none=True)
    missed_months = fields.Method("_missed")

    def _missed(self, member):
        return missed_checkin_months(member, months.of(today_local()))


class RemindResultSchema(Schema):
    count = fields.Integer()
    month = Month()


class SummaryReportSchema(Schema):
    members = fields.Integer()
    mismatches = fields.Dict(keys=fields.String(), values=fields.Integer())
    total_mismatches = fields.Integer()
    examples = fields.List(fields.Dict())
    repaired = fields.Boolean()
