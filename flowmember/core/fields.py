"""Marshmallow fields shared by every domain package's schemas."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from marshmallow import fields

from flowmember.core.time import LOCAL_TZ

_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
