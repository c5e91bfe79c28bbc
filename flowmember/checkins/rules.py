"""Rules of staying in touch (DOMAIN §5): pure functions of values and an explicit date.

Product choices made here (documented for staff and tested in tests/checkins/test_rules.py):

- **Which month a check-in may be for.** The current calendar month (Asia/Shanghai); during the
  first :data:`CHECKIN_GRACE_DAYS` days of a month also the previous month, so a report written
  offline on the last evening of a month and sent the next morning still counts for that month.
  Never a future month, never older months (422 naming ``month``).
- **Consecutive missed months.** The current month is still open, so it is never "missed": the
  count is the number of whole months between the last check-in (or the first month a report
  was owed) and the current month. It is derived from ``Member.last_checkin_month``, not stored.
- **In-province or out-of-province** (quarterly vs twice-yearly org life). The org's province is
  the deployment's ``HOME_PROVINCE_CODE`` setting (a system serves one city's committee); a
  member is out-of-province when their reported province differs from it. With no setting or no
  reported location a member counts as in-province: the stricter (quarterly) expectation.
- **Location history** older than 24 calendar months before the purge date is deleted.
- **Online attendance by code** is possible for online activities from the day they are held to
  :data:`ONLINE_CONFIRM_DAYS` days after.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flowmember.core import months

#: Days at the start of a month during which the previous month may still be checked in.
CHECKIN_GRACE_DAYS = 5
#: Location history is kept this many calendar months.
LOCATION_RETENTION_MONTHS = 24
#: Days after an online activity during which a member may confirm attendance with the code.
ONLINE_CONFIRM_DAYS = 7
#: Longest report, in characters.
REPORT_MAX_LENGTH = 2000
#: Months of each expected-attendance period.
QUARTER = 3
HALF_YEAR = 6

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 6


# --- check-in month ---------------------------------------------------------------------------


def allowed_checkin_months(today: date) -> tuple[int, ...]:
    """Month indexes a check-in submitted on ``today`` (local date) may be for."""
    current = months.of(today)
    if today.day <= CHECKIN_GRACE_DAYS:
        return (current, current - 1)
    return (current,)


def checkin_month_problem(month: int, today: date) -> str | None:
    """None when ``month`` may be checked in on ``today``, else the reason."""
    current = months.of(today)
    if month > current:
        return "A check-in cannot be for a future month."
    if month not in allowed_checkin_months(today):
        return "Only the current month (or the previous one in its first days) can be reported."
    return None


def missed_months(last_checkin_month: int | None, current_month: int, owed_since: int) -> int:
    """Whole months without a check-in between the last one and the current (open) month.

    ``owed_since`` is the first month a report was owed (e.g. the month the member joined or
    became mobile); months before it are never missed."""
    last_covered = max(last_checkin_month if last_checkin_month is not None else -1, owed_since - 1)
    return max(0, current_month - 1 - last_covered)


# --- org life ---------------------------------------------------------------------------------


def is_in_province(member_province: str | None, home_province: str | None) -> bool:
    """Whether a member counts as in-province for the org-life expectation."""
    if not member_province or not home_province:
        return True
    return member_province == home_province


def attendance_period(today: date, in_province: bool) -> tuple[int, int]:
    """First and last month of the period in which one attendance is expected: the calendar
    quarter for in-province members, the half-year for out-of-province members."""
    length = QUARTER if in_province else HALF_YEAR
    current = months.of(today)
    year, month = months.year_month(current)
    first = months.index(year, ((month - 1) // length) * length + 1)
    return first, first + length - 1


def attendance_problem(status: str, held_on: date, today: date) -> str | None:
    """Present or online can only be recorded once the activity has taken place."""
    if status in ("present", "online") and held_on > today:
        return "The activity has not taken place yet."
    return None


def online_confirm_problem(online: bool, held_on: date, today: date) -> str | None:
    """None when a member may confirm online attendance with the code on ``today``."""
    if not online:
        return "This activity is not held online."
    if today < held_on:
        return "The activity has not started yet."
    if today > held_on + timedelta(days=ONLINE_CONFIRM_DAYS):
        return "Online attendance can no longer be confirmed for this activity."
    return None


def new_activity_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join(code.split()).upper()


# --- location retention -----------------------------------------------------------------------


def location_cutoff_month(as_of: date) -> int:
    """Check-ins for months before this index lose their location on ``as_of``."""
    return months.of(as_of) - LOCATION_RETENTION_MONTHS
