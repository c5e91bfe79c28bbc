"""Monthly dues assessment (1st of the month): assess the month, and every month since the last
assessed one that was missed (at most 12 back). Assessing is idempotent per (member, month)."""

from __future__ import annotations

from datetime import date

from flowmember.core import months
from flowmember.dues.services import assess_since_last

MAX_BACK = 12


def run(as_of: date) -> dict:
    assessed, done = assess_since_last(months.of(as_of), MAX_BACK)
    return {"assessed": assessed, "months": [months.to_str(m) for m in done]}
