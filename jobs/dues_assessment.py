"""Monthly dues assessment (1st of the month): assess the month, and every month since the last
assessed one that was missed (at most 12 back). Assessing is idempotent per (member, month)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from flowmember.core import months

MAX_BACK = 12


def run(as_of: date) -> dict:
    from flowmember.core.auth import SYSTEM
    from flowmember.dues.services import assess_month
    from flowmember.extensions import db

    current = months.of(as_of)
    table = db.metadata.tables["dues_assessments"]
    latest = db.session.scalar(select(func.max(table.c.month)).where(table.c.month <= current))
    first = current if latest is None else max(latest + 1, current - MAX_BACK)
    assessed, done = 0, []
    for month in months.span(min(first, current), current):
        assessed += assess_month(SYSTEM, month) or 0
        done.append(months.to_str(month))
    return {"assessed": assessed, "months": done}
