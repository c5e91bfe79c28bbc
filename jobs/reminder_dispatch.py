"""Every five minutes: send the queued reminders that are due."""

from __future__ import annotations

from datetime import datetime


def run(as_of: datetime) -> dict:
    from flowmember.reminders.dispatch import dispatch

    return dispatch()
