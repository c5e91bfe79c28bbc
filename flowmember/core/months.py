"""Calendar months as integers: ``index = year * 12 + (month - 1)``.

Rules count months, never days: consecutive months are consecutive integers, and a year boundary
is nothing special (2025-12 + 1 == 2026-01)."""

from __future__ import annotations

import re
from datetime import date, timedelta

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


def index(year: int, month: int) -> int:
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    return year * 12 + (month - 1)


def of(d: date) -> int:
    """The month index of a date."""
    return index(d.year, d.month)


def year_month(idx: int) -> tuple[int, int]:
    year, m0 = divmod(idx, 12)
    return year, m0 + 1


def first_day(idx: int) -> date:
    year, month = year_month(idx)
    return date(year, month, 1)


def last_day(idx: int) -> date:
    return first_day(idx + 1) - timedelta(days=1)


def to_str(idx: int | None) -> str | None:
    """``"YYYY-MM"`` or None."""
    if idx is None:
        return None
    year, month = year_month(idx)
    return f"{year:04d}-{month:02d}"


def parse(text: str) -> int:
    """Parse ``"YYYY-MM"``; raises ValueError with a readable message."""
    m = _MONTH_RE.match(text or "")
    if not m:
        raise ValueError("Not a month; expected YYYY-MM.")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError("Not a month; expected YYYY-MM.")
    return index(year, month)


def span(first: int, last: int) -> range:
    """Months from ``first`` to ``last`` inclusive."""
    return range(first, last + 1)
