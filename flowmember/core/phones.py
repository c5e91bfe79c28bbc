"""Phone numbers, one way everywhere: stored as E.164, read with ``phonenumbers`` (a bare
11-digit mobile is Chinese, ``00`` is the international prefix), shown in the national format
for Chinese numbers."""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

DEFAULT_REGION = "CN"


class PhoneError(ValueError):
    """Not a valid phone number; ``str(exc)`` says why."""


def normalize_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """E.164 (``+8613800138000``). A bare number is read in ``region`` (CN: a bare 11-digit
    mobile, or a landline with its area code such as 010-12345678); foreign numbers need their
    ``+`` country code."""
    text = (value or "").strip()
    if not text:
        raise PhoneError(_l("Missing phone number."))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise PhoneError(_l("Not a phone number.")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneError(_l("Not a valid phone number (a foreign number needs its +country code)."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str | None:
    """For display: national format for Chinese numbers, international for others."""
    if not e164:
        return e164
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code == 86:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def is_mobile(e164: str) -> bool:
    parsed = phonenumbers.parse(e164, None)
    return phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
