"""Transfers: reading — overdue letters, members in transit, the lists. Pure queries apart from
:func:`mark_expired` (a job step that stores the derived ``expired``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from flowmember.core import audit
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.transfers.models import Direction, Transfer, TransferStatus, overdue_clause

S = TransferStatus


def overdue(as_of: date) -> list[Transfer]:
    """Issued letters past validity with no receipt, and receipts not recorded 30 days after
    issue (a re-issued letter drops out). For the issuing org's lists and staff reminders."""
    stmt = select(Transfer).where(overdue_clause(as_of)).order_by(Transfer.issued_on, Transfer.id)
    return list(db.session.scalars(stmt))


def in_transit_member_ids() -> Select:
    """Ids of members with an issued letter not yet received (still on the issuing org's
    lists): use as ``Member.id.in_(in_transit_member_ids())`` or run with ``scalars``."""
    return select(Transfer.member_id).where(Transfer.status.in_([S.issued.value, S.expired.value]))


def is_in_transit(member_id: int) -> bool:
    stmt = in_transit_member_ids().where(Transfer.member_id == member_id).limit(1)
    return db.session.scalar(stmt) is not None


def member_letters(member_id: int) -> list[Transfer]:
    stmt = (
        select(Transfer)
        .where(Transfer.member_id == member_id)
        .order_by(Transfer.created_at.desc(), Transfer.id.desc())
    )
    return list(db.session.scalars(stmt))


def mark_expired(as_of: date, actor=None) -> int:
    """Store ``expired`` on issued letters past validity (reads derive it anyway)."""
    from flowmember.core.auth import SYSTEM

    actor = actor or SYSTEM
    rows = db.session.scalars(
        select(Transfer).where(Transfer.status == S.issued, Transfer.expires_on < as_of)
    ).all()
    for t in rows:
        from flowmember.transfers.services import AUDIT_FIELDS, _audit

        before = audit.snapshot(t, AUDIT_FIELDS)
        t.status = S.expired
        db.session.flush()
        _audit(actor, "transfer.expire", t, before)
    return len(rows)


def list_query(
    actor,
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
    from flowmember.core.auth import org_ids_in_scope, scoped
    from flowmember.transfers.models import status_expr

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
