"""Identity checks with a well-kept library: resident ID numbers (居民身份证号) with python-stdnum's
``cn.ric``. Pure functions; each raises :class:`IdentityError` with a message naming what is
wrong. Phone numbers: :mod:`flowmember.core.phones`."""

from __future__ import annotations

import functools
from datetime import date

from flask_babel import lazy_gettext as _l
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric


class IdentityError(ValueError):
    """A value that is not a valid ID number / phone number; ``str(exc)`` says why."""


def build_id_number(region: str, birth: date, sequence: int) -> str:
    """A checksum-valid 18-character ID number (demo data and tests); ``sequence`` 0-999, odd for
    men and even for women as on real cards."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def normalize_id_number(value: str) -> str:
    """The 18-character ID number, upper-case X, checked with python-stdnum: check digit, birth
    date, and a region code that GB/T 2260 has ever listed.

    stdnum's full ``ric.validate`` also requires the region to have existed in the birth year;
    numbers are issued where a person is registered, often years after birth (a member born in
    1975 may hold a number of a district created in 1984), so that check would reject real cards
    and is left out."""
    number = ric.compact("".join((value or "").split()))
    if len(number) != 18:
        raise IdentityError(_l("An ID number has 18 characters."))
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise IdentityError(_l("An ID number is 17 digits and a digit or X."))
    if number[17] != ric.calc_check_digit(number):
        raise IdentityError(_l("The check digit of this ID number is wrong."))
    try:
        ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise IdentityError(_l("This ID number contains an impossible birth date.")) from None
    if not _known_region(number[:6]):
        raise IdentityError(_l("This ID number starts with an unknown region code."))
    return number


@functools.lru_cache(maxsize=8192)
def _known_region(code: str) -> bool:
    from stdnum import numdb

    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


def birth_date_of(id_number: str) -> date:
    return ric.get_birth_date(id_number)


def gender_of(id_number: str) -> str:
    """``male`` for an odd 17th digit, ``female`` for an even one."""
    return "male" if int(id_number[16]) % 2 else "female"
