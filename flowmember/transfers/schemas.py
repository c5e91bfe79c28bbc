"""Transfers: marshmallow schemas (``*Args`` in, ``*Schema`` out)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

from flowmember.core import months
from flowmember.core.auth import current_actor
from flowmember.core.fields import LocalDateTime
from flowmember.core.time import today_local
from flowmember.members.models import Category, mask_id_number
from flowmember.members.schemas import MemberArgs
from flowmember.transfers import rules
from flowmember.transfers.permissions import allowed_actions
from flowmember.transfers.rules import Direction, ReasonKind, ReceiptKind, TransferStatus

ONE_OF = "Give exactly one of to_org_id and to_org_name."
VALIDITY = validate.Range(
    min=rules.MIN_VALIDITY_DAYS,
    max=rules.MAX_VALIDITY_DAYS,
    error=f"Validity must be {rules.MIN_VALIDITY_DAYS} to {rules.MAX_VALIDITY_DAYS} days.",
)


def _exactly_one_destination(data, partial_ok: bool = False) -> None:
    has_id = data.get("to_org_id") is not None
    has_name = bool((data.get("to_org_name") or "").strip())
    if partial_ok and not has_id and not has_name:
        return
    if has_id == has_name:
        raise MarshmallowValidationError({"to_org_id": [ONE_OF], "to_org_name": [ONE_OF]})


class TransferArgs(Schema):
    member_id = fields.Integer(required=True)
    to_org_id = fields.Integer(allow_none=True)
    to_org_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    reason_kind = fields.Enum(ReasonKind, by_value=True, load_default=ReasonKind.other)
    validity_days = fields.Integer(load_default=rules.DEFAULT_VALIDITY_DAYS, validate=VALIDITY)

    @validates_schema
    def _destination(self, data, **kwargs):
        _exactly_one_destination(data)


class MyTransferArgs(TransferArgs):
    """POST /me/transfers: a member asks for their own transfer."""

    member_id = fields.Integer(load_default=None)


class ReceiveArgs(Schema):
    received_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ReturnArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    returned_on = fields.Date(allow_none=True)


class CancelArgs(Schema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ReissueArgs(Schema):
    to_org_id = fields.Integer(allow_none=True)
    to_org_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    validity_days = fields.Integer(allow_none=True, validate=VALIDITY)
    reason = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _destination(self, data, **kwargs):
        _exactly_one_destination(data, partial_ok=True)


class HandoverArgs(Schema):
    items = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        required=True,
        validate=validate.Length(min=1, max=100),
    )
    #: ISO 8601; without an offset (a form's ``datetime-local``) it is Asia/Shanghai time.
    handed_at = LocalDateTime(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    handed_over_by = fields.String(required=True, validate=validate.Length(min=1, max=120))
    received_by = fields.String(required=True, validate=validate.Length(min=1, max=120))


class TransferQueryArgs(Schema):
    status = fields.Enum(TransferStatus, by_value=True)
    overdue = fields.Boolean()
    direction = fields.String(validate=validate.OneOf(["in", "out"]))
    member_id = fields.Integer()


class InflowArgs(MemberArgs):
    """POST /transfers/inflow: the member's fields plus what the paper letter says. The letter's
    dues paid through (党费交至) is the member field ``dues_paid_through`` (YYYY-MM): recorded as
    the member's carried paid-through month and on the inflow transfer."""

    category = fields.Enum(Category, by_value=True, load_default=Category.inflow)
    letter_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    from_org_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    received_on = fields.Date(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    validity_days = fields.Integer(allow_none=True, validate=VALIDITY)
    reason_kind = fields.Enum(ReasonKind, by_value=True, load_default=ReasonKind.other)
    #: API.md's body has no such field: registering from the paper letter states that the
    #: identity talk was held; an explicit ``false`` is refused.
    identity_checked = fields.Boolean(load_default=True)
    identity_check_note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class HandoverSchema(Schema):
    id = fields.Integer()
    transfer_id = fields.Integer()
    items = fields.List(fields.String())
    handed_at = fields.AwareDateTime()
    place = fields.String()
    handed_over_by = fields.String()
    received_by = fields.String()
    created_at = fields.AwareDateTime()


class TransferSchema(Schema):
    """The API transfer object. ``status`` is the effective status (issued and past
    ``expires_on`` reads as expired); ``stored_status`` is the last recorded step."""

    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.Function(lambda t: t.member_name or t.member.name)
    direction = fields.Enum(Direction, by_value=True)
    status = fields.Function(lambda t: t.effective_status(today_local()).value)
    stored_status = fields.Function(lambda t: TransferStatus(t.status).value)
    from_org_id = fields.Integer(allow_none=True)
    from_org_name = fields.Function(lambda t: t.from_name)
    issuing_committee_id = fields.Integer(allow_none=True)
    to_org_id = fields.Integer(allow_none=True)
    to_org_name = fields.Function(lambda t: t.to_name)
    reason_kind = fields.Enum(ReasonKind, by_value=True)
    reason = fields.String()
    validity_days = fields.Integer()
    needs_committee_approval = fields.Boolean()
    branch_approved_at = fields.AwareDateTime(allow_none=True)
    committee_approved_at = fields.AwareDateTime(allow_none=True)
    letter_no = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    dues_paid_through = fields.Function(lambda t: months.to_str(t.dues_paid_through))
    stage = fields.Function(lambda t: t.stage.value if t.stage else None)
    id_number = fields.Function(lambda t: mask_id_number(t.id_number))
    received_on = fields.Date(allow_none=True)
    receipt_kind = fields.Enum(ReceiptKind, by_value=True, allow_none=True)
    receipt_note = fields.String(allow_none=True)
    returned_on = fields.Date(allow_none=True)
    return_reason = fields.String(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    reissued_from_id = fields.Integer(allow_none=True)
    follow_up = fields.String(allow_none=True)
    identity_checked = fields.Boolean(allow_none=True)
    identity_check_note = fields.String(allow_none=True)
    #: Issued, not yet received: the member is still on the issuing org's lists.
    in_transit = fields.Boolean()
    overdue = fields.Function(lambda t: t.is_overdue(today_local()))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class TransferDetailSchema(TransferSchema):
    """GET /transfers/{id}: the transfer object plus the steps the caller may take on it now
    (what the transfer's page offers; the other steps are refused)."""

    allowed_actions = fields.Function(
        lambda t: sorted(allowed_actions(current_actor(), t, today_local())),
        metadata={"description": "Of: " + ", ".join(rules.STEPS)},
    )


class LetterSchema(Schema):
    """GET /me/letters: the member's own letters (their ID number is theirs to see)."""

    id = fields.Integer()
    status = fields.Function(lambda t: t.effective_status(today_local()).value)
    direction = fields.Enum(Direction, by_value=True)
    from_org_name = fields.Function(lambda t: t.from_name)
    to_org_name = fields.Function(lambda t: t.to_name)
    reason_kind = fields.Enum(ReasonKind, by_value=True)
    letter_no = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    validity_days = fields.Integer()
    dues_paid_through = fields.Function(lambda t: months.to_str(t.dues_paid_through))
    received_on = fields.Date(allow_none=True)
    returned_on = fields.Date(allow_none=True)
    return_reason = fields.String(allow_none=True)
    follow_up = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
