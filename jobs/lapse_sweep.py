"""Nightly lapse sweep, then the 3- and 5-month warnings it recorded become reminders."""

from __future__ import annotations

from datetime import date


def run(as_of: date) -> dict:
    from flowmember.lapse.services import lapse_sweep
    from flowmember.reminders.selection import enqueue_lapse_warnings

    counts = dict(lapse_sweep(as_of) or {})
    counts["reminders"] = enqueue_lapse_warnings(as_of)
    return counts
