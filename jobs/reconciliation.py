"""Nightly: reconcile dues payments with the books and expire unpaid online orders."""

from __future__ import annotations

from datetime import date

from flowmember.dues.payments import expire_pending_orders
from flowmember.dues.reports import reconcile


def run(as_of: date) -> dict:
    counts = dict(reconcile(as_of) or {})
    counts["expired_orders"] = expire_pending_orders() or 0
    return counts
