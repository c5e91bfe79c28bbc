"""Small helpers shared by the dues services."""

from __future__ import annotations

from flowmember.core import months
from flowmember.core.auth import get_scoped
from flowmember.core.errors import PermissionDenied, ValidationError
from flowmember.core.time import today_local
from flowmember.members.models import Member

STAFF = ("admin", "secretary", "clerk")


def require_role(actor, *allowed: str) -> None:
    if not actor.is_system and actor.role not in allowed:
        raise PermissionDenied("Your role may not do this.")


def current_month() -> int:
    return months.of(today_local())


def parse_month(text, field: str = "month") -> int:
    try:
        return months.parse(str(text) if text is not None else "")
    except ValueError:
        raise ValidationError({field: ["Not a month; expected YYYY-MM."]}) from None


def get_member(actor, member_id: int) -> Member:
    return get_scoped(Member, member_id, actor, what="Member")
