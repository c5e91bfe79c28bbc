"""Reminder rules: pure functions of values (no Flask, no session).

Days chosen (product choice, Asia/Shanghai calendar):
- ``checkin_due`` for month M: from the 20th of M, when the member has no check-in for M.
- ``checkin_missed`` for month M-1: on the 1st to 5th of M, when there is none for M-1.
- ``dues_due`` for month M: from the 15th of M, when M is unpaid and nothing older is owed.
- ``dues_overdue`` (period = the month it is sent in): from the 1st, when a month before the
  current one is unpaid; the message lists every month owed.
- ``lapse_warning_3`` / ``lapse_warning_5`` (period = the month the run reached 3 or 5): for the
  lapse sweep's warnings of the last :data:`LAPSE_WARNING_LOOKBACK` months.
- ``letter_expiring`` / ``receipt_overdue`` (to staff, period ``transfer-<id>``): for overdue
  letters of introduction (flowmember.transfers.rules.is_overdue).

Only active members are reminded, and check-in reminders go only to members away from their org
(graduate, migrant) for months from the one they came under the org
(:func:`reports_first_month`).

These rules are the oracle of the set-based selection in :mod:`flowmember.reminders.selection`:
tests/reminders/test_selection_property.py runs that SQL over random histories of many members
and compares each member's reminders with these functions applied to that member alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from flowmember.core import months
from flowmember.core.time import LOCAL_TZ
from flowmember.transfers.rules import is_expired

CHECKIN_DUE_FROM_DAY = 20
CHECKIN_MISSED_DAYS = range(1, 6)
DUES_DUE_FROM_DAY = 15
#: Members away from their org owe a monthly report (DOMAIN §5, §8 "work"); the members
#: package's ``AWAY_CATEGORIES``.
REPORTING_CATEGORIES = frozenset({"graduate", "migrant"})
#: Lapse warnings become reminders while their period is at most this many months before the
#: current one (a missed sweep or job run is caught up; older warnings are not sent late).
LAPSE_WARNING_LOOKBACK = 3
LAPSE_WARNING_THRESHOLDS = (3, 5)

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


def owes_reports(status: str, category: str) -> bool:
    """Active members away from their org owe a monthly report."""
    return status == "active" and category in REPORTING_CATEGORIES


def checkin_reminders(
    today: date,
    *,
    status: str,
    category: str,
    last_checkin_month: int | None,
    first_month: int | None,
) -> list[tuple[str, str]]:
    """(kind, period) check-in reminders a member is due on ``today``.

    ``first_month``: the first month the member owes a report (:func:`reports_first_month`)."""
    if not owes_reports(status, category):
        return []
    return [
        (kind, months.to_str(month))
        for kind, month in checkin_windows(today)
        if owes_checkin(last_checkin_month, month, first_month)
    ]


def missing_checkin(
    checkin_months: Iterable[int],
    month: int,
    *,
    status: str,
    category: str,
    first_month: int | None,
) -> bool:
    """Whether a member is on the staff list of missing check-ins for ``month``: they owe
    reports, owed one for ``month``, and have no check-in for it (:func:`owes_checkin` on the
    check-ins up to that month)."""
    if not owes_reports(status, category):
        return False
    last = max((m for m in checkin_months if m <= month), default=None)
    return owes_checkin(last, month, first_month)


def dues_reminder(
    today: date, unpaid_months: Iterable[int], *, status: str = "active"
) -> tuple[str, str] | None:
    """The dues reminder (kind, period) for a member with these owed assessed months (unpaid,
    or reduced and not yet paid)."""
    if status != "active":
        return None
    current = months.of(today)
    unpaid = set(unpaid_months)
    if any(m < current for m in unpaid):
        return ("dues_overdue", months.to_str(current))
    if current in unpaid and today.day >= DUES_DUE_FROM_DAY:
        return ("dues_due", months.to_str(current))
    return None


def lapse_warning_reminders(
    today: date, warnings: Iterable[tuple[int, str, str]], *, status: str
) -> dict[tuple[str, str], list[str]]:
    """``{(kind, period): criteria}`` for a member's lapse warnings ``(threshold, criterion,
    period)``: one reminder per threshold and period, naming every criterion that reached it."""
    if status != "active":
        return {}
    oldest = months.of(today) - LAPSE_WARNING_LOOKBACK
    out: dict[tuple[str, str], set[str]] = {}
    for threshold, criterion, period in warnings:
        if threshold in LAPSE_WARNING_THRESHOLDS and months.parse(period) >= oldest:
            out.setdefault((f"lapse_warning_{threshold}", period), set()).add(criterion)
    return {key: sorted(criteria) for key, criteria in out.items()}


def transfer_reminder_kind(today: date, expires_on: date | None) -> str:
    """The staff reminder for an overdue letter: ``letter_expiring`` once it has expired without
    a receipt, else ``receipt_overdue`` (no receipt 30 days after issue)."""
    return "letter_expiring" if is_expired(expires_on, today) else "receipt_overdue"


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
