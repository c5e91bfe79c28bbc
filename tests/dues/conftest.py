"""Dues fixtures: a committee with two branches, its staff, and members with bases."""

from __future__ import annotations

from datetime import date

import pytest

from flowmember.core.auth import SYSTEM
from flowmember.core.months import index
from flowmember.dues import services
from flowmember.extensions import db

TODAY = "2026-11-15"
NOV = index(2026, 11)


@pytest.fixture
def books(app, freeze, make_org, make_user, make_member):
    """committee DH100 > branch A (DH101), branch B (DH102); staff; one member in A."""
    freeze(TODAY)
    top = make_org("committee", name="Centre committee", code="DH100")
    a = make_org("branch", parent=top, name="Branch A", code="DH101")
    b = make_org("branch", parent=top, name="Branch B", code="DH102")
    member = make_member(org=a, joined_on=date(2025, 6, 15))
    return {
        "top": top,
        "a": a,
        "b": b,
        "admin": make_user("admin", top),
        "secretary": make_user("secretary", a),
        "clerk": make_user("clerk", a),
        "secretary_b": make_user("secretary", b),
        "member": member,
    }


def set_base(member, year=2026, base="4000.00", kind="employed", **extra):
    """Declare a base directly through the service (as the system)."""
    result = services.set_base(SYSTEM, member.id, year, {"base": base, "kind": kind, **extra})
    db.session.commit()
    return result


def assess(*month_indexes, org_id=None):
    total = 0
    for m in month_indexes:
        total += services.assess_month(SYSTEM, m, org_id)
    db.session.commit()
    return total
