"""Set-based statements that mix members up are caught before they run for everyone: an
uncorrelated nested FROM (tests/sqlscope.py) and SQLAlchemy's cartesian-product linter."""

import pytest
from sqlalchemy import exc, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from flowmember.dues.models import DuesAssessment
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.models import Org
from tests import sqlscope


def _buggy_paid_through():
    """The shape that once pulled every member's paid-through back: the innermost EXISTS names
    ``members.id`` two levels down, so SQLAlchemy puts ``members`` into its FROM."""
    m = Member.__table__
    a = DuesAssessment.__table__.alias("a")
    u = DuesAssessment.__table__.alias("u")
    unpaid_before = (
        select(u.c.id)
        .where(u.c.member_id == m.c.id, u.c.status == "unpaid", u.c.month < a.c.month)
        .exists()
    )
    value = (
        select(func.max(a.c.month))
        .where(a.c.member_id == m.c.id, ~unpaid_before)
        .scalar_subquery()
    )
    return update(m).values(paid_through_month=value)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_an_uncorrelated_nested_from_is_found(dialect):
    sql = str(_buggy_paid_through().compile(dialect=dialect))
    assert sqlscope.uncorrelated_froms(sql) == ["members"]


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("UPDATE members SET x = (SELECT max(a.month) FROM dues_assessments AS a "
         "WHERE a.member_id = members.id)", []),
        ("SELECT m.id FROM members AS m WHERE m.id IN (SELECT member_id FROM checkins)", []),
        ("SELECT m.id FROM members AS m WHERE EXISTS (SELECT 1 FROM members AS m2 "
         "WHERE m2.id = m.id)", []),
        ("SELECT count(*) FROM (SELECT m.id FROM members m) AS t, orgs", []),
        ("UPDATE lapse_sweep_runs SET a = (SELECT max(x.month) FROM activities AS x WHERE "
         "NOT EXISTS (SELECT 1 FROM attendances, lapse_sweep_runs WHERE "
         "attendances.member_id = lapse_sweep_runs.member_id))", ["lapse_sweep_runs"]),
        ('DELETE FROM "members" WHERE id IN (SELECT id FROM members WHERE status = \'x\')',
         ["members"]),
    ],
)
def test_the_checker_on_hand_written_sql(sql, found):
    assert sqlscope.uncorrelated_froms(sql) == found


def test_a_cartesian_product_is_an_error_in_tests(app):
    stmt = select(Member.id, Org.id)  # no relation between the two
    with pytest.raises(exc.SAWarning, match="cartesian product"):
        db.session.execute(stmt).all()
