"""Member ledger: reads that the API and the staff pages share (the ledger list and its filters,
one member as the actor may see it)."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import ColumnElement, Select, exists, or_, select

from flowmember.accounts.models import User
from flowmember.core import months
from flowmember.core.auth import Actor, get_scoped, in_scope, scoped
from flowmember.core.errors import NotFound
from flowmember.core.time import today_local
from flowmember.members.models import (
    CURRENT_STATUSES,
    Category,
    Member,
    MemberExemption,
    Stage,
)
from flowmember.orgs.models import Org


class MemberFilters(TypedDict, total=False):
    """The ledger's filters (:class:`flowmember.members.schemas.MemberQueryArgs`)."""

    org_id: int
    category: Category
    status: str  #: a member status, ``current`` (the default: active and suspended) or ``all``
    stage: Stage
    flag: str  #: lapse_risk | unreachable | exempt | no_login
    q: str  #: name contains, or phone contains its digits
    province_code: str
    city_code: str


def get_member(actor: Actor, member_id: int) -> Member:
    """One member the actor may see; 404 otherwise."""
    return get_scoped(Member, member_id, actor, what="Member")


def member_query(actor: Actor, filters: MemberFilters) -> Select:
    """The ledger list, ordered by id: members in the actor's subtree matching ``filters``. 404
    for an ``org_id`` outside the subtree."""
    stmt = scoped(select(Member), Member, actor)
    if filters.get("org_id") is not None:
        stmt = stmt.where(org_subtree_clause(actor, filters["org_id"]))
    status = filters.get("status") or "current"
    if status == "current":
        stmt = stmt.where(Member.status.in_(CURRENT_STATUSES))
    elif status != "all":
        stmt = stmt.where(Member.status == status)
    for field in ("category", "stage", "province_code", "city_code"):
        if filters.get(field):
            stmt = stmt.where(getattr(Member, field) == filters[field])
    flag = filters.get("flag")
    if flag == "lapse_risk":
        stmt = stmt.where(Member.flag_lapse_risk.is_(True))
    elif flag == "unreachable":
        stmt = stmt.where(Member.flag_unreachable.is_(True))
    elif flag == "exempt":
        stmt = stmt.where(exempt_clause(months.of(today_local())))
    elif flag == "no_login":
        stmt = stmt.where(~exists().where(User.member_id == Member.id))
    if filters.get("q"):
        stmt = stmt.where(search_clause(filters["q"]))
    return stmt.order_by(Member.id)


def org_subtree_clause(actor: Actor, org_id: int) -> ColumnElement[bool]:
    """Members held by (or homed in) ``org_id``'s subtree; 404 for an org outside the actor's."""
    if not in_scope(actor, org_id):
        raise NotFound("Organisation not found.", {"org_id": ["No such organisation."]})
    path = select(Org.path).where(Org.id == org_id).scalar_subquery()
    ids = select(Org.id).where(Org.path.startswith(path))
    return or_(Member.org_id.in_(ids), Member.home_org_id.in_(ids))


def search_clause(q: str) -> ColumnElement[bool]:
    """Name contains ``q``; or phone contains its digits."""
    q = q.strip()
    digits = "".join(ch for ch in q if ch.isdigit())
    conditions = [Member.name.contains(q, autoescape=True)]
    if len(digits) >= 3:
        conditions.append(Member.phone.contains(digits, autoescape=True))
    return or_(*conditions)


def exempt_clause(month: int) -> ColumnElement[bool]:
    """SQL condition on Member: exempt from the points and lapse rules in ``month`` (a month
    index): an exemption in force on any day of the month counts."""
    return exists().where(
        MemberExemption.member_id == Member.id,
        MemberExemption.starts_on <= months.last_day(month),
        or_(
            MemberExemption.ends_on.is_(None),
            MemberExemption.ends_on >= months.first_day(month),
        ),
    )
