"""The one parsing layer (core/fields.py): what each shared field takes and what it refuses."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError

from flowmember.core import months
from flowmember.core.fields import LocalDateTime, Location, Month, Phone, Yuan


class Args(Schema):
    month = Month()
    amount = Yuan()
    phone = Phone()
    at = LocalDateTime()
    location = Location()


def load(**values):
    return Args().load(values)


@pytest.mark.parametrize(
    ("text", "index"),
    [("2026-11", months.index(2026, 11)), ("1900-01", months.index(1900, 1)),
     ("9999-12", months.index(9999, 12)), (" 2026-01 ", months.index(2026, 1))],
)
def test_month_takes_year_and_month(text, index):
    assert load(month=text)["month"] == index


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-00", "1899-12", "0000-01", "2026-1", "26-01", "２０２６-０１",
            "2026/01", 202601, None, ["2026-01"], "2026-01\x00"],
)
def test_month_refuses_anything_else(bad):
    with pytest.raises(ValidationError) as error:
        load(month=bad)
    assert list(error.value.messages) == ["month"]


@pytest.mark.parametrize(
    ("given", "amount"),
    [("12.50", Decimal("12.50")), ("0", Decimal("0")), (12, Decimal("12")),
     ("100000000", Decimal("100000000")), ("0.01", Decimal("0.01"))],
)
def test_yuan_takes_plain_amounts(given, amount):
    assert load(amount=given)["amount"] == amount


@pytest.mark.parametrize(
    "bad", ["-0.01", "100000000.01", "12.505", "1e5", "¥12", "１２", "NaN", "Infinity", "",
            True, None, "12,50"],
)
def test_yuan_refuses_what_is_not_an_amount_in_range(bad):
    with pytest.raises(ValidationError) as error:
        load(amount=bad)
    assert list(error.value.messages) == ["amount"]


def test_yuan_writes_two_decimals():
    assert Yuan()._serialize(Decimal("12.5"), None, None) == "12.50"


@pytest.mark.parametrize(
    ("given", "e164"),
    [("13800138000", "+8613800138000"), ("0086 138 0013 8000", "+8613800138000"),
     ("+1 650 253 0000", "+16502530000")],
)
def test_phone_is_stored_e164(given, e164):
    assert load(phone=given)["phone"] == e164


@pytest.mark.parametrize(
    ("given", "utc"),
    [
        ("2026-11-30", datetime(2026, 11, 29, 16, 0, tzinfo=UTC)),  # that day in Shanghai
        ("2026-11-30T10:00:00", datetime(2026, 11, 30, 2, 0, tzinfo=UTC)),
        ("2026-11-30T10:00:00Z", datetime(2026, 11, 30, 10, 0, tzinfo=UTC)),
    ],
)
def test_datetimes_are_read_in_shanghai(given, utc):
    assert load(at=given)["at"].astimezone(UTC) == utc


@pytest.mark.parametrize("bad", ["2026-02-30", "0000-01-01", "10000-01-01", "yesterday"])
def test_impossible_datetimes_are_refused(bad):
    with pytest.raises(ValidationError):
        load(at=bad)


@pytest.mark.parametrize(
    ("location", "ok"),
    [({"province_code": "440000", "city_code": "440100"}, True),
     ({"province_code": "440000", "city_code": "440100", "district_code": "440106"}, True),
     ({"province_code": "44", "city_code": "440100"}, False),
     ({"city_code": "440100"}, False)],
)
def test_location_codes(location, ok):
    if ok:
        assert load(location=location)["location"] == location
    else:
        with pytest.raises(ValidationError):
            load(location=location)
