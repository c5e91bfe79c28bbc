"""Pure rules: time away and its paper (DOMAIN §4), status moves, exemption months."""

from datetime import date

import pytest

from flowmember.core import months
from flowmember.members.rules import (
    Paper,
    add_months,
    can_change_status,
    exemption_covers,
    is_fixed_place,
    paper_needed,
    paperwork_problem,
)

AWAY = date(2026, 1, 15)


@pytest.mark.parametrize(
    ("as_of", "fixed", "expected"),
    [
        (date(2026, 1, 14), True, Paper.none),  # not yet away
        (AWAY, True, Paper.certificate_letter),  # first day away
        (date(2026, 4, 14), True, Paper.certificate_letter),  # one day short of 3 months
        (date(2026, 4, 15), True, Paper.activity_certificate),  # exactly 3 months
        (date(2026, 7, 14), False, Paper.activity_certificate),
        (date(2026, 7, 15), True, Paper.activity_certificate),  # exactly 6 months
        (date(2026, 7, 16), True, Paper.transfer),  # over 6 months, fixed place
        (date(2026, 7, 16), False, Paper.report_home),  # over 6 months, not fixed
        (date(2028, 1, 1), False, Paper.report_home),
    ],
)
def test_paper_needed_boundaries(as_of, fixed, expected):
    assert paper_needed(AWAY, as_of, fixed) == expected


def test_not_away_needs_nothing():
    assert paper_needed(None, date(2026, 1, 1), True) == Paper.none


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # clamped to the month's end
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 1, 15), -6, date(2025, 7, 15)),
    ],
)
def test_add_months(start, n, expected):
    assert add_months(start, n) == expected


def test_month_end_start_reaches_three_months_on_the_clamped_day():
    start = date(2026, 11, 30)
    assert paper_needed(start, date(2027, 2, 27), True) == Paper.certificate_letter
    assert paper_needed(start, date(2027, 2, 28), True) == Paper.activity_certificate


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("active", "suspended", True),
        ("active", "transferred_out", True),
        ("active", "removed", True),
        ("active", "deceased", True),
        ("active", "active", False),
        ("suspended", "active", True),
        ("suspended", "transferred_out", False),
        ("transferred_out", "active", True),
        ("transferred_out", "removed", False),
        ("removed", "active", False),
        ("deceased", "active", False),
    ],
)
def test_status_transitions(current, new, allowed):
    assert can_change_status(current, new) is allowed


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "month", "covered"),
    [
        (date(2026, 3, 31), None, "2026-02", False),  # starts after the month
        (date(2026, 3, 31), None, "2026-03", True),  # the last day counts
        (date(2026, 3, 31), None, "2030-12", True),  # open-ended
        (date(2026, 3, 1), date(2026, 5, 1), "2026-05", True),  # the first day counts
        (date(2026, 3, 1), date(2026, 4, 30), "2026-05", False),
        (date(2026, 3, 10), date(2026, 3, 20), "2026-03", True),
    ],
)
def test_exemption_covers(starts_on, ends_on, month, covered):
    assert exemption_covers(starts_on, ends_on, months.parse(month)) is covered


AS_OF = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("current", "history", "fixed"),
    [
        (None, [], False),
        ("420100", [], True),
        ("420100", [(date(2026, 6, 1), "420100"), (date(2026, 10, 1), "420100")], True),
        ("420100", [(date(2026, 6, 1), "440100"), (date(2026, 10, 1), "420100")], False),
        ("420100", [(date(2026, 5, 29), "440100"), (date(2026, 10, 1), "420100")], True),
    ],
)
def test_fixed_place(current, history, fixed):
    assert is_fixed_place(current, history, AS_OF) is fixed


@pytest.mark.parametrize(
    ("paper", "held", "transfer_open", "last_report", "problem"),
    [
        (Paper.certificate_letter, None, False, None, None),  # "if needed": never missing
        (Paper.activity_certificate, None, False, None, "activity_certificate_missing"),
        (
            Paper.activity_certificate,
            "certificate_letter",
            False,
            None,
            "activity_certificate_missing",
        ),
        (Paper.activity_certificate, "activity_certificate", False, None, None),
        (Paper.transfer, "activity_certificate", False, None, "transfer_missing"),
        (Paper.transfer, None, True, None, None),
        (Paper.report_home, None, False, None, "reports_missing"),
        (Paper.report_home, None, False, "2026-05", None),  # six months back still counts
        (Paper.report_home, None, False, "2026-04", "reports_missing"),
        (Paper.none, None, False, None, None),
    ],
)
def test_paperwork_problem(paper, held, transfer_open, last_report, problem):
    last = months.parse(last_report) if last_report else None
    assert (
        paperwork_problem(
            paper, held_paper=held, transfer_open=transfer_open, last_report_month=last, as_of=AS_OF
        )
        == problem
    )
