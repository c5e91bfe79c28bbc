"""The six-month rule and lost contact as pure functions of months (DOMAIN §8)."""

from datetime import date

import pytest

from flowmember.core import months
from flowmember.lapse import rules


def m(text: str) -> int:
    return months.parse(text)


def span(first: str, last: str) -> list[int]:
    return list(months.span(m(first), m(last)))


def strs(run: list[int]) -> list[str]:
    return [months.to_str(x) for x in run]


@pytest.mark.parametrize(
    ("as_of", "last"),
    [
        ("2026-11-30", "2026-10"),  # November has not ended on 30 November
        ("2026-12-01", "2026-11"),
        ("2027-01-01", "2026-12"),  # year boundary
        ("2026-01-31", "2025-12"),
    ],
)
def test_last_judged_month_is_the_month_before(as_of, last):
    assert rules.last_judged_month(date.fromisoformat(as_of)) == m(last)


@pytest.mark.parametrize(
    ("paid", "expected_run", "opens"),
    [
        # unpaid since May, judged on 30 Nov: May..Oct = 6 -> case
        (span("2026-01", "2026-04"), ("2026-05", "2026-10"), True),
        # unpaid since June: Jun..Oct = 5 -> no case (warning at 5)
        (span("2026-01", "2026-05"), ("2026-06", "2026-10"), False),
        # a paid month in the middle breaks the run: Aug..Oct only
        (span("2026-01", "2026-04") + [m("2026-07")], ("2026-08", "2026-10"), False),
        # the last judged month paid: no run at all
        (span("2026-01", "2026-04") + [m("2026-10")], None, False),
        # everything paid
        (span("2026-01", "2026-11"), None, False),
    ],
)
def test_dues_run(paid, expected_run, opens):
    statuses = {x: "unpaid" for x in span("2026-01", "2026-11")}
    statuses.update({x: "paid" for x in paid})
    ev = rules.evidence(
        date(2026, 11, 30), joined_on=date(2015, 1, 1), category="other", dues=statuses
    )
    assert ev.dues == (span(*expected_run) if expected_run else [])
    assert rules.opens_case(ev) is opens


@pytest.mark.parametrize(
    ("status", "missed"),
    [("unpaid", True), ("reduced", True), ("paid", False), ("exempt", False)],
)
def test_which_assessment_statuses_count(status, missed):
    assert (m("2026-05") in rules.dues_missed({m("2026-05"): status})) is missed


def test_an_unassessed_month_breaks_the_dues_run():
    statuses = {x: "unpaid" for x in span("2026-01", "2026-10")}
    del statuses[m("2026-06")]
    ev = rules.evidence(
        date(2026, 11, 30), joined_on=date(2015, 1, 1), category="other", dues=statuses
    )
    assert strs(ev.dues) == ["2026-07", "2026-08", "2026-09", "2026-10"]


@pytest.mark.parametrize(
    ("valid", "expected"),
    [
        ([], ("2026-03", "2026-10")),  # 8 months
        ([(m("2026-07"), m("2026-07"))], ("2026-08", "2026-10")),  # illness in July breaks it
        ([(m("2026-10"), m("2026-10"))], None),  # leave in the last judged month: no run
        ([(m("2026-01"), m("2026-02"))], ("2026-03", "2026-10")),  # before the run: no effect
        ([(m("2026-05"), None)], None),  # open-ended exemption
        ([(m("2026-04"), m("2026-04"))], ("2026-05", "2026-10")),  # 6 left: still a case
    ],
)
def test_valid_reason_month_breaks_the_run(valid, expected):
    statuses = {x: "unpaid" for x in span("2026-03", "2026-11")}
    statuses.update({x: "paid" for x in span("2026-01", "2026-02")})
    ev = rules.evidence(
        date(2026, 11, 30), joined_on=date(2015, 1, 1), category="other", dues=statuses, valid=valid
    )
    assert ev.dues == (span(*expected) if expected else [])


@pytest.mark.parametrize(
    ("as_of", "paid_through", "expected"),
    [
        # across the year boundary: Aug 2026 .. Jan 2027 = 6
        ("2027-02-10", "2026-07", ("2026-08", "2027-01")),
        ("2027-01-10", "2026-07", ("2026-08", "2026-12")),  # 5: not yet
        ("2026-01-05", "2025-06", ("2025-07", "2025-12")),
    ],
)
def test_year_boundaries(as_of, paid_through, expected):
    last = rules.last_judged_month(date.fromisoformat(as_of))
    statuses = {
        x: "paid" if x <= m(paid_through) else "unpaid"
        for x in range(m(paid_through) - 3, last + 2)
    }
    ev = rules.evidence(
        date.fromisoformat(as_of), joined_on=date(2015, 1, 1), category="other", dues=statuses
    )
    assert ev.dues == span(*expected)
    assert rules.opens_case(ev) is (len(ev.dues) >= 6)


@pytest.mark.parametrize(
    ("joined_on", "run_length"),
    [
        (date(2026, 7, 20), 4),  # joined 4 months ago: Jul..Oct, the join month counts
        (date(2026, 5, 1), 6),
        (date(2026, 6, 30), 5),
        (date(2026, 11, 2), 0),  # joined this month: nothing judged yet
    ],
)
def test_months_before_joining_never_count(joined_on, run_length):
    statuses = {x: "unpaid" for x in span("2025-01", "2026-11")}
    ev = rules.evidence(
        date(2026, 11, 30),
        joined_on=joined_on,
        category="migrant",
        dues=statuses,
        held=span("2025-01", "2026-11"),
    )
    assert len(ev.dues) == len(ev.org_life) == len(ev.reports) == run_length
    assert rules.opens_case(ev) is (run_length >= 6)


@pytest.mark.parametrize(
    ("held", "attended", "expected"),
    [
        (span("2026-01", "2026-11"), [m("2026-04")], ("2026-05", "2026-10")),
        # the org held nothing in August: it cannot fault the member, the run breaks
        ([x for x in span("2026-01", "2026-11") if x != m("2026-08")], [], ("2026-09", "2026-10")),
        # attended online counts as attended (caller passes present/online months)
        (span("2026-01", "2026-11"), [m("2026-10")], None),
        # attended in November (still running): caught up
        (span("2026-01", "2026-11"), [m("2026-11")], None),
    ],
)
def test_org_life_run(held, attended, expected):
    ev = rules.evidence(
        date(2026, 11, 30),
        joined_on=date(2015, 1, 1),
        category="other",
        held=held,
        attended=attended,
    )
    assert ev.org_life == (span(*expected) if expected else [])


@pytest.mark.parametrize(
    ("statuses", "excused"),
    [
        ({m("2026-03"): ["excused"]}, {"2026-03"}),
        ({m("2026-03"): ["excused", "excused"]}, {"2026-03"}),
        ({m("2026-03"): ["excused", "absent"]}, set()),  # excused from one of two
        ({m("2026-03"): ["excused", None]}, set()),  # nothing recorded is no excuse
        ({m("2026-03"): []}, set()),  # nothing held
        ({m("2026-03"): ["excused"], m("2026-04"): ["present"]}, {"2026-03"}),
    ],
)
def test_excused_from_every_activity(statuses, excused):
    assert set(strs(sorted(rules.excused_months(statuses)))) == excused


@pytest.mark.parametrize(
    ("excused", "expected"),
    [
        ([], ("2026-01", "2026-10")),
        ([m("2026-07")], ("2026-08", "2026-10")),  # an excused month breaks the run
        ([m("2026-10")], None),
        ([m("2026-04")], ("2026-05", "2026-10")),
    ],
)
def test_an_excused_month_does_not_count_against_org_life(excused, expected):
    ev = rules.evidence(
        date(2026, 11, 30),
        joined_on=date(2015, 1, 1),
        category="other",
        held=span("2026-01", "2026-11"),
        excused=excused,
    )
    assert ev.org_life == (span(*expected) if expected else [])


@pytest.mark.parametrize(
    ("tracked", "entered", "paid_through", "org_life", "dues", "org", "reports"),
    [
        # A record entered this month: nothing counts yet.
        ("2026-11", "2026-11", None, None, None, None, None),
        # Entered in May: six tracked months end in October.
        ("2026-05", "2026-05", None, None, ("2026-05", "2026-10"), ("2026-05", "2026-10"),
         ("2026-05", "2026-10")),
        # An import vouched for an earlier start with its history: dues paid through March and
        # org life in February; reports count only from the month the record entered.
        ("2025-01", "2026-09", "2026-03", "2026-02", ("2026-04", "2026-10"),
         ("2026-03", "2026-10"), ("2026-09", "2026-10")),
        # History vouched up to the last judged month: no run.
        ("2025-01", "2026-11", "2026-10", "2026-10", None, None, None),
    ],
)
def test_counting_start_and_carried_history(tracked, entered, paid_through, org_life, dues, org,
                                            reports):
    ev = rules.evidence(
        date(2026, 11, 30),
        joined_on=date(2015, 1, 1),
        category="graduate",
        dues={x: "unpaid" for x in span("2024-01", "2026-11")},
        held=span("2024-01", "2026-11"),
        tracked_since=m(tracked),
        entered=m(entered),
        carried_paid_through=m(paid_through) if paid_through else None,
        carried_org_life=m(org_life) if org_life else None,
    )
    assert ev.dues == (span(*dues) if dues else [])
    assert ev.org_life == (span(*org) if org else [])
    assert ev.reports == (span(*reports) if reports else [])


def test_org_life_is_judged_over_the_window():
    ev = rules.evidence(
        date(2026, 11, 30), joined_on=date(2015, 1, 1), category="other",
        held=span("2020-01", "2026-11"),
    )
    assert len(ev.org_life) == rules.ORG_LIFE_WINDOW


def test_org_gaps_are_reported_against_the_org():
    held = [m("2026-01"), m("2026-03")]
    assert strs(rules.org_gaps(held, m("2026-01"), m("2026-04"))) == ["2026-02", "2026-04"]


@pytest.mark.parametrize(
    ("category", "reported", "expected"),
    [
        ("graduate", span("2026-01", "2026-04"), ("2026-05", "2026-10")),
        ("migrant", span("2026-01", "2026-05"), ("2026-06", "2026-10")),
        ("inflow", [], None),  # not away: owes no monthly report
        ("other", [], None),
        ("graduate", span("2026-01", "2026-04") + [m("2026-11")], None),  # reported again
    ],
)
def test_reports_only_for_members_away(category, reported, expected):
    ev = rules.evidence(
        date(2026, 11, 30), joined_on=date(2015, 1, 1), category=category, reported=reported
    )
    assert ev.reports == (span(*expected) if expected else [])


@pytest.mark.parametrize(
    ("length", "warnings"),
    [
        (2, []),
        (3, [(3, "2026-07")]),
        (4, [(3, "2026-07")]),
        (5, [(3, "2026-07"), (5, "2026-09")]),
        (6, []),  # a case instead
    ],
)
def test_warnings_at_3_and_5_once_per_run(length, warnings):
    run = list(range(m("2026-05"), m("2026-05") + length))
    assert rules.warnings_due(run) == warnings


@pytest.mark.parametrize(
    ("first", "last_contact", "failed", "expected"),
    [
        ("2020-01", "2026-07", ["2026-08", "2026-10"], True),  # Aug, Sep, Oct silent + 2
        ("2020-01", "2026-08", ["2026-09"] * 5, False),  # only 2 silent months
        ("2020-01", "2026-07", ["2026-09"], False),  # one failure is not enough
        ("2020-01", None, ["2026-08", "2026-08"], True),
        ("2026-08", None, ["2026-08"] * 3, True),  # came under the org in August: Aug..Oct
        ("2026-09", None, ["2026-09"] * 3, False),  # came under the org 2 months ago
        ("2020-01", "2026-11", ["2026-09"] * 4, False),  # reached this month
        # Only failures inside the three silent months count:
        ("2020-01", "2026-06", ["2026-07", "2026-08"], False),  # July is before them
        ("2020-01", "2026-06", ["2026-07", "2026-07", "2026-10"], False),
        ("2020-01", None, ["2026-10", "2026-11"], False),  # November has not ended
        ("2020-01", None, ["2026-08", "2026-10"], True),
    ],
)
def test_unreachable(first, last_contact, failed, expected):
    assert (
        rules.unreachable(
            date(2026, 11, 30),
            first_month=m(first),
            last_contact_month=m(last_contact) if last_contact else None,
            failed_months=[m(f) for f in failed],
        )
        is expected
    )


@pytest.mark.parametrize(
    ("joined_on", "tracked_since", "org_since", "expected"),
    [
        (date(2020, 1, 1), None, None, "2020-01"),
        (date(2020, 1, 1), "2026-11", None, "2026-11"),  # a record entered this month
        (date(2020, 1, 1), "2025-01", "2026-05", "2026-05"),  # received by transfer in May
        (date(2026, 6, 30), "2025-01", "2026-05", "2026-06"),  # joined after both
        (date(2020, 1, 1), "2024-12", None, "2024-12"),  # vouched earlier tracking start
    ],
)
def test_counting_starts_when_the_member_came_under_the_org(
    joined_on, tracked_since, org_since, expected
):
    got = rules.counting_start(
        joined_on, m(tracked_since) if tracked_since else None, m(org_since) if org_since else None
    )
    assert got == m(expected)


@pytest.mark.parametrize(
    ("suspended_on", "as_of", "allowed"),
    [
        (date(2024, 12, 1), date(2026, 11, 30), True),
        (date(2024, 11, 30), date(2026, 11, 30), False),  # exactly 2 years
        (date(2024, 2, 29), date(2026, 2, 27), True),
        (date(2024, 2, 29), date(2026, 2, 28), False),
    ],
)
def test_restoration_within_two_years(suspended_on, as_of, allowed):
    assert rules.restoration_allowed(suspended_on, as_of) is allowed
