"""Pure rules of the member ledger: no Flask, no session; values in, values out."""

from __future__ import annotations

import calendar
import enum
from datetime import date

from flowmember.core import months
from flowmember.members.models import MemberStatus

# --- status changes (DOMAIN §3) ------------------------------------------------------------------

#: Which status may follow which. Removed and deceased are final; a member transferred out may
#: come back (a returned letter, or a later transfer back in).
TRANSITIONS: dict[MemberStatus, frozenset[MemberStatus]] = {
    MemberStatus.active: frozenset(
        {
            MemberStatus.transferred_out,
            MemberStatus.suspended,
            MemberStatus.removed,
            MemberStatus.deceased,
        }
    ),
    MemberStatus.suspended: frozenset(
        {MemberStatus.active, MemberStatus.removed, MemberStatus.deceased}
    ),
    MemberStatus.transferred_out: frozenset({MemberStatus.active}),
    MemberStatus.removed: frozenset(),
    MemberStatus.deceased: frozenset(),
}


def can_change_status(current: str, new: str) -> bool:
    return MemberStatus(new) in TRANSITIONS[MemberStatus(current)]


# --- exemptions ----------------------------------------------------------------------------------


def exemption_covers(starts_on: date, ends_on: date | None, month: int) -> bool:
    """An exemption counts for a month when it is in force on any day of that month (a member
    exempted from the 20th is not chased for that month). ``ends_on`` is inclusive."""
    return starts_on <= months.last_day(month) and (
        ends_on is None or ends_on >= months.first_day(month)
    )


# --- time away and its paperwork (DOMAIN §4) ----------------------------------------------


class Paper(enum.StrEnum):
    none = "none"  #: not away
    certificate_letter = "certificate_letter"  #: under 3 months: 党员证明信 if needed
    activity_certificate = "activity_certificate"  #: 3 to 6 months: 流动党员活动证 + register
    transfer = "transfer"  #: over 6 months at a fixed place: formal transfer (§7)
    report_home = "report_home"  #: over 6 months, place not fixed: report home twice a year


def add_months(d: date, n: int) -> date:
    """The same day ``n`` calendar months later, clamped to the month's end
    (Aug 31 + 6 months = Feb 28)."""
    year, month = months.year_month(months.of(d) + n)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def paper_needed(away_since: date | None, as_of: date, fixed_place: bool) -> Paper:
    """Which row of DOMAIN §4 applies, counting calendar months from ``away_since``:

    - under 3 months: away less than 3 whole months (as_of before away_since + 3 months);
    - 3 to 6 months: from away_since + 3 months up to and including away_since + 6 months;
    - over 6 months: after away_since + 6 months; a transfer when the place is fixed, otherwise
      the relation stays home and the member reports twice a year.
    Not away (no date, or a date after as_of) needs nothing."""
    if away_since is None or away_since > as_of:
        return Paper.none
    if as_of < add_months(away_since, 3):
        return Paper.certificate_letter
    if as_of <= add_months(away_since, 6):
        return Paper.activity_certificate
    return Paper.transfer if fixed_place else Paper.report_home


def is_fixed_place(
    current_city: str | None, history: list[tuple[date, str]], as_of: date, *, window: int = 6
) -> bool:
    """The member's place counts as fixed when a city is reported and every location report of
    the last ``window`` months names that same city (history: (reported_on, city_code))."""
    if not current_city:
        return False
    since = add_months(as_of, -window)
    return all(city == current_city for reported_on, city in history if reported_on >= since)


def paperwork_problem(
    paper: Paper,
    *,
    held_paper: str | None,
    transfer_open: bool,
    last_report_month: int | None,
    as_of: date,
) -> str | None:
    """Why the member's paperwork does not match what the time away needs (None when it does).

    ``held_paper``: the paper recorded on the member (``activity_certificate`` ...);
    ``transfer_open``: a transfer of the relation is requested, issued or received;
    ``last_report_month``: the last month with a report (check-in)."""
    if paper == Paper.activity_certificate and held_paper != Paper.activity_certificate.value:
        return "activity_certificate_missing"
    if paper == Paper.transfer and not transfer_open:
        return "transfer_missing"
    if paper == Paper.report_home:
        # Twice a year: at least one report in the last six months.
        if last_report_month is None or last_report_month < months.of(as_of) - 6:
            return "reports_missing"
    return None
