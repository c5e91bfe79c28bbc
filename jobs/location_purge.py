"""Nightly: delete location history older than 24 months (DOMAIN §3)."""

from __future__ import annotations

from datetime import date


def run(as_of: date) -> dict:
    from flowmember.checkins.services import purge_location_history

    return {"purged": purge_location_history(as_of) or 0}
