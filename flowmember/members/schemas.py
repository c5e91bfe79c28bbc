"""Member ledger: marshmallow schemas (``*Args`` in, ``*Schema`` out)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

from flowmember.core import months
from flowmember.core.fields import Location, LocationArgs, Month
from flowmember.members.divisions import location_view
from flowmember.members.models import Category, Gender, MemberStatus, Stage

STATUS_VALUES = [s.value for s in MemberStatus]
FLAG_VALUES = ["lapse_risk", "unreachable", "exempt", "no_login"]
PAPER_VALUES = ["certificate_letter", "activity_certificate"]


class MemberArgs(Schema):
    """POST /members (and one row of an import)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    gender = fields.Enum(Gender, by_value=True, required=True)
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=30))
    #: Optional: when given it must agree with the ID number; otherwise taken from it.
    birth_date = fields.Date(allow_none=True)
    ethnicity = fields.String(allow_none=True, validate=validate.Length(max=20))
    #: Any common spelling: read as E.164 by ``services.check_identity`` together with the ID
    #: number, so that one 422 names every bad field of the record.
    phone = fields.String(required=True, validate=validate.Length(min=1, max=40))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    category = fields.Enum(Category, by_value=True, required=True)
    stage = fields.Enum(Stage, by_value=True, required=True)
    joined_on = fields.Date(required=True)
    full_on = fields.Date(allow_none=True)
    org_id = fields.Integer(required=True)
    home_org_id = fields.Integer(allow_none=True)
    home_org_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    employer = fields.String(allow_none=True, validate=validate.Length(max=200))
    university = fields.String(allow_none=True, validate=validate.Length(max=200))
    graduation_year = fields.Integer(allow_none=True, validate=validate.Range(min=1950, max=2100))
    away_since = fields.Date(allow_none=True)
    retired = fields.Boolean(load_default=False)
    away_paper = fields.String(allow_none=True, validate=validate.OneOf(PAPER_VALUES))
    away_paper_on = fields.Date(allow_none=True)
    location = Location(allow_none=True)
    # When lapse counting starts (DOMAIN §8), as carried over from an old ledger; the rules (not
    # in the future, not before joining, an earlier tracking start only with the history it
    # vouches for) are checked by members.services.check_counting_start.
    tracked_since = Month(
        allow_none=True,
        metadata={
            "description": "YYYY-MM: tracking start; default the month the record enters "
            "FlowMember. Earlier only together with dues_paid_through and last_org_life."
        },
    )
    dues_paid_through = Month(
        allow_none=True, metadata={"description": "YYYY-MM: dues paid through (党费交至)"}
    )
    last_org_life = Month(
        allow_none=True, metadata={"description": "YYYY-MM: last month of org life attended"}
    )

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("full_on") and data.get("joined_on") and data["full_on"] < data["joined_on"]:
            raise MarshmallowValidationError(
                "Cannot be before the date of joining.", field_name="full_on"
            )


class MemberPatchArgs(MemberArgs):
    """PATCH /members/{id}: any subset of the fields (status changes go through status events);
    use as ``MemberPatchArgs(partial=True)``."""


class MemberQueryArgs(Schema):
    org_id = fields.Integer()
    category = fields.Enum(Category, by_value=True)
    status = fields.String(validate=validate.OneOf(STATUS_VALUES + ["current", "all"]))
    stage = fields.Enum(Stage, by_value=True)
    flag = fields.String(validate=validate.OneOf(FLAG_VALUES))
    q = fields.String(validate=validate.Length(max=60))
    province_code = fields.String(validate=validate.Length(equal=6))
    city_code = fields.String(validate=validate.Length(equal=6))


class FlagsSchema(Schema):
    lapse_risk = fields.Boolean()
    unreachable = fields.Boolean()


class MemberSchema(Schema):
    """The API member object: ID number masked."""

    id = fields.Integer()
    name = fields.String()
    gender = fields.Enum(Gender, by_value=True)
    id_number = fields.Function(lambda m: m.masked_id_number)
    birth_date = fields.Date()
    ethnicity = fields.String(allow_none=True)
    phone = fields.String()
    email = fields.String(allow_none=True)
    category = fields.Enum(Category, by_value=True)
    stage = fields.Enum(Stage, by_value=True)
    status = fields.Enum(MemberStatus, by_value=True)
    status_since = fields.Date(allow_none=True)
    joined_on = fields.Date()
    full_on = fields.Date(allow_none=True)
    org_id = fields.Integer()
    org_name = fields.Function(lambda m: m.org.name if m.org else None)
    home_org_id = fields.Integer(allow_none=True)
    home_org_name = fields.Function(
        lambda m: m.home_org_name or (m.home_org.name if m.home_org else None)
    )
    employer = fields.String(allow_none=True)
    university = fields.String(allow_none=True)
    graduation_year = fields.Integer(allow_none=True)
    away_since = fields.Date(allow_none=True)
    retired = fields.Boolean()
    away_paper = fields.String(allow_none=True)
    away_paper_on = fields.Date(allow_none=True)
    location = fields.Method("_location", allow_none=True)
    location_reported_at = fields.AwareDateTime(allow_none=True)
    flags = fields.Method("_flags")
    last_checkin_month = fields.Function(lambda m: months.to_str(m.last_checkin_month))
    last_attended_month = fields.Function(lambda m: months.to_str(m.last_attended_month))
    paid_through = fields.Function(lambda m: months.to_str(m.paid_through_month))
    #: When lapse counting starts (DOMAIN §8): the tracking start, the month the member came
    #: under the current org (a transfer's receipt or a paper letter), and the history an old
    #: ledger or a paper letter vouched for.
    tracked_since = fields.Function(lambda m: months.to_str(m.tracked_since_month))
    org_since = fields.Function(lambda m: months.to_str(m.org_since_month))
    dues_paid_through = fields.Function(lambda m: months.to_str(m.carried_paid_through_month))
    last_org_life = fields.Function(lambda m: months.to_str(m.carried_org_life_month))
    last_reached_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()

    def _location(self, member):
        if not member.city_code:
            return None
        return location_view(member.province_code, member.city_code, member.district_code)

    def _flags(self, member):
        return {
            "lapse_risk": bool(member.flag_lapse_risk),
            "unreachable": bool(member.flag_unreachable),
        }


class MeSchema(MemberSchema):
    """GET /me: the member's own record, ID number in full."""

    id_number = fields.String()


class IdNumberSchema(Schema):
    id = fields.Integer()
    id_number = fields.String()


class ReasonArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class StatusEventArgs(Schema):
    status = fields.Enum(MemberStatus, by_value=True, required=True)
    on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class StatusEventSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    from_status = fields.String(allow_none=True)
    status = fields.Enum(MemberStatus, by_value=True)
    on = fields.Date(attribute="effective_on")
    reason = fields.String()
    approver_id = fields.Integer(allow_none=True)
    approver_name = fields.String()
    created_at = fields.AwareDateTime()


class ExemptionArgs(Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise MarshmallowValidationError("Cannot be before starts_on.", field_name="ends_on")


class ExemptionSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    reason = fields.String()
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class InvitationSchema(Schema):
    code = fields.String()
    expires_at = fields.AwareDateTime()


class ActivateArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    password = fields.String(required=True, validate=validate.Length(max=1024))


class ActivationSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    login = fields.String()
    member_id = fields.Integer()


class ConsentArgs(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(["location"]))
    granted = fields.Boolean(required=True)


class ConsentSchema(Schema):
    id = fields.Integer()
    purpose = fields.Function(lambda c: str(c.purpose))
    granted = fields.Boolean()
    text_version = fields.String()
    at = fields.AwareDateTime()


class ConsentStateSchema(Schema):
    purpose = fields.String()
    granted = fields.Boolean()
    text_version = fields.String(allow_none=True)
    at = fields.AwareDateTime(allow_none=True)
    current_text_version = fields.String()
    text = fields.String()


class MeLocationArgs(LocationArgs):
    """PUT /me/location: where the member lives or works (GB/T 2260 codes)."""


class DivisionQueryArgs(Schema):
    parent = fields.String(validate=validate.Length(max=6))


class DivisionSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()


class PaperworkSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    org_id = fields.Integer()
    away_since = fields.Date(allow_none=True)
    paper_needed = fields.String()
    held_paper = fields.String(allow_none=True)
    problem = fields.String()
    location = fields.Dict(allow_none=True)


class PaperworkQueryArgs(Schema):
    org_id = fields.Integer()
    as_of = fields.Date()
