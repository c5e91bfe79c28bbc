"""Nightly lapse sweep, then the 3- and 5-month warnings it recorded become reminders."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from flowmember.core import months


def enqueue_lapse_warnings(as_of: date) -> int:
    """One reminder per (member, lapse_warning_3|5, period) for recent lapse_warnings rows of
    active members (the period is the last missed month)."""
    from flowmember.extensions import db
    from flowmember.members.models import Member
    from flowmember.reminders.services import enqueue_many

    table = db.metadata.tables.get("lapse_warnings")
    if table is None:
        return 0
    oldest = months.to_str(months.of(as_of) - 3)
    stmt = (
        select(table.c.member_id, table.c.threshold, table.c.period, table.c.criterion)
        .join(Member, Member.id == table.c.member_id)
        .where(Member.status == "active", table.c.period >= oldest, table.c.threshold.in_([3, 5]))
    )
    grouped: dict[tuple[int, int, str], list[str]] = defaultdict(list)
    for member_id, threshold, period, criterion in db.session.execute(stmt):
        grouped[(member_id, threshold, period)].append(str(criterion))
    rows = [
        {
            "member_id": member_id,
            "kind": f"lapse_warning_{threshold}",
            "period": period,
            "context": {"criteria": sorted(set(criteria))},
        }
        for (member_id, threshold, period), criteria in grouped.items()
    ]
    return enqueue_many(rows)


def run(as_of: date) -> dict:
    from flowmember.lapse.services import lapse_sweep

    counts = dict(lapse_sweep(as_of) or {})
    counts["reminders"] = enqueue_lapse_warnings(as_of)
    return counts
