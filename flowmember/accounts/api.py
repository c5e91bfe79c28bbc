"""Logins, users and the audit log: API."""

from importlib.metadata import version

from flask import current_app, request
from flask.views import MethodView
from sqlalchemy import and_, literal, or_, select, text

from flowmember.accounts import services
from flowmember.accounts.models import User
from flowmember.accounts.schemas import (
    AuditEntrySchema,
    AuditQueryArgs,
    HealthSchema,
    TokenArgs,
    TokenSchema,
    UserArgs,
    UserPatchArgs,
    UserQueryArgs,
    UserSchema,
)
from flowmember.core import transaction
from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.audit import AuditEntry
from flowmember.core.auth import (
    current_actor,
    get_scoped,
    member_allowed,
    public,
    roles,
    scope_clause,
    scoped,
)
from flowmember.core.errors import AuthenticationError
from flowmember.extensions import db, limiter

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Logins, users, audit")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/auth/token", methods=["POST"])
@public
@limiter.limit(_login_limit)
@blp.arguments(TokenArgs)
@blp.response(200, TokenSchema)
@blp.alt_response(401, description="Unknown login or wrong password")
def create_token(args):
    """Exchange a login (username or phone) and password for a bearer token"""
    try:
        user = services.authenticate(args["login"], args["password"])
    except AuthenticationError:
        transaction.keep_changes()  # the failed attempt's audit entry is kept, too
        raise
    raw, token = services.issue_token(user)
    return {
        "access_token": raw,
        "token_type": "Bearer",
        "expires_in": services.expiry_seconds(token),
    }


@blp.route("/auth/token", methods=["DELETE"])
@member_allowed
@blp.response(204)
def revoke_token():
    """Revoke the bearer token used for this request"""
    raw = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    services.revoke_token(raw, current_actor())


@blp.route("/auth/whoami")
@member_allowed
@blp.response(200, UserSchema)
def whoami():
    """The authenticated user"""
    return current_actor()


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQueryArgs, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """Users in the caller's subtree"""
        stmt = scoped(select(User), User, current_actor()).order_by(User.id)
        if "org_id" in args:
            stmt = stmt.where(User.org_id == args["org_id"])
        if "role" in args:
            stmt = stmt.where(User.role == args["role"])
        return stmt

    @roles("admin")
    @blp.arguments(UserArgs)
    @blp.response(201, UserSchema)
    def post(self, args):
        """Create a staff user (admin); password of at least 12 characters"""
        return services.create_user(current_actor(), **args)


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user"""
        return get_scoped(User, user_id, current_actor(), what="User")

    @blp.arguments(UserPatchArgs)
    @blp.response(200, UserSchema)
    def patch(self, args, user_id):
        """Change a user (admin; anyone may change their own name, password and language)"""
        return services.update_user(current_actor(), user_id, args)


@blp.route("/audit")
@roles("admin")
@blp.arguments(AuditQueryArgs, location="query")
@blp.response(200, AuditEntrySchema(many=True))
@blp.paginate(QueryPage)
def audit_log(args):
    """The audit log of the caller's subtree, newest first (admin)"""
    actor = current_actor()
    stmt = select(AuditEntry).where(
        or_(
            scope_clause(AuditEntry, actor),
            # Entries tied to no org (e.g. failed logins with an unknown login) are for the
            # admins at the top of the tree.
            and_(AuditEntry.org_id.is_(None), literal(actor.org.parent_id is None)),
        )
    )
    for field in ("entity_type", "entity_id", "actor_id", "action"):
        if field in args:
            stmt = stmt.where(getattr(AuditEntry, field) == args[field])
    if "since" in args:
        stmt = stmt.where(AuditEntry.at >= args["since"])
    if "until" in args:
        stmt = stmt.where(AuditEntry.at < args["until"])
    return stmt.order_by(AuditEntry.id.desc())


@blp.route("/health")
@public
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
def health():
    """Liveness and database reachability"""
    try:
        db.session.execute(text("SELECT 1"))
        database, status = "ok", 200
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        database, status = "unreachable", 503
    return {
        "status": "ok" if status == 200 else "degraded",
        "database": database,
        "version": version("flowmember"),
    }, status
