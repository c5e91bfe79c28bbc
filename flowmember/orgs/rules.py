"""Which kinds of organisation may sit under which."""

from __future__ import annotations

from flowmember.orgs.models import OrgKind

K = OrgKind

#: kind -> kinds its parent may have (None: a root of the tree).
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind | None]] = {
    K.committee: frozenset({None, K.committee, K.centre}),
    K.centre: frozenset({None, K.committee}),
    K.general_branch: frozenset({K.committee, K.centre}),
    K.branch: frozenset({K.committee, K.centre, K.general_branch}),
    K.group: frozenset({K.branch}),
}

#: Kinds at committee level: they approve transfers, removals and suspensions.
COMMITTEE_LEVEL = frozenset({K.committee, K.centre})


def may_have_parent(kind: OrgKind, parent_kind: OrgKind | None) -> bool:
    return parent_kind in ALLOWED_PARENTS[kind]
