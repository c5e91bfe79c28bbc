"""Who is acting and what they may see.

Every query of org-scoped data goes through :func:`scoped` / :func:`get_scoped`: a model says how
it belongs to an org with a ``scope(org_ids)`` classmethod, and objects outside the actor's
subtree do not exist for that actor (404, never 403).

Core imports no domain package. The two mapped classes the scope queries read, the org tree
(``orgs.models.Org``: its materialised ``path``) and the member records (for
:func:`current_member`), are handed over by the app factory with :func:`bind_models`, the way
flask-login is handed its user loader."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import g, request
from sqlalchemy import Select, select, true

from flowmember.core.errors import AuthenticationError, NotFound, PermissionDenied
from flowmember.extensions import db


class Actor(Protocol):
    """Whoever acts: a staff user, a member's login (``accounts.models.User``) or the system.
    Services take it explicitly and never read the request."""

    id: int | None
    role: str
    org_id: int | None
    member_id: int | None
    is_staff: bool
    is_system: bool
    display_name: str


#: Staff roles that write the ledger: members, activities, contacts, decisions.
WRITE_ROLES = ("admin", "secretary")
#: Every staff role.
STAFF = ("admin", "secretary", "clerk")


def require_role(actor: Actor, allowed: Iterable[str] = STAFF) -> None:
    """403 unless the actor holds one of ``allowed`` (the system may do anything)."""
    if not actor.is_system and actor.role not in tuple(allowed):
        raise PermissionDenied("Your role may not do this.")


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


# --- the org tree -------------------------------------------------------------------------------


@dataclass
class _Models:
    #: The org tree: a mapped class with ``id`` and ``path`` ("/1/4/9/"; a subtree is a prefix).
    org: Any = None
    #: The member records: what :func:`current_member` loads by ``actor.member_id``.
    member: Any = None


_models = _Models()


def bind_models(*, org: type, member: type) -> None:
    """Called once by ``create_app``: the mapped classes the scope queries read."""
    _models.org, _models.member = org, member


def _org_model() -> Any:
    if _models.org is None:
        raise RuntimeError("create_app() binds the org model (core.auth.bind_models) first")
    return _models.org


def org_ids_in_scope(actor: Actor) -> Select:
    """Subquery of the ids of the actor's org and every org below it."""
    Org = _org_model()
    root_path = select(Org.path).where(Org.id == actor.org_id).scalar_subquery()
    return select(Org.id).where(Org.path.startswith(root_path))


def scope_clause(model, actor: Actor):
    """The WHERE clause that keeps ``model`` rows inside the actor's subtree."""
    if actor.is_system:
        return true()
    return model.scope(org_ids_in_scope(actor))


def scoped(stmt: Select, model, actor: Actor) -> Select:
    return stmt.where(scope_clause(model, actor))


def get_scoped(
    model, ident: Any, actor: Actor, *, what: str | None = None, for_update: bool = False
):
    """Load one object the actor may see, or raise 404."""
    stmt = select(model).where(model.id == ident, scope_clause(model, actor))
    if for_update:
        stmt = stmt.with_for_update()
    obj = db.session.scalars(stmt).first()
    if obj is None:
        raise NotFound(f"{what or model.__name__} not found.")
    return obj


def in_scope(actor: Actor, org_id: int | None) -> bool:
    """Whether an org id lies in the actor's subtree."""
    if org_id is None:
        return False
    if actor.is_system:
        return True
    Org = _org_model()
    stmt = select(Org.id).where(Org.id == org_id, Org.id.in_(org_ids_in_scope(actor)))
    return db.session.scalar(stmt) is not None


def require_org_in_scope(actor: Actor, org_id: int | None, field: str = "org_id"):
    """The org, if the actor may act in it; otherwise a 404 (the org 'does not exist')."""
    if org_id is None or not in_scope(actor, org_id):
        raise NotFound("Organisation not found.", {field: ["No such organisation."]})
    return db.session.get(_org_model(), org_id)


# --- request-time identity ------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_actor() -> Actor:
    """The authenticated user of this API request (``g.actor``, set by
    :func:`flowmember.web.identity.authenticate_api_request`)."""
    actor = g.get("actor")
    if actor is None:
        raise AuthenticationError("Authentication required.")
    return actor


def current_member():
    """The member record of the authenticated member login (403 for staff)."""
    actor = current_actor()
    if getattr(actor, "member_id", None) is None:
        raise PermissionDenied("Only members have /me.")
    if _models.member is None:
        raise RuntimeError("create_app() binds the member model (core.auth.bind_models) first")
    return db.session.get(_models.member, actor.member_id)


def public(view):
    """Mark an API view as reachable without authentication."""
    view._public = True
    return view


def member_allowed(view):
    """Mark an API view outside /me that a member may call (e.g. the dues calculator)."""
    view._member_allowed = True
    return view


def roles(*allowed: str):
    """Restrict an API view to the given roles (403 for the others; the pages' twin is
    :func:`flowmember.web.pages.roles_required`)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            require_role(current_actor(), allowed)
            return view(*args, **kwargs)

        wrapper._member_allowed = "member" in allowed
        return wrapper

    return decorator


def client_ip() -> str | None:
    try:
        return request.remote_addr
    except RuntimeError:
        return None
