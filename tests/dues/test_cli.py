"""Dues commands of the flowmember CLI."""

from sqlalchemy import func, select

from flowmember.core.months import index
from flowmember.dues.models import DuesAssessment
from flowmember.extensions import db
from flowmember.members.models import Member

from .conftest import set_base


def test_assess_command_is_idempotent_and_lists_missing_bases(cli_runner, books, make_member):
    set_base(books["member"])
    make_member(org=books["a"])  # no base
    result = cli_runner.invoke(args=["dues", "assess", "--month", "2026-11"])
    assert result.exit_code == 0, result.output
    assert "Assessed 1 members for 2026-11." in result.output
    assert "1 active members have no base" in result.output
    again = cli_runner.invoke(args=["dues", "assess", "--month", "2026-11"])
    assert "Assessed 0 members" in again.output
    assert db.session.scalar(select(func.count()).select_from(DuesAssessment)) == 1
    bad = cli_runner.invoke(args=["dues", "assess", "--month", "2026-13"])
    assert bad.exit_code != 0


def test_recompute_expire_and_reconcile_commands(cli_runner, books):
    set_base(books["member"])
    cli_runner.invoke(args=["dues", "assess", "--month", "2026-10"])
    row = db.session.scalars(select(DuesAssessment)).one()
    row.status = "exempt"
    db.session.commit()
    result = cli_runner.invoke(args=["dues", "recompute-paid-through"])
    assert "Updated 1 members." in result.output
    db.session.expire_all()
    assert db.session.get(Member, books["member"].id).paid_through_month == index(2026, 10)
    assert "Expired 0 orders." in cli_runner.invoke(args=["dues", "expire-orders"]).output
    out = cli_runner.invoke(args=["dues", "reconcile", "--as-of", "2026-11-15"]).output
    assert "0 mismatches" in out
