from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flowmember.core.db import UTCDateTime, str_enum
from flowmember.core.time import now_utc
from flowmember.extensions import db


class OrgKind(enum.StrEnum):
    committee = "committee"
    centre = "centre"
    general_branch = "general_branch"
    branch = "branch"
    group = "group"


class Org(db.Model):
    """A node of the organisation tree: committee > general branch > branch > group.

    A talent-service centre is a committee-level node."""

    __tablename__ = "orgs"
    __table_args__ = (
        Index("ix_orgs_path_prefix", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    #: Organisation code as printed on letters; unique when given.
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    #: Materialised path of ids, "/1/4/9/": a subtree is one prefix match.
    path: Mapped[str] = mapped_column(String(255), default="")
    depth: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    parent: Mapped[Org | None] = relationship(remote_side=[id])

    @classmethod
    def scope(cls, org_ids):
        return cls.id.in_(org_ids)

    def is_within(self, other: Org) -> bool:
        """True when this org is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Org {self.id} {self.kind} {self.name!r}>"
