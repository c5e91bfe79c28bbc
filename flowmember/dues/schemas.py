"""Dues: API input (*Args) and output (*Schema). Money travels as strings in yuan with two
decimals ("12.50"); amounts come in as Raw and are checked by the rules, which name the field."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from flowmember.dues.rules import DuesKind

KINDS = [k.value for k in DuesKind]
METHODS = ["cash", "bank", "proxy", "online"]
MONTH_RE = r"^\d{4}-\d{2}$"


def _month(**kw):
    return fields.String(
        validate=validate.Regexp(r"^\d{4}-\d{2}$", error="Expected YYYY-MM."), **kw
    )


class DuesQuoteArgs(Schema):
    base = fields.Raw(required=True, metadata={"description": 'Yuan per month, e.g. "4200.00"'})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    farmer_amount = fields.Raw(allow_none=True, metadata={"description": "0.20 to 1.00"})
    voluntary = fields.Raw(allow_none=True, metadata={"description": "A larger monthly amount"})


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
    month = _month(required=True)
    org_id = fields.Integer(allow_none=True)


class DuesAssessSchema(Schema):
    assessed = fields.Integer()
    month = fields.String()
    missing_base = fields.List(fields.Integer(), metadata={"description": "skipped: no base"})


class DuesPaymentArgs(Schema):
    months = fields.List(fields.String(), required=True)
    amount = fields.Raw(required=True)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    reference = fields.String(allow_none=True, validate=validate.Length(max=120))
    paid_on = fields.Date(allow_none=True)
    backpay_approved = fields.Boolean(load_default=False)


class LargeDuesArgs(Schema):
    amount = fields.Raw(required=True)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    reference = fields.String(allow_none=True, validate=validate.Length(max=120))
    paid_on = fields.Date(allow_none=True)


class DuesPaymentSchema(Schema):
    id = fields.Integer()
    receipt_no = fields.String()
    kind = fields.Function(lambda p: p.kind.value)
    member_id = fields.Integer()
    org_id = fields.Integer()
    months = fields.Function(lambda p: [_to_str(m) for m in p.months or []])
    amount = fields.Function(lambda p: _fmt(p.amount_fen))
    method = fields.Function(lambda p: p.method.value)
    reference = fields.String(allow_none=True)
    paid_on = fields.Date()
    reverses_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class DuesReverseArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class DuesOrderArgs(Schema):
    months = fields.List(fields.String(), required=True)


class DuesOrderSchema(Schema):
    order_id = fields.String()
    amount = fields.String()
    status = fields.String()
    months = fields.List(fields.String())
    pay_url = fields.String()
    expires_at = fields.String()


class DuesExemptionArgs(Schema):
    from_month = _month(required=True)
    to_month = _month(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["exempt", "reduced"]))
    monthly = fields.Raw(allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DuesExemptionSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    from_month = fields.Function(lambda e: _to_str(e.from_month))
    to_month = fields.Function(lambda e: _to_str(e.to_month))
    kind = fields.Function(lambda e: e.kind.value)
    monthly = fields.Function(lambda e: _fmt(e.monthly_fen))
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
    base = fields.Function(lambda c: _fmt(c.base_fen))
    monthly = fields.Function(lambda c: _fmt(c.monthly_fen))
    rule = fields.String()
    status = fields.Function(lambda c: c.status.value)
    effective_month = fields.Function(lambda c: _to_str(c.effective_month))


class DuesReportArgs(Schema):
    org_id = fields.Integer(allow_none=True)
    month = _month()
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
    order_amount = fields.Function(lambda i: _fmt(i.order_amount_fen))
    payment_amount = fields.Function(lambda i: _fmt(i.payment_amount_fen))
    detail = fields.String(allow_none=True)
    created_at = fields.DateTime()


def _to_str(month):
    from flowmember.core.months import to_str

    return to_str(month)


def _fmt(fen):
    from flowmember.core.money import fmt

    return fmt(fen)
