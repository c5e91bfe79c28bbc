"""Nightly: reconcile dues payments with the books and expire unpaid online orders."""

from __future__ import annotations

from datetime import date


def run(as_of: date) -> dict:
    from flowmember.dues.services import expire_pending_orders, reconcile

    counts = dict(reconcile(as_of) or {})
    counts["expired_orders"] = expire_pending_orders() or 0
    return counts
