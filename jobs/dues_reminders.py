"""Daily: queue dues reminders from assessments still owed (unpaid, or reduced and not yet
paid): ``dues_overdue`` (period = this month) when an earlier month is owed, ``dues_due`` from
the 15th when only this month is (flowmember.reminders.rules.dues_reminder)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select

from flowmember.core import months


def run(as_of: date) -> dict:
    from flowmember.dues.rules import UNPAID_STATUSES
    from flowmember.extensions import db
    from flowmember.members.models import Member
    from flowmember.reminders import rules
    from flowmember.reminders.services import enqueue_from_select

    table = db.metadata.tables["dues_assessments"]
    current = months.of(as_of)
    period = months.to_str(current)

    def unpaid(condition):
        # A reduced month still owes its reduced amount.
        return exists().where(
            table.c.member_id == Member.id, table.c.status.in_(UNPAID_STATUSES), condition
        )

    active = select(Member.id).where(Member.status == "active")
    counts = {
        "dues_overdue": enqueue_from_select(
            "dues_overdue", period, active.where(unpaid(table.c.month < current))
        ),
        "dues_due": 0,
    }
    if as_of.day >= rules.DUES_DUE_FROM_DAY:
        counts["dues_due"] = enqueue_from_select(
            "dues_due",
            period,
            active.where(unpaid(table.c.month == current), ~unpaid(table.c.month < current)),
        )
    return counts
