"""Every five minutes: send the queued reminders that are due."""

from __future__ import annotations

from datetime import datetime

from flowmember.reminders.dispatch import dispatch


def run(as_of: datetime) -> dict:
    return dispatch()
