"""Six-month lapse (自行脱党) and lost contact (失联): pure rules over calendar months.

Months are integer indexes (``flowmember.core.months``), never day arithmetic.

How a run is counted (DOMAIN §8), per criterion:

* A sweep on date D judges only months that have ended: the **last judged month** is
  ``month(D) - 1``. The run is the consecutive missed months *ending with* that month, so a
  member who did the thing in the last judged month has no run at all.
* **Counting starts when the member came under the org** (:func:`counting_start`): the later of
  the join month, the month a transfer into the org was received or the member was registered
  from a paper letter, and the tracking start (the month the record entered FlowMember, or an
  earlier month an import vouched for). Earlier months never count: the run stops there. History
  an import vouches for acts as the last good month of its criterion: dues paid through
  (党费交至) for dues, the last org-life month for org life. Monthly reports can only be filed
  in FlowMember, so months before the record entered it never count against reports.
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
  cannot fault the member: it breaks the run and is reported against the org as a gap. A month in
  which the member was excused (请假) from every activity the org held is not missed either.
  Org life is judged over the last ``ORG_LIFE_WINDOW`` months.
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


def org_life_missed(
    held: Iterable[int], attended: Iterable[int], excused: Iterable[int] = ()
) -> set[int]:
    """Months in which the org held an activity and the member attended none, leaving out the
    months in which the member was excused from every activity (see :func:`excused_months`)."""
    return set(held) - set(attended) - set(excused)


def excused_months(statuses: Mapping[int, Iterable[str | None]]) -> set[int]:
    """Months in which the member was excused from every activity the org held.

    ``statuses`` maps a month to the member's attendance status at each activity the org held
    that month (None where nothing was recorded, which is not an excuse)."""
    out = set()
    for month, per_activity in statuses.items():
        values = list(per_activity)
        if values and all(v == "excused" for v in values):
            out.add(month)
    return out


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


def counting_start(
    joined_on: date, tracked_since: int | None = None, org_since: int | None = None
) -> int:
    """The first month that can count (DOMAIN §8): the later of the join month, the month the
    member came under the org (``org_since``) and the tracking start."""
    return max(months.of(joined_on), tracked_since or 0, org_since or 0)


def reports_first_month(
    joined_on: date,
    *,
    tracked_since_month: int | None,
    org_since_month: int | None,
    entered_month: int | None,
) -> int:
    """The first month a member owes a monthly report: counting start (DOMAIN §8), and never
    before the record entered FlowMember, where reports are filed. The lapse sweep's reports
    criterion, check-in reminders and the staff's missing list all start here."""
    first = counting_start(joined_on, tracked_since_month, org_since_month)
    return first if entered_month is None else max(first, entered_month)


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
    excused: Iterable[int] = (),
    reported: Iterable[int] = (),
    valid: Iterable[tuple[int, int | None]] = (),
    reviewed: Iterable[int] = (),
    tracked_since: int | None = None,
    org_since: int | None = None,
    entered: int | None = None,
    carried_paid_through: int | None = None,
    carried_org_life: int | None = None,
) -> Evidence:
    """All three runs of a member from plain values (``lapse_months`` of the design).

    ``held``: months in which the member's org held an activity; ``attended``: months the member
    attended one; ``excused``: months excused from every activity; ``reported``: months with a
    check-in; ``valid``: valid-reason ranges (open-ended with None); ``reviewed``: months in which
    a branch meeting reviewed and kept the member, or the member was restored after a suspension
    (every month up to one, the month still running included, no longer counts); ``entered``: the
    month the record entered FlowMember; ``carried_*``: history vouched by an import or a paper
    letter."""
    last = last_judged_month(as_of)
    first = max(
        [counting_start(joined_on, tracked_since, org_since)]
        + [min(m, last) + 1 for m in reviewed]
    )
    valid_set = valid_months(valid, first, last)
    attended_set, reported_set = set(attended), set(reported)
    if carried_org_life is not None:
        attended_set.add(carried_org_life)
    dues_first = first if carried_paid_through is None else max(first, carried_paid_through + 1)
    org_life_first = max(first, last - ORG_LIFE_WINDOW + 1)
    reports_first = max(first, entered or first)
    return Evidence(
        dues=missed_run(dues_missed(dues or {}), last, first_month=dues_first, valid=valid_set),
        org_life=missed_run(
            org_life_missed(held, attended_set, excused),
            last,
            first_month=org_life_first,
            valid=valid_set,
            caught_up=any(m > last for m in attended_set),
        ),
        reports=missed_run(
            reports_missed(category, reported_set, reports_first, last),
            last,
            first_month=reports_first,
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


def silent_months(as_of: date, count: int = UNREACHABLE_MONTHS) -> range:
    """The last ``count`` ended months."""
    last = last_judged_month(as_of)
    return months.span(last - count + 1, last)


def out_of_contact(
    as_of: date, count: int, *, first_month: int, last_contact_month: int | None
) -> bool:
    """No successful contact (check-in, reached or refused attempt, reply) in the last ``count``
    ended months nor since, all of which the member spent under the org: ``first_month`` is
    :func:`counting_start`, and not before the record entered FlowMember."""
    silent = silent_months(as_of, count)
    if first_month > silent.start:
        return False
    return last_contact_month is None or last_contact_month < silent.start


def unreachable(
    as_of: date,
    *,
    first_month: int,
    last_contact_month: int | None,
    failed_months: Iterable[int],
) -> bool:
    """Out of contact for the last 3 ended months (:func:`out_of_contact`) and 2+ failed attempts
    or failed/bounced reminders *inside those 3 months* (``failed_months``: the month of each
    failure)."""
    if not out_of_contact(
        as_of, UNREACHABLE_MONTHS, first_month=first_month, last_contact_month=last_contact_month
    ):
        return False
    silent = silent_months(as_of)
    return sum(1 for m in failed_months if m in silent) >= UNREACHABLE_FAILED_ATTEMPTS


def proposes_suspension(
    as_of: date, *, unreachable_now: bool, first_month: int, last_contact_month: int | None
) -> bool:
    """An unreachable member out of contact for 6 ended months is proposed for suspension (or,
    probationary, for losing probationary status); people decide (DOMAIN §8)."""
    return unreachable_now and out_of_contact(
        as_of,
        SUSPENSION_PROPOSAL_MONTHS,
        first_month=first_month,
        last_contact_month=last_contact_month,
    )


def restoration_allowed(suspended_on: date, as_of: date) -> bool:
    """A suspended member may be restored within 2 years of the suspension."""
    return as_of < add_years(suspended_on, SUSPENSION_YEARS)


def proposes_removal(as_of: date, *, suspended_on: date, last_contact_on: date | None) -> bool:
    """Suspended for 2 years and out of contact all that time: propose removal as self-lapsed
    (DOMAIN §8); ``last_contact_on`` is the local date of the last successful contact."""
    since = add_years(as_of, -SUSPENSION_YEARS)
    return suspended_on <= since and (last_contact_on is None or last_contact_on < since)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
