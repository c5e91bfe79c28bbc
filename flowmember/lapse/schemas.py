"""Lapse and lost contact: request arguments and response objects. The API and the pages'
forms load their input through the same ``*Args`` (:func:`flowmember.web.pages.load_form`)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from flowmember.core.fields import LocalDateTime, Month, Phone
from flowmember.lapse.models import CaseStatus, EscalationKind, ValidReasonKind


class LapseSweepArgs(Schema):
    as_of = fields.Date(load_default=None)


class LapseCountsSchema(Schema):
    opened = fields.Integer()
    resolved = fields.Integer()
    warned = fields.Integer()
    at_risk = fields.Integer()


class ContactCountsSchema(Schema):
    flagged = fields.Integer()
    cleared = fields.Integer()
    unreachable = fields.Integer()
    proposed_suspension = fields.Integer()
    proposed_removal = fields.Integer()


class LapseCaseQueryArgs(Schema):
    status = fields.Enum(CaseStatus, by_value=True)
    org_id = fields.Integer()
    member_id = fields.Integer()


class LapseExportArgs(LapseCaseQueryArgs):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class LapseCriteriaSchema(Schema):
    dues = fields.List(fields.String())
    org_life = fields.List(fields.String())
    reports = fields.List(fields.String())


class LapseStepSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    at = fields.AwareDateTime()
    note = fields.String(allow_none=True)
    actor_name = fields.String()


class LapseCaseSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.Function(lambda c: c.member.name)
    org_id = fields.Integer()
    opened_on = fields.Date()
    status = fields.Enum(CaseStatus, by_value=True)
    outcome = fields.Function(lambda c: c.outcome.value if c.outcome else None)
    criteria = fields.Nested(LapseCriteriaSchema)
    decision = fields.String(allow_none=True)
    meeting_on = fields.Date(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    approved = fields.Boolean(allow_none=True)
    approval_note = fields.String(allow_none=True)
    closed_on = fields.Date(allow_none=True)


class LapseCaseDetailSchema(LapseCaseSchema):
    steps = fields.List(fields.Nested(LapseStepSchema))


class LapseStepArgs(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["education", "contact"]))
    #: An ISO datetime, or a plain date read as the start of that day in Asia/Shanghai.
    at = LocalDateTime(load_default=None)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class LapseDecisionArgs(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["remove", "retain"]))
    meeting_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class LapseApprovalArgs(Schema):
    approved = fields.Boolean(required=True)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class ValidReasonArgs(Schema):
    kind = fields.Enum(ValidReasonKind, by_value=True, required=True)
    from_month = Month(required=True)
    to_month = Month(required=True)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))

    @validates_schema
    def _order(self, data, **kwargs):
        if data["to_month"] < data["from_month"]:
            raise ValidationError("Must not be before from_month.", "to_month")


class ValidReasonSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.Enum(ValidReasonKind, by_value=True)
    from_month = Month()
    to_month = Month()
    note = fields.String(allow_none=True)


class EscalationArgs(Schema):
    kind = fields.Enum(EscalationKind, by_value=True, required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = Phone(load_default=None, allow_none=True)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class EscalationSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.Enum(EscalationKind, by_value=True)
    name = fields.String()
    phone = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class UnreachableSchema(Schema):
    """One :class:`flowmember.lapse.services.Unreachable`."""

    member_id = fields.Integer(attribute="member.id")
    name = fields.String(attribute="member.name")
    org_id = fields.Integer(attribute="member.org_id")
    phone = fields.String(attribute="member.phone")
    stage = fields.Function(lambda row: row.member.stage.value)
    last_reached_at = fields.AwareDateTime(attribute="member.last_reached_at", allow_none=True)
    last_checkin_month = Month(attribute="member.last_checkin_month", allow_none=True)
    escalation_contacts = fields.List(fields.Nested(EscalationSchema), attribute="contacts")
    #: From the member's record: where else to ask.
    employer = fields.String(attribute="member.employer", allow_none=True)
    university = fields.String(attribute="member.university", allow_none=True)


class StatusReasonArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class StatusDecisionArgs(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class StatusRequestSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.Function(lambda r: r.kind.value)
    status = fields.Function(lambda r: r.status.value)
    reason = fields.String()
    requested_on = fields.Date()
    decided_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)


class StatusProposalSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.Function(lambda p: p.kind.value)
    proposed_on = fields.Date()
    status = fields.String()


class StatusProposalQueryArgs(Schema):
    kind = fields.String(validate=validate.OneOf(["suspension", "probation_loss", "removal"]))


class OrgGapArgs(Schema):
    as_of = fields.Date(load_default=None)


class OrgGapSchema(Schema):
    org_id = fields.Integer()
    name = fields.String()
    months = fields.List(fields.String())
