"""Nightly: delete location history older than 24 months (DOMAIN §3)."""

from __future__ import annotations

from datetime import date

from flowmember.checkins.services import purge_location_history


def run(as_of: date) -> dict:
    return {"purged": purge_location_history(as_of) or 0}
