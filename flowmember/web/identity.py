"""Who is asking, for each request.

API calls carry ``Authorization: Bearer <token>``; the pages use a session cookie, and a page's
own script calling the API with that cookie must send the CSRF token (``X-CSRFToken``). Every API
view needs an authenticated user unless marked ``@public``; a member may call only /me views and
views marked for members. The user found is ``g.actor`` (:func:`flowmember.core.auth.
current_actor`)."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import current_user

from flowmember.accounts.models import User
from flowmember.accounts.services import user_for_token
from flowmember.core.errors import AuthenticationError, PermissionDenied
from flowmember.extensions import csrf, db, login

API_PREFIX = "/api/v1/"
MEMBER_PATH = "/api/v1/me"
OPEN_PATHS = ("/api/v1/openapi.json", "/api/v1/docs")


def _view_flag(name: str) -> bool:
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return False
    if getattr(view, name, False):
        return True
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class else None
    return bool(getattr(method, name, False))


def authenticate_api_request() -> None:
    if not request.path.startswith(API_PREFIX) or request.path.startswith(OPEN_PATHS):
        return
    if request.endpoint is None or request.method == "OPTIONS":
        return  # 404 / 405 are answered as they are
    if _view_flag("_public"):
        return
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError("Invalid or expired token.")
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
        if request.method not in ("GET", "HEAD"):
            csrf.protect()
    else:
        raise AuthenticationError("Authentication required.")
    g.actor = user
    if user.role == "member":
        if not (_is_me_path() or _view_flag("_member_allowed")):
            raise PermissionDenied("Members may use only their own pages (/me).")
    elif _is_me_path():
        raise PermissionDenied("Only members have /me.")


def _is_me_path() -> bool:
    return request.path == MEMBER_PATH or request.path.startswith(MEMBER_PATH + "/")


def load_user(session_id: str) -> User | None:
    """flask-login's loader: the session's user, while the login is active and the session was
    not ended since (``"<user id>.<session epoch>"``, :meth:`User.get_id`)."""
    user_id, _, epoch = session_id.partition(".")
    if not (user_id.isascii() and user_id.isdigit() and epoch.isascii() and epoch.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_epoch != int(epoch):
        return None
    return user


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "web.login"
    login.user_loader(load_user)
    app.before_request(authenticate_api_request)
