"""The pure reminder rules are the oracle of the set-based selection (ARCHITECTURE point 3).

Hypothesis builds random histories of many members in several orgs (categories, statuses, join
months, when the record entered FlowMember and when the member came under the org, check-ins,
dues assessments in every status, lapse warnings) and a random day (the 1st to 5th, the 15th,
the 20th, month ends, year boundaries ...). The selection the daily jobs run is applied once to
everyone; each member's reminders must be exactly what the rule answers for that member alone.
A second run queues nothing. The staff list of missing check-ins is checked the same way.

Each history lives in one transaction that is rolled back, so the suite runs on SQLite and on
PostgreSQL (FLOWMEMBER_TEST_POSTGRES_URL) alike."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from flowmember.checkins.models import Checkin
from flowmember.checkins.services import members_missing_checkin
from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.dues.models import DuesAssessment
from flowmember.extensions import db
from flowmember.lapse import rules as lapse_rules
from flowmember.lapse.models import LapseWarning
from flowmember.members.models import Member
from flowmember.orgs.services import create_org
from flowmember.reminders import rules, selection
from flowmember.reminders.models import Reminder
from tests.conftest import id_number_for

CATEGORIES = ("graduate", "migrant", "inflow", "other")
STATUSES = ("active", "active", "active", "suspended", "removed")
ASSESSMENT_STATUSES = ("unpaid", "paid", "exempt", "reduced")
CRITERIA = ("dues", "org_life", "reports")
#: Days on which something changes: the check-in missed window, dues due, check-in due, ends.
EDGE_DAYS = (1, 2, 4, 5, 6, 14, 15, 16, 19, 20, 21, 28, 29, 30, 31)
#: Branches per history (under one committee, one of them below a general branch).
BRANCHES = 3


@dataclass
class History:
    """One member's facts, as plain values (month indexes)."""

    branch: int
    category: str
    status: str
    joined_on: date
    entered: int
    tracked_since: int
    org_since: int | None
    checkins: set[int] = field(default_factory=set)
    dues: dict[int, str] = field(default_factory=dict)
    warnings: set[tuple[int, str, str]] = field(default_factory=set)

    @property
    def last_checkin(self) -> int | None:
        return max(self.checkins, default=None)

    @property
    def first_month(self) -> int:
        return lapse_rules.reports_first_month(
            self.joined_on,
            tracked_since_month=self.tracked_since,
            org_since_month=self.org_since,
            entered_month=self.entered,
        )


@st.composite
def days(draw) -> date:
    year = draw(st.sampled_from((2025, 2026, 2027)))
    month = draw(st.sampled_from((1, 1, 12, 12, *range(2, 12))))
    last = calendar.monthrange(year, month)[1]
    edge = [d for d in EDGE_DAYS if d <= last] + [last]
    day = draw(st.one_of(st.sampled_from(edge), st.integers(1, last)))
    return date(year, month, day)


@st.composite
def histories(draw, today: date) -> History:
    cur = months.of(today)
    joined = cur + draw(st.integers(-40, 1))
    entered = cur + draw(st.integers(-14, 1))
    return History(
        branch=draw(st.integers(0, BRANCHES - 1)),
        category=draw(st.sampled_from(CATEGORIES)),
        status=draw(st.sampled_from(STATUSES)),
        joined_on=months.first_day(joined) + timedelta(days=draw(st.integers(0, 27))),
        entered=entered,
        # an import may vouch for history before the record entered FlowMember
        tracked_since=entered - draw(st.sampled_from((0, 0, 1, 3, 12))),
        org_since=draw(st.none() | st.integers(cur - 6, cur + 1)),
        checkins=draw(st.sets(st.integers(cur - 8, cur), max_size=6)),
        dues=draw(
            st.dictionaries(
                st.integers(cur - 6, cur + 1), st.sampled_from(ASSESSMENT_STATUSES), max_size=6
            )
        ),
        warnings=draw(
            st.sets(
                st.tuples(
                    st.sampled_from((3, 5, 6)),
                    st.sampled_from(CRITERIA),
                    st.integers(cur - 6, cur).map(months.to_str),
                ),
                max_size=4,
            )
        ),
    )


@st.composite
def scenarios(draw) -> tuple[date, list[History]]:
    today = draw(days())
    members = draw(st.lists(histories(today), min_size=20, max_size=28))
    # every branch has members
    for branch in range(BRANCHES):
        members[branch].branch = branch
    return today, members


def _build(members: list[History]) -> tuple[int, list[int]]:
    """Write the histories (flushed, never committed); returns the committee id and the member
    ids in order."""
    committee = create_org(SYSTEM, name="Committee", kind="committee", parent_id=None)
    general = create_org(
        SYSTEM, name="General branch", kind="general_branch", parent_id=committee.id
    )
    parents = (committee.id, committee.id, general.id)
    branches = [
        create_org(SYSTEM, name=f"Branch {i}", kind="branch", parent_id=parents[i % len(parents)])
        for i in range(BRANCHES)
    ]
    rows = []
    for n, h in enumerate(members):
        birth = date(1990, 1, 1) + timedelta(days=n)
        rows.append(
            Member(
                name=f"Member {n}",
                gender="male" if n % 2 else "female",
                birth_date=birth,
                id_number=id_number_for(birth, n),
                phone=f"+8613800{n:06d}",
                category=h.category,
                stage="full",
                status=h.status,
                joined_on=h.joined_on,
                org_id=branches[h.branch].id,
                entered_month=h.entered,
                tracked_since_month=h.tracked_since,
                org_since_month=h.org_since,
                last_checkin_month=h.last_checkin,
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    ids = [m.id for m in rows]
    history = []
    for member_id, h, member in zip(ids, members, rows, strict=True):
        history += [Checkin(member_id=member_id, month=m, report="ok") for m in h.checkins]
        history += [
            DuesAssessment(
                member_id=member_id,
                month=m,
                org_id=member.org_id,
                charged_fen=2000,
                amount_fen=0 if status == "exempt" else 2000,
                status=status,
                reduced=status == "reduced",
                rule="test",
            )
            for m, status in h.dues.items()
        ]
        history += [
            LapseWarning(member_id=member_id, threshold=t, criterion=c, period=p)
            for t, c, p in h.warnings
        ]
    db.session.add_all(history)
    db.session.flush()
    return committee.id, ids


def _queued(ids: list[int]) -> dict[int, dict[tuple[str, str], list[str] | None]]:
    out: dict[int, dict] = {i: {} for i in ids}
    stmt = select(Reminder.member_id, Reminder.kind, Reminder.period, Reminder.context).where(
        Reminder.member_id.in_(ids)
    )
    for member_id, kind, period, context in db.session.execute(stmt):
        criteria = (context or {}).get("criteria")
        out[member_id][(kind.value, period)] = criteria
    return out


def _expected(today: date, h: History) -> dict[tuple[str, str], list[str] | None]:
    """The rules, for one member alone."""
    out: dict[tuple[str, str], list[str] | None] = {}
    for key in rules.checkin_reminders(
        today,
        status=h.status,
        category=h.category,
        last_checkin_month=h.last_checkin,
        first_month=h.first_month,
    ):
        out[key] = None
    owed = [m for m, status in h.dues.items() if status in ("unpaid", "reduced")]
    dues = rules.dues_reminder(today, owed, status=h.status)
    if dues is not None:
        out[dues] = None
    out.update(rules.lapse_warning_reminders(today, h.warnings, status=h.status))
    return out


def _run_selection(today: date) -> dict[str, int]:
    counts = {}
    counts.update(selection.enqueue_checkin_reminders(today))
    counts.update(selection.enqueue_dues_reminders(today))
    counts["lapse"] = selection.enqueue_lapse_warnings(today)
    return counts


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    # Shrinking a history of 20+ members through the database takes minutes; the failure
    # message names the one member whose reminders differ, which is what one needs.
    phases=[Phase.explicit, Phase.generate],
    # One history per example, rolled back at its end: the function-scoped app is safe to share.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(scenario=scenarios())
def test_selection_matches_the_rules_member_by_member(app, freeze, scenario):
    today, members = scenario
    freeze(today)
    try:
        committee_id, ids = _build(members)

        counts = _run_selection(today)
        queued = _queued(ids)
        for member_id, h in zip(ids, members, strict=True):
            assert queued[member_id] == _expected(today, h), (today, h)
        assert sum(counts.values()) == sum(len(q) for q in queued.values())

        # a second run (a re-run, a second scheduler) queues nothing
        assert set(_run_selection(today).values()) == {0}
        assert _queued(ids) == queued

        # the staff list of missing check-ins, this month and the months before
        cur = months.of(today)
        for month in (cur, cur - 1, cur - 2):
            listed = set(
                db.session.scalars(
                    members_missing_checkin(SYSTEM, committee_id, month).with_only_columns(
                        Member.id
                    )
                )
            )
            expected = {
                member_id
                for member_id, h in zip(ids, members, strict=True)
                if rules.missing_checkin(
                    h.checkins,
                    month,
                    status=h.status,
                    category=h.category,
                    first_month=h.first_month,
                )
            }
            assert listed == expected, (today, months.to_str(month))
    finally:
        db.session.rollback()
