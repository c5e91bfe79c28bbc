"""Menu entries that domain packages add for their pages.

A package's views module calls :func:`staff` or :func:`member` once at import time."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from flowmember.orgs.models import OrgKind


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy translated string
    roles: frozenset[str]
    order: int


_STAFF: list[NavItem] = []
_MEMBER: list[NavItem] = []


def staff(endpoint: str, label, roles=("admin", "secretary", "clerk"), order: int = 50) -> None:
    if all(i.endpoint != endpoint for i in _STAFF):
        _STAFF.append(NavItem(endpoint, label, frozenset(roles), order))


def member(endpoint: str, label, order: int = 50) -> None:
    if all(i.endpoint != endpoint for i in _MEMBER):
        _MEMBER.append(NavItem(endpoint, label, frozenset({"member"}), order))


ORG_KIND_LABELS = {
    OrgKind.committee: _l("Committee"),
    OrgKind.centre: _l("Talent-service centre"),
    OrgKind.general_branch: _l("General branch"),
    OrgKind.branch: _l("Branch"),
    OrgKind.group: _l("Group"),
}

CATEGORY_LABELS = {
    "graduate": _l("Graduates"),
    "migrant": _l("Migrant members"),
    "inflow": _l("Inflow members"),
    "other": _l("Other"),
}


def _items(items: list[NavItem]) -> list[dict]:
    if not current_user.is_authenticated:
        return []
    return [
        {"url": url_for(i.endpoint), "label": i.label}
        for i in sorted(items, key=lambda i: i.order)
        if current_user.role in i.roles
    ]


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation():
        return {
            "staff_nav": _items(_STAFF),
            "member_nav": _items(_MEMBER),
            "org_kind_label": lambda kind: ORG_KIND_LABELS[OrgKind(kind)],
            "category_label": lambda c: CATEGORY_LABELS.get(getattr(c, "value", c), c),
        }
