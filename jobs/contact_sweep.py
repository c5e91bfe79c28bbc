"""Nightly lost-contact sweep (DOMAIN §8): flags and clears ``flag_unreachable``."""

from __future__ import annotations

from datetime import date


def run(as_of: date) -> dict:
    from flowmember.lapse.services import contact_sweep

    return dict(contact_sweep(as_of) or {})
