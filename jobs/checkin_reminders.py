"""Daily: queue check-in reminders for members who owe a monthly report (active graduates and
migrant members, from the month they came under the org): ``checkin_due`` from the 20th,
``checkin_missed`` for last month on the 1st to 5th (flowmember.reminders.rules)."""

from __future__ import annotations

from datetime import date

from flowmember.reminders.selection import enqueue_checkin_reminders


def run(as_of: date) -> dict:
    return enqueue_checkin_reminders(as_of)
