from datetime import date
from decimal import Decimal

import pytest

from flowmember.core import money, months


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2026, 1, 1), "2026-01"),
        (date(2026, 12, 31), "2026-12"),
        (date(1999, 7, 15), "1999-07"),
    ],
)
def test_month_round_trip(d, text):
    idx = months.of(d)
    assert months.to_str(idx) == text
    assert months.parse(text) == idx
    assert months.first_day(idx) == d.replace(day=1)


def test_year_boundary_is_consecutive():
    assert months.parse("2026-01") - months.parse("2025-12") == 1
    assert months.to_str(months.parse("2025-12") + 1) == "2026-01"


@pytest.mark.parametrize(
    ("idx_text", "last"),
    [
        ("2026-02", date(2026, 2, 28)),
        ("2024-02", date(2024, 2, 29)),
        ("2026-12", date(2026, 12, 31)),
    ],
)
def test_last_day(idx_text, last):
    assert months.last_day(months.parse(idx_text)) == last


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-1", "26-01", "", "2026/01", "0001-01"])
def test_bad_months_are_rejected(bad):
    with pytest.raises(ValueError):
        months.parse(bad)


def test_span_is_inclusive():
    assert list(months.span(5, 7)) == [5, 6, 7]


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [
        ("0.005", 1),  # half up
        ("0.004", 0),
        ("12.345", 1235),
        ("12.5", 1250),
        ("1000", 100000),
        (Decimal("-0.005"), -1),  # half away from zero for reversals
    ],
)
def test_to_fen_rounds_half_up(yuan, fen):
    assert money.to_fen(yuan) == fen


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (1, "0.01"), (1250, "12.50"), (None, None)])
def test_fmt_has_two_decimals(fen, text):
    assert money.fmt(fen) == text


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "", "1,000"])
def test_parse_yuan_rejects_non_numbers(bad):
    with pytest.raises(ValueError):
        money.parse_yuan(bad)
