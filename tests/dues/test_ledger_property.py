"""Property: whatever happens to a member's dues (assessments, payments of any months,
reversals, exemptions, large dues, refused operations), the ledger balance equals the sum of its
entries and equals what the member is shown as owing; paid-through equals the pure rule."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from flowmember.core.auth import SYSTEM
from flowmember.core.errors import FlowMemberError
from flowmember.core.months import index
from flowmember.dues import exemptions, payments, rules, services
from flowmember.dues.models import DuesAssessment, Payment
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.services import create_org

from .conftest import TODAY

MONTHS = [index(2026, m) for m in range(6, 12)]  # June to November 2026
_seq = itertools.count(1)

month_st = st.sampled_from(MONTHS)
ops = st.one_of(
    st.tuples(st.just("assess"), month_st),
    st.tuples(
        st.just("pay"),
        st.lists(month_st, min_size=1, max_size=3, unique=True),
        st.integers(0, 5).map(lambda n: n > 0),  # the right amount 5 times in 6
        st.integers(0, 4).map(lambda n: n == 0),  # any months 1 time in 5
        st.lists(st.integers(0, 10), min_size=1, max_size=3),
    ),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=5)),
    st.tuples(
        st.just("exempt"),
        month_st,
        st.integers(min_value=0, max_value=3),
        st.sampled_from(["exempt", "reduced"]),
        st.integers(min_value=1, max_value=5000),
    ),
    st.tuples(st.just("large"), st.integers(min_value=100001, max_value=500000)),
)


def apply(op, member, branch) -> None:
    kind = op[0]
    if kind == "assess":
        services.assess_month(SYSTEM, op[1], branch.id)
    elif kind == "pay":
        # mostly months actually owed (so payments happen), sometimes any month (refused)
        owed = [m for m, _ in services.arrears(member.id)]
        wanted = (
            sorted(op[1]) if op[3] or not owed else sorted({owed[i % len(owed)] for i in op[4]})
        )
        due = dict(
            db.session.execute(
                select(DuesAssessment.month, DuesAssessment.amount_fen).where(
                    DuesAssessment.member_id == member.id, DuesAssessment.month.in_(wanted)
                )
            ).all()
        )
        amount = sum(due.values()) + (0 if op[2] else 1)  # sometimes a wrong amount
        payments.record_payment(
            SYSTEM,
            member.id,
            months_=wanted,
            amount=f"{amount / 100:.2f}" if amount else "0.01",
            method="cash",
            backpay_approved=True,
        )
    elif kind == "reverse":
        ids = db.session.scalars(
            select(Payment.id).where(Payment.member_id == member.id).order_by(Payment.id)
        ).all()
        if ids:
            payments.reverse_payment(SYSTEM, ids[op[1] % len(ids)], "property test")
    elif kind == "exempt":
        _, first, length, ekind, monthly = op
        exemption = exemptions.request_exemption(
            SYSTEM,
            member.id,
            {
                "from_month": first,
                "to_month": first + length,
                "kind": ekind,
                "monthly": f"{monthly / 100:.2f}",
                "reason": "hardship",
            },
        )
        exemptions.approve_exemption(SYSTEM, exemption.id)
    else:
        payments.record_large_dues(SYSTEM, member.id, amount=f"{op[1] / 100:.2f}", method="bank")


def check(member) -> None:
    balance = services.ledger_balance(member.id)
    entries = services.ledger_entries(member.id)
    assert balance == sum(e["amount_fen"] for e in entries)
    assert balance == (entries[-1]["balance_fen"] if entries else 0)
    assert all(e["balance_fen"] >= 0 for e in entries)  # never owes less than nothing
    owed = services.arrears(member.id)
    assert balance == sum(fen for _, fen in owed)
    assert all(fen >= 0 for _, fen in owed)
    statuses = dict(
        db.session.execute(
            select(DuesAssessment.month, DuesAssessment.status).where(
                DuesAssessment.member_id == member.id
            )
        ).all()
    )
    db.session.expire_all()
    stored = db.session.get(Member, member.id).paid_through_month
    assert stored == rules.paid_through({m: s.value for m, s in statuses.items()})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(ops, min_size=1, max_size=14))
def test_ledger_balance_always_equals_the_sum_of_entries(books, freeze, operations):
    freeze(TODAY)
    try:
        branch = create_org(
            SYSTEM, name=f"Property branch {next(_seq)}", kind="branch", parent_id=books["top"].id
        )
        member = Member(
            name="Property member",
            gender="male",
            birth_date=books["member"].birth_date,
            id_number=f"P{next(_seq):017d}",
            phone="+8613900000000",
            category="graduate",
            stage="full",
            joined_on=books["member"].joined_on,
            org_id=branch.id,
        )
        db.session.add(member)
        db.session.flush()
        services.set_base(SYSTEM, member.id, 2026, {"base": "4321.00", "kind": "employed"})
        for op in operations:
            try:
                with db.session.begin_nested():
                    apply(op, member, branch)
                event(f"{op[0]} done")
            except FlowMemberError:
                event(f"{op[0]} refused")  # nothing written (checked by the invariants below)
            check(member)
    finally:
        db.session.rollback()
