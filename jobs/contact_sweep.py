"""Nightly lost-contact sweep (DOMAIN §8): flags and clears ``flag_unreachable``."""

from __future__ import annotations

from datetime import date

from flowmember.lapse.sweeps import run_contact_sweep


def run(as_of: date) -> dict:
    return dict(run_contact_sweep(as_of))
