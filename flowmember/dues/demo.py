"""Dues: demo data — bases for this year, assessments for the months so far, payments for most
members (quarterly for some, online for a few), arrears of 3 to 7 months for some, a couple of
exemptions and one large-dues payment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.core.money import from_fen
from flowmember.dues import exemptions, payments, services
from flowmember.dues.services import BaseInput
from flowmember.extensions import db
from flowmember.members.models import Category, MemberStatus


def _base_for(member, rng) -> BaseInput:
    if member.retired:
        return {"kind": "retired", "base": Decimal(rng.choice([3800, 4600, 5200, 6100]))}
    if member.category == Category.migrant and rng.random() < 0.4:
        amount = Decimal(rng.choice(["0.20", "0.50", "1.00"]))
        return {"kind": "farmer", "base": Decimal(0), "farmer_amount": amount}
    roll = rng.random()
    if roll < 0.08:
        return {"kind": "unemployed", "base": Decimal(0)}
    if roll < 0.12:
        return {"kind": "scholarship", "base": Decimal("3500.00")}
    if roll < 0.30:
        return {"kind": "self_employed", "base": Decimal(rng.randint(2500, 9000))}
    base = rng.choice([2800, 3000, 4200, 5000, 6500, 9800, 12000])
    return {"kind": "employed", "base": Decimal(base)}


def seed_demo(ctx) -> None:
    """Add this package's demo records (ctx: flowmember.demo.DemoContext)."""
    rng = ctx.rng
    today = ctx.today
    current = months.of(today)
    first = months.index(today.year, 1)
    members = [m for m in ctx.members if m.status == MemberStatus.active]
    for member in members:
        services.set_base(SYSTEM, member.id, today.year, _base_for(member, rng))
    db.session.flush()
    # Two exemptions decided early in the year, then the months so far are assessed.
    exempted = members[:2]
    for member, kind in zip(exempted, ("exempt", "reduced"), strict=False):
        exemption = exemptions.request_exemption(
            SYSTEM,
            member.id,
            {
                "from_month": max(first, current - 5),
                "to_month": current + 6,
                "kind": kind,
                "monthly": Decimal("0.50"),
                "reason": "长期患病，生活困难，经支部研究、上级党委批准"
                if kind == "exempt"
                else "下岗后收入较低，经支部研究、上级党委批准少交",
            },
        )
        exemptions.approve_exemption(SYSTEM, exemption.id)
    assessed = sum(services.assess_month(SYSTEM, m) for m in months.span(first, current))
    db.session.flush()
    paid = behind = 0
    for i, member in enumerate(members):
        owed = [m for m, _ in services.arrears(member.id)]
        if not owed:
            continue
        roll = rng.random()
        if roll < 0.18:  # arrears of 3 to 7 months
            keep = rng.randint(3, 7)
            behind += 1
        elif roll < 0.35:
            keep = 1  # this month still open
        else:
            keep = 0
        to_pay = owed[: max(0, len(owed) - keep)]
        step = 3 if i % 3 == 0 else 1  # some pay quarterly with the branch's consent
        for start in range(0, len(to_pay), step):
            group = to_pay[start : start + step]
            due = sum(fen for m, fen in services.arrears(member.id) if m in group)
            paid_on = min(today, months.first_day(group[-1]) + timedelta(days=rng.randint(0, 20)))
            payments.record_payment(
                SYSTEM,
                member.id,
                months_=group,
                amount=from_fen(due),
                method=rng.choice(["cash", "bank", "bank", "proxy"]),
                paid_on=paid_on,
                backpay_approved=True,
            )
            paid += 1
    # One large-dues payment.
    if members:
        payments.record_large_dues(
            SYSTEM, members[-1].id, amount=Decimal("2000.00"), method="bank", reference="大额党费"
        )
    db.session.flush()
    ctx.summary.append(
        f"Dues: {len(members)} bases, {assessed} monthly assessments, {paid} payments, "
        f"{behind} members 3-7 months behind, {len(exempted)} exemptions."
    )
