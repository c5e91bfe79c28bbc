"""Property: the set-based paid-through (``members.paid_through_month``) equals the pure rule
:func:`flowmember.dues.rules.paid_through` applied to each member's own months alone.

Each example is a random history of 24 members in three branches, written through the
services: members with bases (made once, see ``population``), paid-through months 党费交至 an old
ledger vouches for, assessments of several months (per branch or for everyone), exemptions and
reductions approved, payments of random months, reversals, and carried months changed later.
Then, for every member:

1. the value kept current by the services after each write equals the rule;
2. ``flowmember summaries rebuild --check``'s comparison finds no paid-through difference;
3. after scrambling the column, ``recompute_paid_through()`` for everyone restores the rule.

The rule sees one member's statuses only, so SQL that lets one member's unpaid month reach
another member (the uncorrelated EXISTS of issue 11) fails here at once. Each example runs in
one transaction that is rolled back to the committed population, so examples never see each
other's rows."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from flowmember.checkins.summaries import rebuild_summaries
from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.core.errors import FlowMemberError
from flowmember.dues import exemptions, paid_through, payments, rules, services
from flowmember.dues.models import DuesAssessment, Payment, PaymentKind
from flowmember.extensions import db
from flowmember.members import services as member_services
from flowmember.members.models import Member
from flowmember.orgs.services import create_org
from tests.conftest import id_number_for

from .conftest import NOV, TODAY

FIRST = months.index(2026, 5)
MONTHS = list(range(FIRST, NOV + 1))  # May to November 2026 (judged "today", 2026-11-15)
JOIN_MONTHS = list(range(months.index(2025, 12), months.index(2026, 10)))
ORGS = 3
MEMBERS = 24
BASES = [
    ("4000.00", "employed"),  # 40.00
    ("12000.00", "employed"),  # 240.00
    ("6000.00", "retired"),  # 60.00
    ("0", "student"),  # 0.20
]
_seq = itertools.count(1)

op_st = st.one_of(
    st.tuples(st.just("assess"), st.sampled_from(MONTHS), st.one_of(st.none(), st.integers(0, 2))),
    st.tuples(
        st.just("pay"),
        st.integers(0, 99),  # member
        st.lists(st.integers(0, 9), min_size=1, max_size=3),  # which owed months
    ),
    st.tuples(
        st.just("pay"),
        st.integers(0, 99),
        st.lists(st.integers(0, 9), min_size=1, max_size=3),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 99), st.integers(0, 5)),
    st.tuples(
        st.just("exempt"),
        st.integers(0, 99),
        st.sampled_from(MONTHS),
        st.integers(0, 3),  # length - 1
        st.sampled_from(["exempt", "reduced"]),
        st.sampled_from(["0.10", "5.00", "20.00"]),
    ),
    st.tuples(
        st.just("carry"), st.integers(0, 99), st.one_of(st.none(), st.integers(0, len(MONTHS)))
    ),
)


def _carried(join: int, pick: int | None) -> int | None:
    """A carried month no earlier than joining and no later than the current month."""
    if pick is None:
        return None
    return min(max(join, FIRST - 6 + pick), NOV)


@pytest.fixture
def population(app, freeze):
    """Three branches of eight members each, made once through the services and committed:
    joining months from December 2025 to September 2026 (so the first assessed months differ),
    bases of several kinds, and every seventh member without a base (never assessed). The
    examples vary everything else and roll back to this state."""
    freeze(TODAY)
    top = create_org(SYSTEM, name="Property committee", kind="committee", parent_id=None)
    branches = [
        create_org(SYSTEM, name=f"Property branch {i}", kind="branch", parent_id=top.id)
        for i in range(ORGS)
    ]
    members = []
    for i in range(MEMBERS):
        n = next(_seq)
        birth = date(1990 + i % 10, 1 + i % 12, 1 + i % 28)
        join = JOIN_MONTHS[(i * 3) % len(JOIN_MONTHS)]
        member = member_services.create_member(
            SYSTEM,
            {
                "name": f"Property member {n}",
                "gender": "female" if i % 2 else "male",
                "id_number": id_number_for(birth, 10 + i),
                "phone": f"+86139{n:08d}",
                "category": "graduate",
                "stage": "full",
                "joined_on": months.first_day(join).replace(day=1 + i % 28),
                "org_id": branches[i % ORGS].id,
            },
        )
        if i % 7 != 6:
            base, kind = BASES[i % len(BASES)]
            services.set_base(SYSTEM, member.id, 2026, {"base": base, "kind": kind})
        members.append(member)
    db.session.commit()
    return branches, members


def _apply(op, members, branches) -> None:
    kind = op[0]
    if kind == "assess":
        _, month, org = op
        services.assess_month(SYSTEM, month, None if org is None else branches[org].id)
        return
    member = members[op[1] % len(members)]
    if kind == "pay":
        owed = services.arrears(member.id)
        if not owed:
            return
        chosen = sorted({owed[i % len(owed)] for i in op[2]})
        payments.record_payment(
            SYSTEM,
            member.id,
            months_=[m for m, _ in chosen],
            amount=f"{sum(fen for _, fen in chosen) / 100:.2f}",
            method="cash",
            backpay_approved=True,
        )
    elif kind == "reverse":
        reversed_ids = select(Payment.reverses_id).where(Payment.reverses_id.is_not(None))
        ids = db.session.scalars(
            select(Payment.id)
            .where(
                Payment.member_id == member.id,
                Payment.kind == PaymentKind.dues,
                Payment.id.not_in(reversed_ids),
            )
            .order_by(Payment.id)
        ).all()
        if ids:
            payments.reverse_payment(SYSTEM, ids[op[2] % len(ids)], "property test")
    elif kind == "exempt":
        _, _, first, length, ekind, monthly = op
        exemption = exemptions.request_exemption(
            SYSTEM,
            member.id,
            {
                "from_month": first,
                "to_month": min(first + length, NOV + 2),
                "kind": ekind,
                "monthly": monthly,
                "reason": "hardship",
            },
        )
        exemptions.approve_exemption(SYSTEM, exemption.id)
    else:  # carry: an old ledger's paid-through recorded (or cleared) after the fact
        _carry(member, op[2])


def _carry(member: Member, pick: int | None) -> None:
    """Record the paid-through month an old ledger vouches for, through the members service
    (which refreshes the member's summaries)."""
    carried = _carried(months.of(member.joined_on), pick)
    member_services.update_member(SYSTEM, member, {"dues_paid_through": carried})


def _expected(ids: list[int]) -> dict[int, int | None]:
    """The pure rule, applied to each member's own statuses and carried month alone."""
    statuses: dict[int, dict[int, str]] = {i: {} for i in ids}
    for member_id, month, status in db.session.execute(
        select(DuesAssessment.member_id, DuesAssessment.month, DuesAssessment.status).where(
            DuesAssessment.member_id.in_(ids)
        )
    ):
        statuses[member_id][month] = status.value
    carried = dict(
        db.session.execute(
            select(Member.id, Member.carried_paid_through_month).where(Member.id.in_(ids))
        ).all()
    )
    return {i: rules.paid_through(statuses[i], carried[i]) for i in ids}


def _note_cases(ids: list[int]) -> None:
    """Label the example with the kinds of history it holds (shown by
    ``--hypothesis-show-statistics``), to see the carried month's branches are exercised."""
    stored = _stored(ids)
    event(f"members paid through a month: {min(sum(v is not None for v in stored.values()), 8)}+")
    for member in db.session.scalars(select(Member).where(Member.id.in_(ids))):
        carried = member.carried_paid_through_month
        if carried is None:
            continue
        unpaid = db.session.scalar(
            select(DuesAssessment.id)
            .where(
                DuesAssessment.member_id == member.id,
                DuesAssessment.status.in_(rules.UNPAID_STATUSES),
                DuesAssessment.month <= carried,
            )
            .limit(1)
        )
        if unpaid is not None:
            event("a carried month contradicted by an unpaid month")
        elif stored[member.id] == carried:
            event("paid through the carried month")
        else:
            event("paid through a settled month after the carried one")


def _stored(ids: list[int]) -> dict[int, int | None]:
    return dict(
        db.session.execute(
            select(Member.id, Member.paid_through_month).where(Member.id.in_(ids))
        ).all()
    )


def _assert_agree(ids: list[int], when: str) -> None:
    expected, stored = _expected(ids), _stored(ids)
    wrong = {i: (stored[i], expected[i]) for i in ids if stored[i] != expected[i]}
    assert not wrong, f"{when}: member -> (stored, rule): {wrong}"


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    carried=st.lists(
        st.one_of(st.none(), st.none(), st.integers(0, len(MONTHS) + 6)),
        min_size=MEMBERS,
        max_size=MEMBERS,
    ),
    assessed_first=st.integers(0, len(MONTHS)),
    operations=st.lists(op_st, min_size=5, max_size=40),
)
def test_paid_through_equals_the_rule_for_every_member(
    population, freeze, carried, assessed_first, operations
):
    freeze(TODAY)
    branches, members = population
    ids = [m.id for m in members]
    try:
        # Paid-through months an old ledger vouched for, recorded before anything is assessed.
        for member, pick in zip(members, carried, strict=True):
            if pick is not None:
                _carry(member, pick)
        for month in MONTHS[:assessed_first]:
            services.assess_month(SYSTEM, month)
        _assert_agree(ids, "after the first assessments")
        for op in operations:
            try:
                with db.session.begin_nested():
                    _apply(op, members, branches)
                event(f"{op[0]} done")
            except FlowMemberError:
                event(f"{op[0]} refused")
            if op[0] in ("assess", "carry"):
                _assert_agree(ids, f"after {op}")
        db.session.flush()
        # 1. kept current by the services, write by write
        _assert_agree(ids, "maintained incrementally")
        _note_cases(ids)
        # 2. the summaries check proves paid-through too
        report = rebuild_summaries(check_only=True)
        assert report["mismatches"]["paid_through_month"] == 0, report
        # 3. a full set-based recompute from a scrambled column gives the rule's answer
        m = Member.__table__
        db.session.execute(update(m).where(m.c.id.in_(ids)).values(paid_through_month=NOV - 3))
        db.session.execute(update(m).where(m.c.id.in_(ids[::2])).values(paid_through_month=None))
        paid_through.recompute_paid_through()
        _assert_agree(ids, "after recompute_paid_through() for everyone")
    finally:
        db.session.rollback()
