"""ID numbers (python-stdnum cn.ric): the cases the ledger must get right."""

from datetime import date

import pytest

from flowmember.members.identity import (
    IdentityError,
    birth_date_of,
    build_id_number,
    gender_of,
    normalize_id_number,
)

# 11010519491231002X is the sample number printed in GB 11643 (check digit X).
VALID_X = "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (VALID_X, VALID_X),
        ("11010519491231002x", VALID_X),  # lower-case x is read as X
        (" 110105 19491231 002X ", VALID_X),  # spaces are dropped
        ("420102199605170211", "420102199605170211"),  # a numeric check digit
        ("11010119900101004X", "11010119900101004X"),  # a built number ending in X
    ],
)
def test_valid_id_numbers(value, expected):
    assert build_id_number("420102", date(1996, 5, 17), 21) == "420102199605170211"
    assert normalize_id_number(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", "check digit"),  # X replaced by 1
        ("420102199605170212", "check digit"),  # last digit off by one
        ("11010519491231002", "18 characters"),  # one short
        ("11010519491231002XX", "18 characters"),
        ("", "18 characters"),
        ("ABCDEFGHIJKLMNOPQR", "17 digits"),
    ],
)
def test_invalid_id_numbers(value, message):
    with pytest.raises(IdentityError, match=message):
        normalize_id_number(value)


def test_impossible_birth_date_with_a_correct_check_digit_is_rejected():
    body = "11010519491331002"  # month 13
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    assert number == "110105194913310021"
    with pytest.raises(IdentityError, match="birth date"):
        normalize_id_number(number)


def test_unknown_region_is_rejected_but_a_district_younger_than_the_holder_is_not():
    with pytest.raises(IdentityError, match="region"):
        normalize_id_number(build_id_number("420199", date(1990, 1, 1), 1))
    # 420114 (蔡甸区) was created in 1992; a member born in 1970 may hold such a number.
    number = build_id_number("420114", date(1970, 1, 1), 1)
    assert normalize_id_number(number) == number


def test_birth_date_and_gender_come_from_the_number():
    assert birth_date_of(VALID_X) == date(1949, 12, 31)
    assert gender_of(VALID_X) == "female"  # 17th digit 2
    assert gender_of(build_id_number("110101", date(1990, 1, 1), 1)) == "male"
