"""The rules of staying in touch, as tables of cases (each boundary on both sides)."""

from datetime import date

import pytest

from flowmember.checkins import rules
from flowmember.core import months

M = months.parse


@pytest.mark.parametrize(
    ("today", "month", "ok"),
    [
        (date(2026, 11, 21), "2026-11", True),  # the current month
        (date(2026, 11, 21), "2026-12", False),  # the future: never
        (date(2026, 11, 21), "2026-10", False),  # past the grace days
        (date(2026, 11, 5), "2026-10", True),  # last grace day
        (date(2026, 11, 6), "2026-10", False),  # first day after the grace
        (date(2026, 11, 1), "2026-10", True),
        (date(2026, 11, 1), "2026-09", False),  # only the previous month
        (date(2027, 1, 3), "2026-12", True),  # across the year boundary
        (date(2027, 1, 3), "2027-02", False),
        (date(2026, 12, 31), "2026-12", True),
    ],
)
def test_which_month_a_checkin_may_be_for(today, month, ok):
    assert (rules.checkin_month_problem(M(month), today) is None) is ok


def test_future_month_has_its_own_message():
    assert "future" in rules.checkin_month_problem(M("2026-12"), date(2026, 11, 30))


@pytest.mark.parametrize(
    ("last", "current", "owed_since", "missed"),
    [
        ("2026-10", "2026-11", "2020-01", 0),  # last month done; this month still open
        ("2026-11", "2026-11", "2020-01", 0),
        ("2026-09", "2026-11", "2020-01", 1),
        ("2026-08", "2026-11", "2020-01", 2),
        ("2025-12", "2026-03", "2020-01", 2),  # across the year boundary
        (None, "2026-11", "2026-11", 0),  # joined this month
        (None, "2026-11", "2026-10", 1),
        (None, "2026-11", "2026-05", 6),
        ("2026-01", "2026-11", "2026-09", 2),  # months before owed_since never count
    ],
)
def test_consecutive_missed_months(last, current, owed_since, missed):
    last = M(last) if last else None
    assert rules.missed_months(last, M(current), M(owed_since)) == missed


@pytest.mark.parametrize(
    ("today", "in_province", "first", "last"),
    [
        (date(2026, 1, 1), True, "2026-01", "2026-03"),
        (date(2026, 3, 31), True, "2026-01", "2026-03"),
        (date(2026, 4, 1), True, "2026-04", "2026-06"),
        (date(2026, 12, 31), True, "2026-10", "2026-12"),
        (date(2026, 6, 30), False, "2026-01", "2026-06"),
        (date(2026, 7, 1), False, "2026-07", "2026-12"),
        (date(2026, 11, 21), False, "2026-07", "2026-12"),
    ],
)
def test_attendance_period_is_the_quarter_or_half_year(today, in_province, first, last):
    assert rules.attendance_period(today, in_province) == (M(first), M(last))


@pytest.mark.parametrize(
    ("member_province", "home", "expected"),
    [
        ("420000", "420000", True),
        ("440000", "420000", False),
        (None, "420000", True),  # no reported location: the stricter, quarterly expectation
        ("440000", None, True),  # no home province configured
    ],
)
def test_in_province(member_province, home, expected):
    assert rules.is_in_province(member_province, home) is expected


@pytest.mark.parametrize(
    ("status", "held_on", "ok"),
    [
        ("present", date(2026, 11, 21), True),
        ("present", date(2026, 11, 22), False),
        ("online", date(2026, 11, 22), False),
        ("excused", date(2026, 11, 22), True),  # leave can be asked for in advance
        ("absent", date(2026, 11, 20), True),
    ],
)
def test_attendance_only_after_the_activity(status, held_on, ok):
    assert (rules.attendance_problem(status, held_on, date(2026, 11, 21)) is None) is ok


@pytest.mark.parametrize(
    ("online", "held_on", "today", "ok"),
    [
        (True, date(2026, 11, 10), date(2026, 11, 10), True),
        (True, date(2026, 11, 10), date(2026, 11, 9), False),
        (True, date(2026, 11, 10), date(2026, 11, 17), True),  # last day of the window
        (True, date(2026, 11, 10), date(2026, 11, 18), False),
        (False, date(2026, 11, 10), date(2026, 11, 10), False),
    ],
)
def test_online_confirmation_window(online, held_on, today, ok):
    assert (rules.online_confirm_problem(online, held_on, today) is None) is ok


@pytest.mark.parametrize(
    ("as_of", "cutoff"),
    [
        (date(2026, 11, 21), "2024-11"),  # 2024-11 kept, 2024-10 purged
        (date(2026, 1, 1), "2024-01"),
        (date(2026, 12, 31), "2024-12"),
    ],
)
def test_location_cutoff(as_of, cutoff):
    assert rules.location_cutoff_month(as_of) == M(cutoff)


def test_activity_codes_are_short_and_unambiguous():
    codes = {rules.new_activity_code() for _ in range(200)}
    assert len(codes) > 190
    for code in codes:
        assert len(code) == rules.CODE_LENGTH
        assert not set(code) & set("01IO")
    assert rules.normalize_code(" ab c2 ") == "ABC2"
