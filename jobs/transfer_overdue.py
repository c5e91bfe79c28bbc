"""Daily: staff reminders for letters of introduction that expired without a receipt
(``letter_expiring``) and receipts not recorded 30 days after issue (``receipt_overdue``).
One reminder per (staff user, kind, transfer)."""

from __future__ import annotations

from datetime import date

from flowmember.reminders.selection import enqueue_transfer_reminders


def run(as_of: date) -> dict:
    return enqueue_transfer_reminders(as_of)
