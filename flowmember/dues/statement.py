"""Dues: the member's statement (months, arrears, the rule behind the amount, receipts) and
where the member pays."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from flowmember.core import months
from flowmember.core.money import fmt, from_fen
from flowmember.core.time import today_local
from flowmember.dues import explain, rules
from flowmember.dues.models import DuesAssessment, DuesBase, Payment, PaymentKind
from flowmember.dues.services import base_in_force
from flowmember.extensions import db
from flowmember.members.models import Category, Member
from flowmember.orgs.models import Org


def member_payee(member: Member) -> rules.Payee:
    """Where the member pays (:func:`flowmember.dues.rules.payee` of the member's record)."""
    return rules.payee(
        relation_org_id=member.org_id,
        home_org_id=member.home_org_id,
        relation_in_inflow_area=member.category == Category.inflow,
        away=member.away_since is not None,
    )


def _yuan_or_none(fen: int | None) -> Decimal | None:
    return None if fen is None else from_fen(fen)


def _base_view(member_id: int) -> dict | None:
    """The base in force this month (or, without a base this year, in December of the latest
    earlier year that has one), with the rule and its explanation."""
    current = months.of(today_local())
    year = months.year_month(current)[0]
    latest_year = db.session.scalar(
        select(DuesBase.year)
        .where(DuesBase.member_id == member_id, DuesBase.year <= year)
        .order_by(DuesBase.year.desc())
        .limit(1)
    )
    if latest_year is None:
        return None
    month = current if latest_year == year else months.index(latest_year, 12)
    base = base_in_force(member_id, month)
    if isinstance(base, DuesBase):
        rate, capped, from_month = base.rate, base.capped, base.from_month
    else:  # an approved mid-year change
        q = rules.monthly_dues(
            from_fen(base.base_fen),
            base.kind,
            farmer_amount=_yuan_or_none(base.farmer_amount_fen),
            voluntary=_yuan_or_none(base.voluntary_fen),
        )
        rate = str(q.rate) if q.rate is not None else None
        capped, from_month = q.capped, base.effective_month
    return {
        "year": latest_year,
        "kind": base.kind.value,
        "base": fmt(base.base_fen),
        "monthly": fmt(base.monthly_fen),
        "rate": rate,
        "rate_percent": rules.rate_percent(Decimal(rate)) if rate else None,
        "rule": base.rule,
        "rule_text": explain.rule_text(base.rule),
        "capped": capped,
        "from_month": months.to_str(from_month),
        "explanation": explain.base_explanation(
            base.kind.value, base.base_fen, base.monthly_fen, base.rule
        ),
    }


def member_dues(member: Member) -> dict:
    """Everything the member's dues page and GET /members/{id}/dues show."""
    rows = db.session.scalars(
        select(DuesAssessment)
        .where(DuesAssessment.member_id == member.id)
        .order_by(DuesAssessment.month)
    ).all()
    receipts = dict(
        db.session.execute(
            select(Payment.id, Payment.receipt_no).where(
                Payment.id.in_([r.payment_id for r in rows if r.payment_id])
            )
        ).all()
    )
    owed = [(r.month, r.amount_fen) for r in rows if r.status in rules.UNPAID_STATUSES]
    base_view = _base_view(member.id)
    pay_to = member_payee(member)
    org = db.session.get(Org, pay_to.org_id) if pay_to.org_id else None
    payments = db.session.scalars(
        select(Payment).where(Payment.member_id == member.id).order_by(Payment.id)
    ).all()
    reversed_ids = {p.reverses_id for p in payments if p.reverses_id}
    return {
        "member_id": member.id,
        "paid_through": months.to_str(member.paid_through_month),
        "arrears": [{"month": months.to_str(mo), "amount": fmt(fen)} for mo, fen in owed],
        "total_arrears": fmt(sum(fen for _, fen in owed)),
        "months": [
            {
                "month": months.to_str(r.month),
                "amount": fmt(r.amount_fen),
                "charged": fmt(r.charged_fen),
                "status": r.status.value,
                "reduced": r.reduced,
                "rule": r.rule,
                "rule_text": explain.rule_text(r.rule),
                "receipt_no": receipts.get(r.payment_id),
                "payment_id": r.payment_id,
            }
            for r in rows
        ],
        "base": base_view,
        "explanation": base_view["explanation"] if base_view else None,
        "payee": {
            "org_id": pay_to.org_id,
            "org_name": org.name if org else None,
            "rule": pay_to.rule,
            "rule_text": explain.payee_text(pay_to.rule),
        },
        "payments": [
            {
                "id": p.id,
                "receipt_no": p.receipt_no,
                "kind": p.kind.value,
                "amount": fmt(p.amount_fen),
                "months": [months.to_str(mo) for mo in p.months or []],
                "method": p.method.value,
                "paid_on": p.paid_on.isoformat(),
                "reverses_id": p.reverses_id,
                "reversed": p.id in reversed_ids,
            }
            for p in payments
        ],
        "large_dues_total": fmt(
            sum(
                p.amount_fen
                for p in payments
                if p.kind == PaymentKind.large and p.id not in reversed_ids
            )
        ),
    }
