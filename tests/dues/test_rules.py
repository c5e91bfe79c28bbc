"""The dues calculator and the pure rules (DOMAIN §6)."""

from decimal import Decimal

import pytest

from flowmember.core.errors import ValidationError
from flowmember.core.months import index
from flowmember.dues import rules
from flowmember.dues.rules import monthly_dues

# base, kind, monthly, rate, rule
BRACKETS = [
    ("0.00", "employed", "0.00", "0.005", "in_work_upto_3000"),
    ("2000.00", "employed", "10.00", "0.005", "in_work_upto_3000"),
    ("3000.00", "employed", "15.00", "0.005", "in_work_upto_3000"),
    ("3000.01", "employed", "30.00", "0.01", "in_work_3000_5000"),
    ("5000.00", "employed", "50.00", "0.01", "in_work_3000_5000"),
    ("5000.01", "employed", "75.00", "0.015", "in_work_5000_10000"),
    ("10000.00", "employed", "150.00", "0.015", "in_work_5000_10000"),
    ("10000.01", "employed", "200.00", "0.02", "in_work_over_10000"),
    ("20000.00", "employed", "400.00", "0.02", "in_work_over_10000"),
    # self-employed and scholarship use the in-work brackets
    ("3000.00", "self_employed", "15.00", "0.005", "in_work_upto_3000"),
    ("3000.01", "self_employed", "30.00", "0.01", "in_work_3000_5000"),
    ("3000.00", "scholarship", "15.00", "0.005", "in_work_upto_3000"),
    ("10000.01", "scholarship", "200.00", "0.02", "in_work_over_10000"),
    # retired
    ("5000.00", "retired", "25.00", "0.005", "retired_upto_5000"),
    ("5000.01", "retired", "50.00", "0.01", "retired_over_5000"),
    ("3000.01", "retired", "15.00", "0.005", "retired_upto_5000"),
    ("10000.01", "retired", "100.00", "0.01", "retired_over_5000"),
    # fixed 0.20 whatever the base
    ("0", "student", "0.20", None, "fixed_0_20"),
    ("1500.00", "unemployed", "0.20", None, "fixed_0_20"),
    ("800.00", "relief", "0.20", None, "fixed_0_20"),
    ("600.00", "subsistence", "0.20", None, "fixed_0_20"),
]


@pytest.mark.parametrize("base,kind,monthly,rate,rule", BRACKETS)
def test_brackets_on_both_sides_of_every_boundary(base, kind, monthly, rate, rule):
    q = monthly_dues(base, kind)
    assert q.monthly == Decimal(monthly)
    assert q.rate == (Decimal(rate) if rate else None)
    assert q.rule == rule
    assert q.capped is False


@pytest.mark.parametrize(
    "base,monthly",
    [
        ("2999.00", "15.00"),  # 14.995 -> 15.00 (half up, not banker's 14.99... to even)
        ("2999.10", "15.00"),  # 14.9955 -> 15.00
        ("2998.90", "14.99"),  # 14.9945 -> 14.99
        ("4000.50", "40.01"),  # 40.005 -> 40.01
        ("6000.30", "90.00"),  # 90.0045 -> 90.00
        ("6000.70", "90.01"),  # 90.0105 -> 90.01
        ("1.00", "0.01"),  # 0.005 -> 0.01
        ("0.99", "0.00"),  # 0.00495 -> 0.00
    ],
)
def test_rounding_is_half_up_to_the_fen(base, monthly):
    assert monthly_dues(base, "employed").monthly == Decimal(monthly)


def test_half_up_differs_from_bankers_rounding():
    # 2001.00 * 0.005 = 10.005: half-even would give 10.00
    assert monthly_dues("2001.00", "employed").monthly == Decimal("10.01")


@pytest.mark.parametrize(
    "base,kind,monthly,capped,rule",
    [
        ("50000.00", "employed", "1000.00", False, "in_work_over_10000"),  # exactly 1000
        # 1000.0002 rounds to 1000.00: not over the cap
        ("50000.01", "employed", "1000.00", False, "in_work_over_10000"),
        ("50000.25", "employed", "1000.00", True, "cap_1000"),  # 1000.005 -> 1000.01 -> cap
        ("50000.50", "employed", "1000.00", True, "cap_1000"),
        ("60000.00", "employed", "1000.00", True, "cap_1000"),
        ("200000.00", "retired", "1000.00", True, "cap_1000"),
    ],
)
def test_the_cap_is_1000_a_month(base, kind, monthly, capped, rule):
    q = monthly_dues(base, kind)
    assert (q.monthly, q.capped, q.rule) == (Decimal(monthly), capped, rule)


def test_voluntary_more_than_the_cap_is_the_volunteered_amount():
    q = monthly_dues("60000", "employed", voluntary="1500.00")
    assert q.monthly == Decimal("1500.00")
    assert q.rule == "voluntary"
    assert q.capped is False  # nothing was reduced to the cap
    assert q.computed == Decimal("1200.00")


# base, voluntary, monthly, rule, capped: capped only when the bracket's result was cut to 1000
CAP_BOUNDARIES = [
    ("50000.00", None, "1000.00", "in_work_over_10000", False),  # exactly 1000: nothing cut
    ("50000.00", "1000.00", "1000.00", "in_work_over_10000", False),
    ("50000.00", "1000.01", "1000.01", "voluntary", False),
    ("50000.25", None, "1000.00", "cap_1000", True),  # 1000.01 cut to 1000
    ("50000.25", "1000.00", "1000.00", "cap_1000", True),  # volunteering the cap: still cut
    ("50000.25", "1000.01", "1000.01", "voluntary", False),  # replaced, not cut
    ("60000.00", None, "1000.00", "cap_1000", True),
    ("60000.00", "1000.01", "1000.01", "voluntary", False),
    ("60000.00", "1199.99", "1199.99", "voluntary", False),  # below the uncapped 1200 too
    ("60000.00", "1200.00", "1200.00", "voluntary", False),
    ("60000.00", "1500.00", "1500.00", "voluntary", False),
    ("2000.00", "1500.00", "1500.00", "voluntary", False),  # far below the cap: never capped
]


@pytest.mark.parametrize("base,voluntary,monthly,rule,capped", CAP_BOUNDARIES)
def test_capped_only_when_the_amount_was_cut_to_the_cap(base, voluntary, monthly, rule, capped):
    q = monthly_dues(base, "employed", voluntary=voluntary)
    assert (q.monthly, q.rule, q.capped) == (Decimal(monthly), rule, capped)
    assert q.capped == (q.computed > rules.CAP and q.monthly == rules.CAP)


def test_voluntary_below_the_cap_when_the_result_is_above_it_is_refused():
    with pytest.raises(ValidationError) as err:
        monthly_dues("60000", "employed", voluntary="999.99")
    assert "voluntary" in err.value.errors


def test_voluntary_above_a_small_amount():
    q = monthly_dues("2000", "employed", voluntary="50")
    assert (q.monthly, q.rule) == (Decimal("50.00"), "voluntary")


def test_voluntary_equal_to_dues_changes_nothing():
    q = monthly_dues("2000", "employed", voluntary="10.00")
    assert (q.monthly, q.rule) == (Decimal("10.00"), "in_work_upto_3000")


def test_voluntary_below_the_dues_is_refused():
    with pytest.raises(ValidationError) as err:
        monthly_dues("5000", "employed", voluntary="49.99")
    assert "voluntary" in err.value.errors


@pytest.mark.parametrize(
    "amount,ok", [("0.19", False), ("0.20", True), ("0.50", True), ("1.00", True), ("1.01", False)]
)
def test_farmers_pay_a_fixed_amount_from_0_20_to_1_00(amount, ok):
    if ok:
        q = monthly_dues("0", "farmer", farmer_amount=amount)
        assert (q.monthly, q.rule, q.rate) == (Decimal(amount), "farmer_fixed", None)
    else:
        with pytest.raises(ValidationError) as err:
            monthly_dues("0", "farmer", farmer_amount=amount)
        assert "farmer_amount" in err.value.errors


def test_farmer_needs_an_amount():
    with pytest.raises(ValidationError) as err:
        monthly_dues("0", "farmer")
    assert "farmer_amount" in err.value.errors


@pytest.mark.parametrize(
    "base", ["-0.01", "-100", "abc", "", None, "NaN", "Infinity", "12.345", True, "1e400"]
)
def test_bad_base_names_the_field(base):
    with pytest.raises(ValidationError) as err:
        monthly_dues(base, "employed")
    assert list(err.value.errors) == ["base"]


def test_unknown_kind():
    with pytest.raises(ValidationError) as err:
        monthly_dues("100", "astronaut")
    assert "kind" in err.value.errors


def test_numbers_from_json_are_read_exactly():
    assert monthly_dues(3000.01, "employed").monthly == Decimal("30.00")
    assert monthly_dues(3000, "employed").monthly == Decimal("15.00")


@pytest.mark.parametrize(
    "month,current,needs",
    [
        (index(2026, 11), index(2026, 11), False),
        (index(2026, 5), index(2026, 11), False),  # 6 months back
        (index(2026, 4), index(2026, 11), True),  # 7 months back
        (index(2025, 12), index(2026, 6), False),  # across the year, 6 back
        (index(2025, 11), index(2026, 6), True),
    ],
)
def test_backpay_beyond_six_months_needs_approval(month, current, needs):
    assert rules.backpay_needs_approval(month, current) is needs


@pytest.mark.parametrize(
    "kwargs,org_id,rule",
    [
        # inflow member: relation held by the inflow org, home elsewhere
        ({"relation_org_id": 5, "relation_in_inflow_area": True}, 5, "managing_inflow_org"),
        ({"relation_org_id": 5, "home_org_id": 2}, 5, "managing_inflow_org"),
        # away, an inflow org entrusted with managing them
        ({"relation_org_id": 2, "away": True, "inflow_org_id": 9}, 9, "entrusted_inflow_org"),
        # away, nothing settled: the home org
        ({"relation_org_id": 2, "home_org_id": 2, "away": True}, 2, "home_org"),
        ({"relation_org_id": 2, "away": True}, 2, "home_org"),
        # at home
        ({"relation_org_id": 2}, 2, "relation_org"),
    ],
)
def test_where_a_mobile_member_pays(kwargs, org_id, rule):
    assert rules.payee(**kwargs) == rules.Payee(org_id, rule)


@pytest.mark.parametrize(
    "statuses,expected",
    [
        ({}, None),
        ({10: "unpaid"}, None),
        ({10: "paid"}, 10),
        ({10: "paid", 11: "paid", 12: "unpaid", 13: "paid"}, 11),
        ({10: "exempt", 11: "paid"}, 11),
        ({10: "paid", 11: "reduced"}, 10),  # reduced and not yet paid
        ({10: "paid", 12: "paid"}, 12),  # a month not assessed is no gap
        ({10: "unpaid", 11: "paid"}, None),
    ],
)
def test_paid_through(statuses, expected):
    assert rules.paid_through(statuses) == expected
    assert rules.paid_through(statuses, carried=None) == expected


@pytest.mark.parametrize(
    "statuses,carried,expected",
    [
        ({}, 5, 5),  # nothing assessed: paid through the carried month
        ({6: "paid", 7: "paid"}, 5, 7),
        ({6: "paid", 7: "unpaid", 8: "paid"}, 5, 6),
        ({6: "unpaid"}, 5, 5),  # an unpaid month after it: the carried month stands
        ({5: "unpaid"}, 5, None),  # unpaid AT the carried month: the books win
        ({3: "unpaid", 6: "paid"}, 5, None),  # unpaid before it: the carried month does not count
        ({3: "paid", 4: "unpaid"}, 5, 3),
        ({5: "paid", 6: "exempt"}, 5, 6),  # assessed and settled at the carried month
        ({2: "paid", 3: "paid"}, 5, 5),  # carried later than every assessed month
        ({8: "paid"}, 5, 8),  # a month not assessed between is no gap
        ({6: "reduced"}, 5, 5),  # reduced and not yet paid counts as unpaid
        ({4: "exempt", 5: "reduced"}, 5, 4),
    ],
)
def test_paid_through_with_a_carried_month(statuses, carried, expected):
    assert rules.paid_through(statuses, carried) == expected


def test_rate_percent_and_receipt_number():
    assert rules.rate_percent(Decimal("0.015")) == "1.5%"
    assert rules.rate_percent(Decimal("0.02")) == "2%"
    assert rules.receipt_number("DH100", 2026, 123) == "DH100-2026-000123"
