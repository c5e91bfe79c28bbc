from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flowmember.core.db import UTCDateTime, str_enum
from flowmember.core.time import now_utc
from flowmember.extensions import db
from flowmember.orgs.models import Org


class Role(enum.StrEnum):
    admin = "admin"  #: committee/centre level: everything in its subtree, approvals
    secretary = "secretary"  #: branch: members, activities, contacts, decisions
    clerk = "clerk"  #: dues and records
    member = "member"  #: only /me


STAFF_ROLES = frozenset({Role.admin, Role.secretary, Role.clerk})


class User(UserMixin, db.Model):
    """A login: staff scoped to an org subtree, or a member (login = their phone)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Staff choose a username; a member's login is their E.164 phone.
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    #: Root of the subtree this user may see and change.
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), unique=True)
    #: Preferred interface language; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active_flag: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Page sessions carry this number; raising it (logout, password change, deactivation) ends
    #: every session the user has anywhere.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    org: Mapped[Org] = relationship()

    @property
    def is_active(self) -> bool:  # flask-login
        return self.is_active_flag

    def get_id(self) -> str:  # flask-login: what the session cookie holds
        return f"{self.id}.{self.session_epoch}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_system(self) -> bool:
        return False

    @classmethod
    def scope(cls, org_ids):
        return cls.org_id.in_(org_ids)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
