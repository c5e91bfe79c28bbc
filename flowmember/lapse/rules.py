"""Six-month lapse (自行脱党) and lost contact (失联): pure rules over calendar months.

Months are integer indexes (``flowmember.core.months``), never day arithmetic.

How a run is counted (DOMAIN §8), per criterion:

* A sweep on date D judges only months that have ended: the **last judged month** is
  ``month(D) - 1``. The run is the consecutive missed months *ending with* that month, so a
  member who did the thing in the last judged month has no run at all.
* Months before the member joined (the join month itself counts) never count: the run stops there.
* A **valid-reason month** (recorded illness, approved leave, exemption, suspension, and the month
  a branch meeting reviewed the member and kept them) is not a missed month and **breaks** the run:
  months before it do not join the months after it. A month in which the member did what was due
  (paid, attended, reported) breaks it the same way.
* **Catching up** ends a run: an event in a later month (including the month still running, e.g.
  a check-in on 5 December judged on 10 December) means the member is back in touch, so the run
  is empty. For dues, back-paying a month makes it a paid month.
* **Dues**: a month is missed when it was assessed and is unpaid (exempt and reduced-and-paid
  months are not missed; a month never assessed is not missed and breaks the run).
* **Org life**: a month is missed when the member's org held at least one activity that month and
  the member attended (present or online) none of them. A month in which the org held nothing
  cannot fault the member: it breaks the run and is reported against the org as a gap.
* **Reports**: only members away from their org (graduate, migrant) owe a monthly report; a month
  without a check-in is missed.

Thresholds: warnings at 3 and 5 months, a case at 6.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flowmember.core import months

WARNING_THRESHOLDS = (3, 5)
CASE_THRESHOLD = 6
#: Org life is judged over this many months back (an org's activity calendar is scanned per
#: sweep); longer org-life runs are reported as this long.
ORG_LIFE_WINDOW = 12
#: Lost contact: months without a successful contact, and failed attempts in that time.
UNREACHABLE_MONTHS = 3
UNREACHABLE_FAILED_ATTEMPTS = 2
SUSPENSION_PROPOSAL_MONTHS = 6
#: Suspended this long and still out of contact: propose removal. Restoration only within it.
SUSPENSION_YEARS = 2

AWAY = frozenset({"graduate", "migrant"})
#: Assessment statuses of a month still owed ("reduced": the reduced amount, not yet paid).
OWED = frozenset({"unpaid", "reduced"})
ATTENDED = frozenset({"present", "online"})


def last_judged_month(as_of: date) -> int:
    """The last month that ended before ``as_of``."""
    return months.of(as_of) - 1


def missed_run(
    missed: Iterable[int],
    last_month: int,
    *,
    first_month: int,
    valid: Iterable[int] = (),
    caught_up: bool = False,
) -> list[int]:
    """The consecutive missed months ending with ``last_month`` (ascending).

    ``missed``: months in which the criterion was not met; ``first_month``: the first month that
    can count (the join month); ``valid``: valid-reason months (they break the run);
    ``caught_up``: the member did the thing after ``last_month`` (the run is empty)."""
    if caught_up:
        return []
    missed_set, valid_set = set(missed), set(valid)
    run: list[int] = []
    month = last_month
    while month >= first_month and month in missed_set and month not in valid_set:
        run.append(month)
        month -= 1
    run.reverse()
    return run


def dues_missed(statuses: Mapping[int, str]) -> set[int]:
    """Months whose assessment is still owed (``{month: status}``, status unpaid|paid|exempt|
    reduced, where "reduced" is a reduced amount not yet paid; a paid reduced month is "paid")."""
    return {m for m, status in statuses.items() if status in OWED}


def org_life_missed(held: Iterable[int], attended: Iterable[int]) -> set[int]:
    """Months in which the org held an activity and the member attended none."""
    return set(held) - set(attended)


def org_gaps(held: Iterable[int], first_month: int, last_month: int) -> list[int]:
    """Months in which the org held no activity (reported against the org)."""
    held_set = set(held)
    return [m for m in months.span(first_month, last_month) if m not in held_set]


def reports_missed(
    category: str, reported: Iterable[int], first_month: int, last_month: int
) -> set[int]:
    """Months without a check-in, for members away from their org; nothing for the others."""
    if category not in AWAY:
        return set()
    reported_set = set(reported)
    return {m for m in months.span(first_month, last_month) if m not in reported_set}


def valid_months(
    ranges: Iterable[tuple[int, int | None]], first_month: int, last_month: int
) -> set[int]:
    """Months covered by valid-reason ranges ``(from, to or None for open-ended)``."""
    out: set[int] = set()
    for start, end in ranges:
        stop = last_month if end is None else min(end, last_month)
        out.update(months.span(max(start, first_month), stop))
    return out


@dataclass(frozen=True)
class Evidence:
    """The runs of one member on one date."""

    dues: list[int]
    org_life: list[int]
    reports: list[int]

    @property
    def longest(self) -> int:
        return max(len(self.dues), len(self.org_life), len(self.reports))

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "dues": [months.to_str(m) for m in self.dues],
            "org_life": [months.to_str(m) for m in self.org_life],
            "reports": [months.to_str(m) for m in self.reports],
        }


def evidence(
    as_of: date,
    *,
    joined_on: date,
    category: str,
    dues: Mapping[int, str] | None = None,
    held: Iterable[int] = (),
    attended: Iterable[int] = (),
    reported: Iterable[int] = (),
    valid: Iterable[tuple[int, int | None]] = (),
) -> Evidence:
    """All three runs of a member from plain values (``lapse_months`` of the design)."""
    last = last_judged_month(as_of)
    first = months.of(joined_on)
    valid_set = valid_months(valid, first, last)
    attended_set, reported_set = set(attended), set(reported)
    return Evidence(
        dues=missed_run(dues_missed(dues or {}), last, first_month=first, valid=valid_set),
        org_life=missed_run(
            org_life_missed(held, attended_set),
            last,
            first_month=first,
            valid=valid_set,
            caught_up=any(m > last for m in attended_set),
        ),
        reports=missed_run(
            reports_missed(category, reported_set, first, last),
            last,
            first_month=first,
            valid=valid_set,
            caught_up=any(m > last for m in reported_set),
        ),
    )


def warnings_due(run: list[int]) -> list[tuple[int, str]]:
    """``[(threshold, period)]`` for a run below the case threshold: the period is the month in
    which the run reached the threshold, so the same run never warns twice."""
    if len(run) >= CASE_THRESHOLD:
        return []
    return [(t, months.to_str(run[t - 1])) for t in WARNING_THRESHOLDS if len(run) >= t]


def opens_case(ev: Evidence) -> bool:
    return ev.longest >= CASE_THRESHOLD


def unreachable(
    as_of: date,
    *,
    joined_on: date,
    last_contact_month: int | None,
    failed_attempts: int,
) -> bool:
    """No successful contact in the last 3 ended months (nor since) and 2+ failed attempts or
    bounced/failed reminders in that time. A member who joined less than 3 months ago is not."""
    last = last_judged_month(as_of)
    first_silent = last - UNREACHABLE_MONTHS + 1
    if months.of(joined_on) > first_silent:
        return False
    if last_contact_month is not None and last_contact_month >= first_silent:
        return False
    return failed_attempts >= UNREACHABLE_FAILED_ATTEMPTS


def months_out_of_contact(as_of: date, joined_on: date, last_contact_month: int | None) -> int:
    """Ended months since the last successful contact (or since joining)."""
    last = last_judged_month(as_of)
    since = months.of(joined_on) - 1 if last_contact_month is None else last_contact_month
    return max(0, last - since)


def restoration_allowed(suspended_on: date, as_of: date) -> bool:
    """A suspended member may be restored within 2 years of the suspension."""
    return as_of < add_years(suspended_on, SUSPENSION_YEARS)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
