"""Transfers: reading — one transfer, the lists, overdue letters, members in transit, the archive
handovers. Only reads: the pages, the API, the CLI and the jobs all read through here; the
workflow's writes are in :mod:`flowmember.transfers.services`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from flowmember.core.auth import Actor, get_scoped, org_ids_in_scope, scoped
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.transfers import rules
from flowmember.transfers.models import (
    ArchiveHandover,
    Direction,
    Transfer,
    TransferStatus,
    overdue_clause,
    status_expr,
)


def get_transfer(actor: Actor, transfer_id: int, *, for_update: bool = False) -> Transfer:
    """One transfer the actor may see (issuing or receiving subtree), else 404."""
    return get_scoped(Transfer, transfer_id, actor, what="Transfer", for_update=for_update)


def handovers(t: Transfer) -> list[ArchiveHandover]:
    """The archive handovers recorded for a transfer, oldest first."""
    stmt = select(ArchiveHandover).where(ArchiveHandover.transfer_id == t.id)
    return list(db.session.scalars(stmt.order_by(ArchiveHandover.id)))


def overdue(as_of: date) -> list[Transfer]:
    """Issued letters past validity with no receipt, and receipts not recorded 30 days after
    issue (a re-issued letter drops out). For the issuing org's lists and staff reminders."""
    stmt = select(Transfer).where(overdue_clause(as_of)).order_by(Transfer.issued_on, Transfer.id)
    return list(db.session.scalars(stmt))


def in_transit_member_ids() -> Select:
    """Ids of members with an issued letter not yet received (still on the issuing org's
    lists): use as ``Member.id.in_(in_transit_member_ids())`` or run with ``scalars``."""
    return select(Transfer.member_id).where(Transfer.status.in_(rules.IN_TRANSIT_STATUSES))


def is_in_transit(member_id: int) -> bool:
    stmt = in_transit_member_ids().where(Transfer.member_id == member_id).limit(1)
    return db.session.scalar(stmt) is not None


def member_letters(member_id: int) -> list[Transfer]:
    """A member's own transfers, newest first (GET /me/letters and the member's page)."""
    stmt = (
        select(Transfer)
        .where(Transfer.member_id == member_id)
        .order_by(Transfer.created_at.desc(), Transfer.id.desc())
    )
    return list(db.session.scalars(stmt))


def list_query(
    actor: Actor,
    *,
    status: TransferStatus | str | None = None,
    overdue: bool | None = None,
    direction: str | None = None,
    member_id: int | None = None,
    as_of: date | None = None,
) -> Select:
    """Transfers the actor may see (issuing or receiving subtree), newest first.

    ``direction``: "out" = issued by the actor's subtree, "in" = to it. ``status`` filters on
    the effective status (expired derived); ``overdue`` uses :func:`overdue`'s rule."""
    as_of = as_of or today_local()
    stmt = scoped(select(Transfer), Transfer, actor)
    if direction and not actor.is_system:
        column = Transfer.from_org_id if direction == "out" else Transfer.to_org_id
        stmt = stmt.where(column.in_(org_ids_in_scope(actor)))
    elif direction == "out":
        stmt = stmt.where(Transfer.direction == Direction.out)
    if status is not None:
        stmt = stmt.where(status_expr(as_of) == TransferStatus(status).value)
    if overdue is True:
        stmt = stmt.where(overdue_clause(as_of))
    elif overdue is False:
        stmt = stmt.where(~overdue_clause(as_of))
    if member_id is not None:
        stmt = stmt.where(Transfer.member_id == member_id)
    return stmt.order_by(Transfer.created_at.desc(), Transfer.id.desc())
