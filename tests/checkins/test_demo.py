"""The demo data: a year of check-ins and org life whose summaries agree with history."""

from datetime import date

from sqlalchemy import func, select

from flowmember.checkins.models import Activity, Attendance, Checkin, ContactAttempt
from flowmember.checkins.summaries import rebuild_summaries
from flowmember.core import months
from flowmember.extensions import db
from flowmember.members.models import Member


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_has_a_year_of_checkins_and_org_life(app, freeze):
    from flowmember.demo import load_demo

    freeze("2026-11-21")
    load_demo(member_count=60, today=date(2026, 11, 21))
    members = _count(Member)
    assert _count(Checkin) > members * 6
    assert _count(Activity) >= 5 * 12
    assert _count(Attendance) > 0
    assert _count(ContactAttempt) > 0
    assert rebuild_summaries(check_only=True)["total_mismatches"] == 0
    current = months.of(date(2026, 11, 21))
    behind = db.session.scalar(
        select(func.count()).where(
            (Member.last_checkin_month < current - 2) | Member.last_checkin_month.is_(None)
        )
    )
    assert 0 < behind < members  # most keep in touch, some went quiet
    assert db.session.scalar(select(func.count()).where(Checkin.city_code.is_not(None))) > 0
