"""Daily: queue check-in reminders for members who owe a monthly report (graduates and migrant
members, active): ``checkin_due`` from the 20th, ``checkin_missed`` for last month on the 1st to
5th (days in flowmember.reminders.rules). Set-based: one INSERT ... SELECT per kind."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from flowmember.core import months


def run(as_of: date) -> dict:
    from flowmember.members.models import AWAY_CATEGORIES, Member
    from flowmember.reminders import rules
    from flowmember.reminders.services import enqueue_from_select

    counts = {"checkin_due": 0, "checkin_missed": 0}
    for kind, month in rules.checkin_windows(as_of):
        owing = select(Member.id).where(
            Member.status == "active",
            Member.category.in_([c.value for c in AWAY_CATEGORIES]),
            or_(Member.last_checkin_month.is_(None), Member.last_checkin_month < month),
            Member.joined_on <= months.last_day(month),
        )
        counts[kind] += enqueue_from_select(kind, months.to_str(month), owing)
    return counts
