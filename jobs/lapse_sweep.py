"""Nightly lapse sweep, then the 3- and 5-month warnings it recorded become reminders."""

from __future__ import annotations

from datetime import date

from flowmember.lapse.sweeps import run_lapse_sweep
from flowmember.reminders.selection import enqueue_lapse_warnings


def run(as_of: date) -> dict:
    counts = dict(run_lapse_sweep(as_of))
    counts["reminders"] = enqueue_lapse_warnings(as_of)
    return counts
