"""Staff users, member logins, passwords and API tokens."""

from __future__ import annotations

import secrets
from typing import TypedDict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from flowmember.accounts.models import STAFF_ROLES, ApiToken, Role, User
from flowmember.core import audit
from flowmember.core.auth import (
    Actor,
    get_scoped,
    require_org_in_scope,
    require_role,
    token_digest,
)
from flowmember.core.errors import (
    AuthenticationError,
    Conflict,
    PermissionDenied,
    ValidationError,
)
from flowmember.core.phones import PhoneError, normalize_phone
from flowmember.core.time import now_utc
from flowmember.extensions import db
from flowmember.members.models import Member

USER_AUDIT_FIELDS = ["username", "display_name", "role", "org_id", "locale", "is_active_flag"]


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_KIB"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_strength(password: str, field: str = "password") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationError({field: [f"Must be at least {minimum} characters."]})


def verify_password(user: User, password: str) -> bool:
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


# A hash to verify against when the login is unknown, so both cases take the same time.
_DUMMY_HASH: dict[tuple, str] = {}


def _burn_time(password: str) -> None:
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"], cfg["ARGON2_PARALLELISM"])
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = _hasher().hash(secrets.token_urlsafe(16))
    try:
        _hasher().verify(_DUMMY_HASH[key], password)
    except VerificationError:
        pass


def normalize_login(login: str) -> str:
    """A username as typed, or a phone number in E.164 (a bare 11-digit number is +86)."""
    login = login.strip()
    if login.startswith("+") or (login.isdigit() and len(login) >= 11):
        try:
            return normalize_phone(login)
        except PhoneError:
            return login
    return login


def find_by_login(login: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.username) == normalize_login(login).lower())
    ).first()


def authenticate(login: str, password: str) -> User:
    """The user for these credentials; a failure is audited and raises 401."""
    user = find_by_login(login)
    if user is None:
        _burn_time(password)
    if user is None or not user.is_active or not verify_password(user, password):
        audit.record(
            None,
            "auth.login_failed",
            entity_type="users",
            entity_id=user.id if user else None,
            org_id=user.org_id if user else None,
            after={"login": login[:80]},
        )
        raise AuthenticationError("Invalid login or password.")
    user.last_login_at = now_utc()
    audit.record(user, "auth.login", user)
    return user


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token (returned once, stored as its hash)."""
    raw = secrets.token_urlsafe(32)
    now = now_utc()
    token = ApiToken(
        user_id=user.id,
        token_hash=token_digest(raw),
        created_at=now,
        expires_at=now + current_app.config["TOKEN_TTL"],
    )
    db.session.add(token)
    return raw, token


def user_for_token(raw: str) -> User | None:
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_digest(raw))
    ).first()
    if token is None or token.revoked_at is not None or token.expires_at <= now_utc():
        return None
    user = db.session.get(User, token.user_id)
    return user if user is not None and user.is_active else None


def revoke_token(raw: str, actor: Actor) -> None:
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_digest(raw))
    ).first()
    if token is not None and token.revoked_at is None:
        token.revoked_at = now_utc()
        audit.record(actor, "auth.token_revoked", actor)


def revoke_all_tokens(user: User) -> int:
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    now = now_utc()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def _check_username_free(username: str, field: str = "username") -> None:
    if find_by_login(username) is not None:
        raise Conflict("That login is taken.", {field: ["Already in use."]})


def create_user(
    actor: Actor,
    *,
    username: str,
    password: str,
    display_name: str,
    role: Role,
    org_id: int,
    locale: str | None = None,
) -> User:
    """Create a staff user in the actor's subtree. Only admins create users, and nobody may hand
    out a role above their own."""
    role = Role(role)
    if role not in STAFF_ROLES:
        raise ValidationError({"role": ["Members get their login by activation."]})
    require_role(actor, (Role.admin,))
    require_org_in_scope(actor, org_id)
    check_password_strength(password)
    _check_username_free(username)
    user = User(
        username=username.strip(),
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        role=role,
        org_id=org_id,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, after=audit.snapshot(user, USER_AUDIT_FIELDS))
    return user


class UserChanges(TypedDict, total=False):
    """``PATCH /users/{id}`` (:class:`flowmember.accounts.schemas.UserPatchArgs`)."""

    display_name: str
    password: str
    role: str
    org_id: int
    locale: str | None
    is_active: bool


def update_user(actor: Actor, user_id: int, changes: UserChanges) -> User:
    """Change a user: an admin anything in their subtree; anyone their own name, password and
    language."""
    user = get_scoped(User, user_id, actor, what="User")
    is_self = getattr(actor, "id", None) == user.id
    if not (actor.is_system or actor.role == Role.admin or is_self):
        raise PermissionDenied("Only an admin may change other users.")
    admin_only = {"role", "org_id", "is_active"}
    if is_self and actor.role != Role.admin and admin_only & changes.keys():
        raise PermissionDenied("Only an admin may change roles, orgs or deactivate users.")
    before = audit.snapshot(user, USER_AUDIT_FIELDS)
    if "org_id" in changes:
        require_org_in_scope(actor, changes["org_id"])
        user.org_id = changes["org_id"]
    if "role" in changes:
        role = Role(changes["role"])
        if role not in STAFF_ROLES or user.role == Role.member:
            raise ValidationError({"role": ["A member login keeps the member role."]})
        user.role = role
    for field in ("display_name", "locale"):
        if field in changes:
            setattr(user, field, changes[field])
    if "password" in changes:
        check_password_strength(changes["password"])
        user.password_hash = hash_password(changes["password"])
        end_sessions(user)
    if "is_active" in changes:
        user.is_active_flag = changes["is_active"]
        if not user.is_active_flag:
            end_sessions(user)
    after = audit.snapshot(user, USER_AUDIT_FIELDS)
    b, a = audit.changes(before, after)
    if "password" in changes:
        a["password"] = "changed"
    if a:
        audit.record(actor, "user.update", user, before=b, after=a)
    return user


def end_sessions(user: User) -> None:
    """End every way the user is logged in: API tokens and page sessions."""
    revoke_all_tokens(user)
    end_page_sessions(user)


def end_page_sessions(user: User) -> None:
    """Every page session of the user ends (the session cookie's epoch no longer matches)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def create_member_login(member: Member, password: str) -> User:
    """The member's login (role member, login = the member's E.164 phone, in the member's org):
    the one place such a row is made (activation, the demo, tests). 409 when the member already
    has a login or the phone is another login. Flushes; the password's strength is the caller's
    question (activation checks it)."""
    if db.session.scalar(select(User.id).where(User.member_id == member.id)) is not None:
        raise Conflict("The member already has a login.")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == member.phone.lower())):
        raise Conflict("The member's phone is already a login.", {"phone": ["Already in use."]})
    user = User(
        username=member.phone,
        password_hash=hash_password(password),
        display_name=member.name,
        role=Role.member,
        org_id=member.org_id,
        member_id=member.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:  # a concurrent activation won
        raise Conflict("The member already has a login.") from exc
    return user


def expiry_seconds(token: ApiToken) -> int:
    return int((token.expires_at - token.created_at).total_seconds())
