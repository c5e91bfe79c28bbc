"""Creating and reshaping the organisation tree."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import String, func, literal, select, update

from flowmember.accounts.models import Role
from flowmember.core import audit
from flowmember.core.auth import Actor, get_scoped, require_org_in_scope, require_role, scoped
from flowmember.core.errors import Conflict, PermissionDenied, ValidationError
from flowmember.extensions import db
from flowmember.orgs.models import Org, OrgKind
from flowmember.orgs.rules import may_have_parent

ORG_AUDIT_FIELDS = ["name", "kind", "code", "parent_id"]


def _check_kind(kind: OrgKind, parent: Org | None) -> None:
    if not may_have_parent(kind, parent.kind if parent else None):
        where = f"under a {parent.kind.value}" if parent else "at the top of the tree"
        raise ValidationError({"kind": [f"A {kind.value} cannot be placed {where}."]})


def _check_code_free(code: str | None, exclude_id: int | None = None) -> None:
    if not code:
        return
    stmt = select(Org.id).where(func.upper(Org.code) == code.upper())
    if exclude_id is not None:
        stmt = stmt.where(Org.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise Conflict("That organisation code is in use.", {"code": ["Already in use."]})


def create_org(
    actor: Actor, *, name: str, kind: OrgKind, parent_id: int | None, code: str | None = None
) -> Org:
    """Add an org under ``parent_id`` (in the actor's subtree). Roots are made by the command
    line only (``flowmember create-admin``), i.e. by the system actor."""
    require_role(actor, (Role.admin,))
    kind = OrgKind(kind)
    if parent_id is None:
        if not actor.is_system:
            raise ValidationError({"parent_id": ["Required."]})
        parent = None
    else:
        parent = require_org_in_scope(actor, parent_id, field="parent_id")
    _check_kind(kind, parent)
    _check_code_free(code)
    org = Org(name=name.strip(), kind=kind, code=code or None, parent_id=parent_id)
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    org.depth = parent.depth + 1 if parent else 0
    audit.record(
        actor, "org.create", org, org_id=org.id, after=audit.snapshot(org, ORG_AUDIT_FIELDS)
    )
    return org


class OrgChanges(TypedDict, total=False):
    """``PATCH /orgs/{id}`` (:class:`flowmember.orgs.schemas.OrgPatchArgs`)."""

    name: str
    code: str | None
    parent_id: int


def update_org(actor: Actor, org_id: int, changes: OrgChanges) -> Org:
    """Rename, recode or move an org. Moving carries its whole subtree along."""
    require_role(actor, (Role.admin,))
    org = get_scoped(Org, org_id, actor, what="Organisation")
    before = audit.snapshot(org, ORG_AUDIT_FIELDS)
    if "name" in changes:
        org.name = changes["name"].strip()
    if "code" in changes:
        _check_code_free(changes["code"], exclude_id=org.id)
        org.code = changes["code"] or None
    if "parent_id" in changes and changes["parent_id"] != org.parent_id:
        _move(actor, org, changes["parent_id"])
    b, a = audit.changes(before, audit.snapshot(org, ORG_AUDIT_FIELDS))
    if a:
        audit.record(actor, "org.update", org, org_id=org.id, before=b, after=a)
    return org


def _move(actor: Actor, org: Org, new_parent_id: int | None) -> None:
    if new_parent_id is None:
        raise ValidationError({"parent_id": ["An org cannot be moved to the top of the tree."]})
    if getattr(actor, "org_id", None) == org.id:
        raise PermissionDenied("You cannot move the org your own access is rooted at.")
    parent = require_org_in_scope(actor, new_parent_id, field="parent_id")
    if parent.is_within(org):
        raise ValidationError({"parent_id": ["An org cannot be moved below itself."]})
    _check_kind(org.kind, parent)
    old_path, new_path = org.path, f"{parent.path}{org.id}/"
    depth_shift = parent.depth + 1 - org.depth
    db.session.execute(
        update(Org)
        .where(Org.path.startswith(old_path))
        .values(
            path=literal(new_path, String) + func.substr(Org.path, len(old_path) + 1),
            depth=Org.depth + depth_shift,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    org.parent_id = parent.id


def orgs_in_scope(actor: Actor) -> list[Org]:
    """The orgs the actor may see, each after its parent (the order of the org pickers)."""
    return list(db.session.scalars(scoped(select(Org), Org, actor).order_by(Org.path)))


def subtree(root: Org) -> list[Org]:
    """The root and everything below it, ordered for display (parents first)."""
    stmt = select(Org).where(Org.path.startswith(root.path)).order_by(Org.depth, Org.name)
    return list(db.session.scalars(stmt))


def build_tree(orgs: list[Org]) -> list[dict]:
    """Nest a flat, parents-first list into ``{org, children}`` dicts."""
    nodes = {o.id: {"org": o, "children": []} for o in orgs}
    roots = []
    for o in orgs:
        parent = nodes.get(o.parent_id)
        (parent["children"] if parent else roots).append(nodes[o.id])
    return roots
