"""Location history older than 24 calendar months is deleted."""

from datetime import date

from sqlalchemy import select

from flowmember.checkins.models import Checkin
from flowmember.checkins.services import purge_location_history
from flowmember.core import months
from flowmember.extensions import db

from .conftest import BEIJING


def _checkin(member, month: str) -> None:
    db.session.add(Checkin(member_id=member.id, month=months.parse(month), report="r", **BEIJING))


def test_purge_keeps_24_months(make_member, cli_runner):
    member = make_member()
    for month in ("2024-09", "2024-10", "2024-11", "2026-11"):
        _checkin(member, month)
    db.session.commit()
    assert purge_location_history(date(2026, 11, 21)) == 2
    db.session.commit()
    rows = dict(db.session.execute(select(Checkin.month, Checkin.city_code)).all())
    assert rows == {
        months.parse("2024-09"): None,
        months.parse("2024-10"): None,
        months.parse("2024-11"): "110100",
        months.parse("2026-11"): "110100",
    }
    # The reports themselves stay; running again clears nothing more.
    assert purge_location_history(date(2026, 11, 21)) == 0
    result = cli_runner.invoke(args=["checkins", "purge-locations", "--as-of", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "1 rows" in result.output
