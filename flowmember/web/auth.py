"""Page access: session login with CSRF-protected forms, and role guards for staff pages."""

from __future__ import annotations

import functools

from flask import abort, redirect, request, url_for
from flask_login import current_user

from flowmember.accounts.models import STAFF_ROLES


def staff_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("web.login", next=request.full_path))
        if current_user.role not in STAFF_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def member_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("web.login", next=request.full_path))
        if current_user.role != "member":
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default
