"""Who is acting and what they may see.

Every query of org-scoped data goes through :func:`scoped` / :func:`get_scoped`: a model says how
it belongs to an org with a ``scope(org_ids)`` classmethod, and objects outside the actor's
subtree do not exist for that actor (404, never 403)."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from flask import g, request
from sqlalchemy import Select, select, true

from flowmember.core.errors import AuthenticationError, NotFound, PermissionDenied


@dataclass(frozen=True)
class SystemActor:
    """The scheduler and command-line tools: acts everywhere, recorded as ``system``."""

    name: str = "system"
    id: None = None
    role: str = "system"
    org_id: None = None
    member_id: None = None
    is_staff: bool = True
    is_system: bool = True
    display_name: str = "system"


SYSTEM = SystemActor()


def org_ids_in_scope(actor) -> Select:
    """Subquery of the ids of the actor's org and every org below it."""
    from flowmember.orgs.models import Org

    root_path = select(Org.path).where(Org.id == actor.org_id).scalar_subquery()
    return select(Org.id).where(Org.path.startswith(root_path))


def scope_clause(model, actor):
    """The WHERE clause that keeps ``model`` rows inside the actor's subtree."""
    if actor.is_system:
        return true()
    return model.scope(org_ids_in_scope(actor))


def scoped(stmt: Select, model, actor) -> Select:
    return stmt.where(scope_clause(model, actor))


def get_scoped(model, ident: Any, actor, *, what: str | None = None, for_update: bool = False):
    """Load one object the actor may see, or raise 404."""
    from flowmember.extensions import db

    stmt = select(model).where(model.id == ident, scope_clause(model, actor))
    if for_update:
        stmt = stmt.with_for_update()
    obj = db.session.scalars(stmt).first()
    if obj is None:
        raise NotFound(f"{what or model.__name__} not found.")
    return obj


def in_scope(actor, org_id: int | None) -> bool:
    """Whether an org id lies in the actor's subtree."""
    from flowmember.extensions import db
    from flowmember.orgs.models import Org

    if org_id is None:
        return False
    if actor.is_system:
        return True
    stmt = select(Org.id).where(Org.id == org_id, Org.id.in_(org_ids_in_scope(actor)))
    return db.session.scalar(stmt) is not None


def require_org_in_scope(actor, org_id: int | None, field: str = "org_id"):
    """The org, if the actor may act in it; otherwise a 404 (the org 'does not exist')."""
    from flowmember.extensions import db
    from flowmember.orgs.models import Org

    if org_id is None or not in_scope(actor, org_id):
        raise NotFound("Organisation not found.", {field: ["No such organisation."]})
    return db.session.get(Org, org_id)


# --- request-time identity ------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_actor():
    """The authenticated user of this request (set by the API's before_request hook)."""
    actor = g.get("actor")
    if actor is None:
        raise AuthenticationError("Authentication required.")
    return actor


def current_member():
    """The member record of the authenticated member login (403 for staff)."""
    from flowmember.extensions import db
    from flowmember.members.models import Member

    actor = current_actor()
    if getattr(actor, "member_id", None) is None:
        raise PermissionDenied("Only members have /me.")
    return db.session.get(Member, actor.member_id)


def public(view):
    """Mark an API view as reachable without authentication."""
    view._public = True
    return view


def member_allowed(view):
    """Mark an API view outside /me that a member may call (e.g. the dues calculator)."""
    view._member_allowed = True
    return view


def roles(*allowed: str):
    """Restrict a view to the given roles (403 for the others)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if actor.role not in allowed:
                raise PermissionDenied("Your role may not do this.")
            return view(*args, **kwargs)

        wrapper._member_allowed = "member" in allowed
        return wrapper

    return decorator


def client_ip() -> str | None:
    try:
        return request.remote_addr
    except RuntimeError:
        return None
