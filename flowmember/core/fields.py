"""The one parsing layer: marshmallow fields shared by every schema, the API's ``*Args`` and the
pages' forms alike (pages load their forms through the same schemas, :func:`flowmember.web.pages.
load_form`), so a value is read, and refused, the same way everywhere.

- :class:`Month`: ``"YYYY-MM"`` <-> month index (:mod:`flowmember.core.months`);
- :class:`Yuan`: ``"12.50"`` <-> ``Decimal`` yuan (:mod:`flowmember.core.money`);
- :class:`Phone`: any way a number is written -> E.164 (:mod:`flowmember.core.phones`);
- :class:`Location`: ``{province_code, city_code, district_code?}`` (GB/T 2260 codes; the
  members package checks that they name real divisions);
- :class:`LocalDateTime`: ISO 8601 or a plain date, read in Asia/Shanghai."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from flowmember.core import money, months
from flowmember.core.phones import PhoneError, normalize_phone
from flowmember.core.time import LOCAL_TZ

_PLAIN_AMOUNT = re.compile(r"-?\d{1,12}(\.\d{1,12})?", re.ASCII)
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class LocalDateTime(fields.AwareDateTime):
    """A datetime given as input: ISO 8601 with an offset, or read in Asia/Shanghai.

    - ``2026-11-30T10:00:00+08:00`` (or ``Z``): as given;
    - ``2026-11-30T10:00:00`` (naive): that wall-clock time in Asia/Shanghai;
    - ``2026-11-30`` (a plain date): the start of that day in Asia/Shanghai.

    Impossible values (``0000-01-01``, ``10000-01-01``, ``2026-02-30``) and values that cannot be
    stored as UTC (``0001-01-01T00:00:00+08:00``) are a 422 on the field. Output is ISO 8601 with
    the value's offset, like :class:`marshmallow.fields.AwareDateTime`."""

    default_error_messages = {
        "invalid": "Not a valid datetime: use YYYY-MM-DD or ISO 8601 (YYYY-MM-DDTHH:MM:SS+08:00).",
    }

    def __init__(self, format: str | None = None, **kwargs):  # noqa: A002
        kwargs.setdefault("default_timezone", LOCAL_TZ)
        super().__init__(format, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if isinstance(value, date) and not isinstance(value, datetime):
            result = datetime.combine(value, time.min, tzinfo=self.default_timezone)
        elif isinstance(value, str) and _PLAIN_DATE.fullmatch(value.strip()):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError as error:
                raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from error
            result = datetime.combine(day, time.min, tzinfo=self.default_timezone)
        else:
            result = super()._deserialize(value, attr, data, **kwargs)
        try:
            result.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from error
        return result


class _TextErrors:
    """Error messages as text in the reader's language: marshmallow formats and lists a message
    only when it is a ``str``, and a lazily translated one is not (yet)."""

    def make_error(self, key: str, **kwargs) -> validate.ValidationError:
        message = str(self.error_messages[key])
        return validate.ValidationError(message.format(**kwargs) if kwargs else message)


class Month(_TextErrors, fields.Field):
    """``"YYYY-MM"`` (years 1900-9999) <-> month index."""

    default_error_messages = {"invalid": _l("Not a month; expected YYYY-MM.")}

    def _serialize(self, value, attr, obj, **kwargs):
        return months.to_str(value)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if not isinstance(value, str) or not value.isascii():
            raise self.make_error("invalid")
        try:
            return months.parse(value.strip())
        except ValueError:
            raise self.make_error("invalid") from None


class Yuan(_TextErrors, fields.Field):
    """An amount in yuan: in as a string or number (``"12.5"``, ``12.50``), out as a string with
    exactly two decimals; never below ``minimum`` nor above ``maximum``."""

    default_error_messages = {
        "invalid": _l("Not an amount in yuan, e.g. 12.50."),
        "range": _l("Must be between {minimum} and {maximum} yuan."),
        "precision": _l("At most two decimals (fen)."),
    }

    def __init__(
        self,
        *,
        minimum: Decimal = Decimal("0"),
        maximum: Decimal = Decimal("100000000"),
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str(money.round_fen(Decimal(value)))

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.make_error("invalid")
        if isinstance(value, str) and not _PLAIN_AMOUNT.fullmatch(value.strip()):
            raise self.make_error("invalid")  # 12.50, never 1e5, ¥12 or full-width digits
        try:
            amount = money.parse_yuan(value)
        except ValueError:
            raise self.make_error("invalid") from None
        if not self.minimum <= amount <= self.maximum:
            raise self.make_error("range", minimum=self.minimum, maximum=self.maximum)
        if amount != money.round_fen(amount):
            raise self.make_error("precision")
        return amount


class Phone(fields.String):
    """A phone number in any common spelling -> E.164."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_phone(text)
        except PhoneError as error:
            raise validate.ValidationError(str(error)) from None


class LocationArgs(Schema):
    """City-level location by GB/T 2260 codes (never GPS)."""

    province_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    city_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    district_code = fields.String(allow_none=True, validate=validate.Regexp(r"^\d{6}$"))


def Location(**kwargs) -> fields.Nested:  # noqa: N802 - used like a field class
    """A location object (:class:`LocationArgs`)."""
    return fields.Nested(LocationArgs, **kwargs)
