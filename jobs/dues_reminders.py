"""Daily: queue dues reminders from assessments still owed (unpaid, or reduced and not yet
paid): ``dues_overdue`` (period = this month) when an earlier month is owed, ``dues_due`` from
the 15th when only this month is (flowmember.reminders.rules.dues_reminder)."""

from __future__ import annotations

from datetime import date

from flowmember.reminders.selection import enqueue_dues_reminders


def run(as_of: date) -> dict:
    return enqueue_dues_reminders(as_of)
