"""Reminder rules: pure functions of values (no Flask, no session).

Days chosen (product choice, Asia/Shanghai calendar):
- ``checkin_due`` for month M: from the 20th of M, when the member has no check-in for M.
- ``checkin_missed`` for month M-1: on the 1st to 5th of M, when there is none for M-1.
- ``dues_due`` for month M: from the 15th of M, when M is unpaid and nothing older is owed.
- ``dues_overdue`` (period = the month it is sent in): from the 1st, when a month before the
  current one is unpaid; the message lists every month owed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flowmember.core import months
from flowmember.core.time import LOCAL_TZ

CHECKIN_DUE_FROM_DAY = 20
CHECKIN_MISSED_DAYS = range(1, 6)
DUES_DUE_FROM_DAY = 15

QUIET_START = time(22, 0)
QUIET_END = time(8, 0)

DEFAULT_CHANNELS = ("sms", "email")
MEMBER_CHANNELS = ("sms", "wechat", "email")
#: Transient failures tried this many times on one channel before falling back.
MAX_TRIES_PER_CHANNEL = 3
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600


def checkin_windows(today: date) -> list[tuple[str, int]]:
    """(kind, month) check-in reminders that may be sent on ``today``."""
    current = months.of(today)
    out: list[tuple[str, int]] = []
    if today.day in CHECKIN_MISSED_DAYS:
        out.append(("checkin_missed", current - 1))
    if today.day >= CHECKIN_DUE_FROM_DAY:
        out.append(("checkin_due", current))
    return out


def owes_checkin(last_checkin_month: int | None, month: int, first_month: int | None) -> bool:
    """Whether a member owing monthly reports has none for ``month`` (and owed one then)."""
    if first_month is not None and first_month > month:
        return False
    return last_checkin_month is None or last_checkin_month < month


def checkin_reminders(
    today: date, last_checkin_month: int | None, first_month: int | None = None
) -> list[tuple[str, str]]:
    """(kind, period) check-in reminders a member owing monthly reports is due on ``today``.

    ``first_month``: the first month the member owes a report (joined / came under the org)."""
    return [
        (kind, months.to_str(month))
        for kind, month in checkin_windows(today)
        if owes_checkin(last_checkin_month, month, first_month)
    ]


def dues_reminder(today: date, unpaid_months: list[int]) -> tuple[str, str] | None:
    """The dues reminder (kind, period) for a member with these unpaid assessed months."""
    current = months.of(today)
    if any(m < current for m in unpaid_months):
        return ("dues_overdue", months.to_str(current))
    if current in unpaid_months and today.day >= DUES_DUE_FROM_DAY:
        return ("dues_due", months.to_str(current))
    return None


def in_quiet_hours(at: datetime) -> bool:
    """22:00 (inclusive) to 08:00 (exclusive) Asia/Shanghai: no SMS."""
    local = at.astimezone(LOCAL_TZ).time()
    return local >= QUIET_START or local < QUIET_END


def quiet_hours_end(at: datetime) -> datetime:
    """The next 08:00 Asia/Shanghai at or after ``at`` (an aware datetime)."""
    local = at.astimezone(LOCAL_TZ)
    end = datetime.combine(local.date(), QUIET_END, tzinfo=LOCAL_TZ)
    if local.time() >= QUIET_END:
        end += timedelta(days=1)
    return end


def backoff(tries: int) -> timedelta:
    """Delay before the next try after ``tries`` transient failures: 1, 2, 4 ... minutes."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(tries - 1, 0)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def channel_order(
    preferred: list[str] | None, *, phone: bool, email: bool, wechat: bool
) -> list[str]:
    """The channels to try, in order: the preference (default SMS then email), keeping only
    channels the recipient can be reached on."""
    order = [c for c in (preferred or DEFAULT_CHANNELS) if c in MEMBER_CHANNELS]
    reachable = {"sms": phone, "email": email, "wechat": wechat}
    seen: list[str] = []
    for c in order:
        if reachable[c] and c not in seen:
            seen.append(c)
    return seen
