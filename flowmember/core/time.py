"""The one clock. Store UTC; compute calendar months in Asia/Shanghai.

Tests freeze time by replacing the clock with :func:`set_clock` (the ``freeze`` fixture)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def _system_clock() -> datetime:
    return datetime.now(UTC)


_clock: Callable[[], datetime] = _system_clock


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock (``None`` restores the system clock)."""
    global _clock
    _clock = clock or _system_clock


def now_utc() -> datetime:
    return _clock()


def now_local() -> datetime:
    return now_utc().astimezone(LOCAL_TZ)


def today_local() -> date:
    """Today's date in Asia/Shanghai: the date every calendar rule uses."""
    return now_local().date()


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetime; a naive value (as SQLite returns) is taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local_date(value: datetime) -> date:
    return as_utc(value).astimezone(LOCAL_TZ).date()
