"""Resident ID numbers (居民身份证号)."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric


def build_id_number(region: str, birth: date, sequence: int) -> str:
    """A checksum-valid 18-character ID number (demo data and tests); ``sequence`` 0-999, odd for
    men and even for women as on real cards."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body)
