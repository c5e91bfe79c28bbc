"""Fixtures for the lapse tests: an org tree with staff, and dues history written as rows."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from flowmember.core import months
from flowmember.extensions import db


def month_range(first: str, last: str) -> list[int]:
    return list(months.span(months.parse(first), months.parse(last)))


@dataclass
class Tree:
    committee: object
    branch: object
    admin: object  # admin of the committee: strictly above the branch
    secretary: object  # secretary of the branch
    branch_admin: object  # admin at the branch itself: not a higher org


@pytest.fixture
def tree(make_org, make_user):
    committee = make_org("committee")
    branch = make_org("branch", parent=committee)
    return Tree(
        committee=committee,
        branch=branch,
        admin=make_user("admin", committee),
        secretary=make_user("secretary", branch),
        branch_admin=make_user("admin", branch),
    )


@pytest.fixture
def dues_history(make_assessment):
    """``dues_history(member, {"2026-01": "paid", ...})`` or with ``unpaid_from`` / ``through``:
    writes assessment rows (100 fen) and recomputes the member's paid-through month."""
    from flowmember.dues.paid_through import recompute_paid_through

    def write(
        member,
        statuses: dict[str, str] | None = None,
        *,
        first="2026-01",
        last="2026-11",
        paid_through: str | None = None,
    ):
        if statuses is None:
            cut = months.parse(paid_through) if paid_through else -1
            statuses = {
                months.to_str(m): ("paid" if m <= cut else "unpaid")
                for m in month_range(first, last)
            }
        for text, status in statuses.items():
            owed = 0 if status == "exempt" else 100
            make_assessment(member, months.parse(text), status, 100, amount_fen=owed)
        db.session.flush()
        recompute_paid_through([member.id])
        db.session.commit()

    return write
