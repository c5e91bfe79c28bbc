"""Dues: API input (*Args) and output (*Schema), also what the pages load their forms through.
Months travel as ``"YYYY-MM"`` and come in as month indexes (:class:`~flowmember.core.fields.
Month`); money travels as strings in yuan with two decimals (``"12.50"``) and comes in as
``Decimal`` (:class:`~flowmember.core.fields.Yuan`). What an amount means (a farmer's amount
between 0.20 and 1.00, a voluntary amount not below the dues) is the rules' business."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as MarshmallowValidationError

from flowmember.core.fields import Month, Yuan
from flowmember.core.money import fmt
from flowmember.core.months import to_str
from flowmember.dues.rules import MAX_BASE, MAX_PAY_MONTHS, DuesKind

KINDS = [k.value for k in DuesKind]
METHODS = ["cash", "bank", "proxy", "online"]
#: The smallest amount a payment can have.
FEN = Decimal("0.01")


_TOO_MANY = f"At most {MAX_PAY_MONTHS} months at a time."


def _distinct(values: list) -> None:
    if len(set(values)) != len(values):
        raise MarshmallowValidationError("A month is listed twice.")


def _pay_months(**kw) -> fields.List:
    """Months to pay: one or more, at most :data:`MAX_PAY_MONTHS`, each once."""
    return fields.List(
        Month(),
        validate=[
            validate.Length(min=1, error="Give one or more months (YYYY-MM)."),
            validate.Length(max=MAX_PAY_MONTHS, error=_TOO_MANY),
            _distinct,
        ],
        **kw,
    )


class DuesQuoteArgs(Schema):
    base = Yuan(
        required=True, maximum=MAX_BASE, metadata={"description": 'Yuan per month, e.g. "4200.00"'}
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    farmer_amount = Yuan(allow_none=True, metadata={"description": "0.20 to 1.00"})
    voluntary = Yuan(
        allow_none=True, maximum=MAX_BASE, metadata={"description": "A larger monthly amount"}
    )


class DuesQuoteSchema(Schema):
    monthly = fields.String()
    rate = fields.String(allow_none=True)
    rate_percent = fields.String(allow_none=True)
    rule = fields.String()
    rule_text = fields.String()
    capped = fields.Boolean()
    computed = fields.String()


class DuesBaseResultSchema(DuesQuoteSchema):
    member_id = fields.Integer()
    year = fields.Integer()
    status = fields.String(metadata={"description": "applied | pending (mid-year change)"})
    change_id = fields.Integer(allow_none=True)
    from_month = fields.String(allow_none=True)


class DuesAssessArgs(Schema):
    month = Month(required=True)
    org_id = fields.Integer(allow_none=True)


class DuesAssessSchema(Schema):
    assessed = fields.Integer()
    month = fields.String()
    missing_base = fields.List(fields.Integer(), metadata={"description": "skipped: no base"})


class DuesPaymentArgs(Schema):
    months = _pay_months(required=True)
    amount = Yuan(required=True, minimum=FEN, maximum=MAX_BASE)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    reference = fields.String(allow_none=True, validate=validate.Length(max=120))
    paid_on = fields.Date(allow_none=True)
    backpay_approved = fields.Boolean(load_default=False)


class LargeDuesArgs(Schema):
    amount = Yuan(required=True, minimum=FEN, maximum=MAX_BASE)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    reference = fields.String(allow_none=True, validate=validate.Length(max=120))
    paid_on = fields.Date(allow_none=True)


class DuesPaymentSchema(Schema):
    id = fields.Integer()
    receipt_no = fields.String()
    kind = fields.Function(lambda p: p.kind.value)
    member_id = fields.Integer()
    org_id = fields.Integer()
    months = fields.Function(lambda p: [to_str(m) for m in p.months or []])
    amount = fields.Function(lambda p: fmt(p.amount_fen))
    method = fields.Function(lambda p: p.method.value)
    reference = fields.String(allow_none=True)
    paid_on = fields.Date()
    reverses_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class DuesReverseArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class DuesOrderArgs(Schema):
    months = _pay_months(required=True)


class DuesOrderSchema(Schema):
    order_id = fields.String()
    amount = fields.String()
    status = fields.String()
    months = fields.List(fields.String())
    pay_url = fields.String()
    expires_at = fields.String()


class DuesExemptionArgs(Schema):
    from_month = Month(required=True)
    to_month = Month(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["exempt", "reduced"]))
    monthly = Yuan(allow_none=True, minimum=FEN, maximum=MAX_BASE)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DuesExemptionSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    from_month = fields.Function(lambda e: to_str(e.from_month))
    to_month = fields.Function(lambda e: to_str(e.to_month))
    kind = fields.Function(lambda e: e.kind.value)
    monthly = fields.Function(lambda e: fmt(e.monthly_fen))
    reason = fields.String()
    status = fields.Function(lambda e: e.status.value)
    approved_at = fields.DateTime(allow_none=True)


class DuesExemptionQueryArgs(Schema):
    status = fields.String(validate=validate.OneOf(["pending", "approved", "rejected"]))
    member_id = fields.Integer()


class DuesBaseChangeSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    year = fields.Integer()
    kind = fields.Function(lambda c: c.kind.value)
    base = fields.Function(lambda c: fmt(c.base_fen))
    monthly = fields.Function(lambda c: fmt(c.monthly_fen))
    rule = fields.String()
    status = fields.Function(lambda c: c.status.value)
    effective_month = fields.Function(lambda c: to_str(c.effective_month))


class DuesReportArgs(Schema):
    org_id = fields.Integer(allow_none=True)
    month = Month()
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class DuesArrearsArgs(Schema):
    org_id = fields.Integer(allow_none=True)
    min_months = fields.Integer(load_default=1, validate=validate.Range(min=1, max=120))


class DuesReconcileArgs(Schema):
    as_of = fields.Date(allow_none=True)


class DuesIssueSchema(Schema):
    id = fields.Integer()
    as_of = fields.Date()
    kind = fields.String()
    ref = fields.String()
    org_id = fields.Integer(allow_none=True)
    order_id = fields.String(allow_none=True)
    payment_id = fields.Integer(allow_none=True)
    order_amount = fields.Function(lambda i: fmt(i.order_amount_fen))
    payment_amount = fields.Function(lambda i: fmt(i.payment_amount_fen))
    detail = fields.String(allow_none=True)
    created_at = fields.DateTime()
