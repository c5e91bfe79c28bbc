"""The append-only audit log: who did what to which record, when, with before/after values.

Services call :func:`record`; the row joins the caller's transaction, so an action and its audit
entry are committed (or rolled back) together. Rows are never updated or deleted."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from flowmember.core.auth import Actor, client_ip
from flowmember.core.db import JSONType, UTCDateTime
from flowmember.core.time import now_utc
from flowmember.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The actor's login as it was at the time ("system" for jobs and the command line).
    actor_name: Mapped[str] = mapped_column(String(80))
    #: Dotted verb, e.g. "member.create", "auth.login_failed", "member.id_number_read".
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column()
    #: The org the record belongs to, so admins see the log of their own subtree only.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    ip: Mapped[str | None] = mapped_column(String(45))

    @classmethod
    def scope(cls, org_ids):
        return cls.org_id.in_(org_ids)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | None = None) -> dict:
    """A JSON-safe dict of a model's column values (or of the named attributes)."""
    if fields is None:
        fields = [c.key for c in inspect(obj).mapper.column_attrs]
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep only the keys whose values differ."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    actor: Actor | None,
    action: str,
    entity: Any = None,
    *,
    entity_type: str | None = None,
    entity_id: int | None = None,
    org_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
    session: Session | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (the caller commits)."""
    if entity is not None:
        entity_type = entity_type or entity.__tablename__
        entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
        if org_id is None:
            org_id = getattr(entity, "org_id", None)
    actor_id = getattr(actor, "id", None) if actor is not None else None
    entry = AuditEntry(
        at=now_utc(),
        actor_id=actor_id,
        actor_name=(getattr(actor, "username", None) or getattr(actor, "name", None) or "anonymous")
        if actor is not None
        else "anonymous",
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        org_id=org_id,
        reason=reason,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        ip=client_ip(),
    )
    (session or db.session).add(entry)
    return entry


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _guard_append_only(session: Session, flush_context, instances) -> None:
    """Audit entries, and any model marked ``__append_only__``, are never changed or deleted."""
    for obj in list(session.dirty) + list(session.deleted):
        if getattr(type(obj), "__append_only__", False) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise AppendOnlyError(f"{type(obj).__name__} rows are append-only")


AuditEntry.__append_only__ = True
