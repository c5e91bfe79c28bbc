"""The page kit: what every page blueprint needs, written once.

- :func:`blueprint`: a Blueprint whose POST forms are CSRF-protected.
- :func:`staff_required`, :func:`member_required`, :func:`roles_required`: who may open a page
  (not logged in: to the login page; logged in with another role: 403).
- :func:`page_number` and :func:`paginate`: one pagination style (``?page=N``, 50 rows, a total).
- :func:`load_form`: a page's form goes through the same ``*Args`` schema as the API, so both
  give the same messages; errors come back as the one domain error.
- :func:`error_text` and :func:`flash_error`: a domain error as one line for the reader, with
  field labels instead of internal names.

Transactions are not a page's business: the request commits or rolls back in one place
(:mod:`flowmember.core.transaction`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from marshmallow import EXCLUDE, Schema, fields
from marshmallow import ValidationError as MarshmallowValidationError
from sqlalchemy import Select, func, select

from flowmember.accounts.models import STAFF_ROLES
from flowmember.core import transaction
from flowmember.core.errors import FlowMemberError, ValidationError
from flowmember.extensions import csrf, db

PAGE_SIZE = 50


def blueprint(name: str, import_name: str, **options: Any) -> Blueprint:
    """A page blueprint: every POST to it must carry the session's CSRF token."""
    bp = Blueprint(name, import_name, **options)
    bp.before_request(_protect_forms)
    return bp


def _protect_forms() -> None:
    if request.method == "POST":
        csrf.protect()


# --- who may open a page ------------------------------------------------------------------------


def roles_required(*roles: str) -> Callable:
    """Only logged-in users with one of ``roles`` (staff roles when none are named)."""
    allowed = frozenset(roles or STAFF_ROLES)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("web.login", next=request.full_path))
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


staff_required = roles_required()
member_required = roles_required("member")


def has_role(*roles: str) -> bool:
    """Whether the current user holds one of ``roles`` (what a template may offer)."""
    return current_user.is_authenticated and current_user.role in roles


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site is followed after login or a language switch: no scheme, no
    host, no leading ``//`` or backslash, and no control characters or spaces (browsers drop
    them, so ``/\t/evil.example`` would leave the site)."""
    if not target or not target.startswith("/") or len(target) > 2000:
        return default
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    return target


# --- lists --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.page_size - 1) // self.page_size, 1)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def page_number(arg: str = "page") -> int:
    """``?page=N`` as a whole number from 1 (anything else reads as 1)."""
    value = request.args.get(arg, "1")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 10**6 else 1


def paginate(stmt: Select, page_size: int = PAGE_SIZE, *, scalars: bool = True) -> Page:
    """One page of ``stmt`` (ordered by the caller) with the total count."""
    page = page_number()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    limited = stmt.limit(page_size).offset((page - 1) * page_size)
    result = db.session.scalars(limited) if scalars else db.session.execute(limited)
    return Page(items=list(result), page=page, page_size=page_size, total=total or 0)


# --- forms and errors ---------------------------------------------------------------------------


def load_form(
    schema: type[Schema] | Schema,
    data: Mapping | None = None,
    *,
    blank_is_missing: bool = True,
    **options: Any,
) -> dict:
    """Load a form through the API's ``*Args`` schema. Empty optional inputs are left out (a form
    always sends every field) and surrounding spaces are trimmed, except from passwords; errors
    raise the domain :class:`ValidationError` with the schema's messages."""
    raw = request.form if data is None else data
    instance = schema(**options) if isinstance(schema, type) else schema
    values: dict[str, Any] = {}
    for key in raw:
        if key == "csrf_token":  # checked by the blueprint, not a field of the schema
            continue
        if hasattr(raw, "getlist"):
            items = raw.getlist(key)
        else:
            items = list(raw[key]) if isinstance(raw[key], list | tuple) else [raw[key]]
        if "password" not in key:  # a password is taken exactly as typed
            items = [v.strip() if isinstance(v, str) else v for v in items]
        field = instance.fields.get(key)
        # An empty optional input means "not given"; an empty required one is checked as the API
        # checks an empty value, so both give the same message.
        if blank_is_missing and not (field is not None and field.required):
            items = [v for v in items if v not in ("", None)]
            if not items:
                continue
        many = isinstance(field, fields.List)
        values[key] = items if many or len(items) > 1 else items[0]
    try:
        return instance.load(values)
    except MarshmallowValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
        raise ValidationError(messages) from None


def load_query(schema: type[Schema] | Schema, labels: Mapping[str, str] | None = None) -> dict:
    """A list page's filters from the query string through the API's schema: a refused filter is
    shown to the reader and the list is shown unfiltered."""
    try:
        return load_form(schema, request.args, unknown=EXCLUDE)  # ?page= and the like
    except ValidationError as err:
        flash(error_text(err, labels), "error")
        return {}


def error_text(err: FlowMemberError, labels: Mapping[str, str] | None = None) -> str:
    """The error as one line: its message, then each field's problems under the field's label."""
    labels = labels or {}
    details = "; ".join(
        f"{labels.get(field, field)}: {' '.join(_flatten(problems))}"
        for field, problems in (err.errors or {}).items()
    )
    message = str(err.message)
    if isinstance(err, ValidationError) and details:
        return details
    if not details or all(message == p for p in _flatten(err.errors)):
        return message  # the field's problem says no more than the message
    return f"{message} ({details})"


def flash_error(err: FlowMemberError, labels: Mapping[str, str] | None = None) -> None:
    """Show the refusal on the next page; whatever the refused action wrote is rolled back."""
    transaction.discard_changes()
    flash(error_text(err, labels), "error")


def attempt(
    action: Callable[[], Any],
    labels: Mapping[str, str] | None = None,
    success: str | None = None,
) -> Any:
    """Run a page's action: its result, or None after a refusal, which is shown to the reader
    (and undoes whatever the action wrote, :func:`flash_error`)."""
    try:
        result = action()
    except FlowMemberError as err:
        flash_error(err, labels)
        return None
    if success:
        flash(success, "success")
    return result


def _flatten(problems: Any) -> Iterable[str]:
    if isinstance(problems, Mapping):
        for value in problems.values():
            yield from _flatten(value)
    elif isinstance(problems, list | tuple):
        for value in problems:
            yield from _flatten(value)
    else:
        yield str(problems)
