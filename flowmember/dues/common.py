"""Small helpers shared by the dues services."""

from __future__ import annotations

from flowmember.core import months
from flowmember.core.auth import Actor, get_scoped
from flowmember.core.time import today_local
from flowmember.members.models import Member


def current_month() -> int:
    """This month (Asia/Shanghai) as a month index."""
    return months.of(today_local())


def get_member(actor: Actor, member_id: int) -> Member:
    """A member the actor may see (404 otherwise)."""
    return get_scoped(Member, member_id, actor, what="Member")
