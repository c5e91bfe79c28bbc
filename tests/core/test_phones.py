"""Phone numbers, one way everywhere (phonenumbers): stored E.164, shown nationally."""

import pytest

from flowmember.core.phones import PhoneError, format_phone, is_mobile, normalize_phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+8613800138000", "+8613800138000"),  # +86 mobile
        ("+86 138 0013 8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),  # bare 11 digits read as +86
        ("138-0013-8000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),  # 00 international prefix
        ("010-12345678", "+861012345678"),  # Beijing landline
        ("(027) 8765 4321", "+862787654321"),  # Wuhan landline
        ("+1 650 253 0000", "+16502530000"),  # foreign (US)
        ("+44 20 7946 0958", "+442079460958"),  # foreign (UK)
    ],
)
def test_phones_are_stored_e164(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Missing"),
        ("garbage", "Not a phone number"),
        ("12345", "Not a valid phone number"),
        ("1380013800", "Not a valid phone number"),  # 10 digits
        ("138001380001", "Not a valid phone number"),  # 12 digits
        ("+86 123", "Not a valid phone number"),
    ],
)
def test_bad_phones_are_rejected_with_a_message(value, message):
    with pytest.raises(PhoneError, match=message):
        normalize_phone(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0086 138 0013 8000", "+8613800138000"),  # 00 is the international prefix
        ("008613800138000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
    ],
)
def test_the_international_prefix_is_read_everywhere(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize(
    ("e164", "shown", "mobile"),
    [
        ("+8613800138000", "138 0013 8000", True),
        ("+861012345678", "010 1234 5678", False),
        ("+16502530000", "+1 650-253-0000", True),
    ],
)
def test_display_and_kind(e164, shown, mobile):
    assert format_phone(e164) == shown
    assert is_mobile(e164) is mobile
