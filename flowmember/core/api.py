"""flask-smorest glue: the Api with FlowMember's error handling, a Blueprint with the project's
pagination defaults, and a pager for SQLAlchemy select statements.

:mod:`flowmember.extensions` creates the Api from this module, so this module reads the session
through :func:`flowmember.core.db.session` instead of importing the extensions."""

from __future__ import annotations

import flask_smorest
from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_smorest.pagination import Page
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from flowmember.core import db, transaction
from flowmember.core.errors import FlowMemberError, ValidationError, as_text

MAX_PAGE_SIZE = 200
#: The largest id a column can hold (a 32-bit INTEGER on PostgreSQL).
MAX_ID = 2**31 - 1
CSRF_MISSING = _l(
    "The page's security token is missing or has expired: reload the page and try again."
)
NUL_TEXT = _l("Text cannot contain NUL characters.")
UNSTORABLE = _l("A value is out of range or contains characters that cannot be stored.")
LOCATIONS = frozenset({"json", "query", "form", "headers", "files", "view_args", "path"})
DEFAULT_MESSAGES = {
    400: _l("The request body is not valid JSON."),
    422: _l("Some fields are not valid."),
}


def _wants_html() -> bool:
    return not request.path.startswith("/api/")


class Api(flask_smorest.Api):
    """Errors from /api/ paths are JSON in the one shape; page errors render an HTML page."""

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        app.before_request(refuse_nul_characters)

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(FlowMemberError, self.handle_domain_error)
        # The database's own limits (a number beyond its integer range, a NUL character) are a
        # bad value, never a server error; nothing of the request is kept.
        self._app.register_error_handler(DataError, self.handle_unstorable)
        self._app.register_error_handler(OverflowError, self.handle_unstorable)

    def handle_http_exception(self, error: HTTPException):
        transaction.finish(False)
        if _wants_html():
            return (
                render_template("error.html", code=error.code, message=error.description),
                error.code,
            )
        payload, code, headers = super().handle_http_exception(error)
        errors = payload.get("errors")
        if isinstance(errors, dict) and len(errors) == 1 and next(iter(errors)) in LOCATIONS:
            # One error shape for webargs and services alike: {field: [messages]}.
            ((location, inner),) = errors.items()
            payload["errors"] = inner if isinstance(inner, dict) else {location: inner}
        parsed = bool(getattr(error, "data", None) and error.data.get("messages"))
        if isinstance(error, CSRFError):
            payload["message"] = CSRF_MISSING
        payload.setdefault("message", (parsed and DEFAULT_MESSAGES.get(code)) or error.description)
        return as_text(payload), code, headers

    def handle_domain_error(self, error: FlowMemberError):
        transaction.finish(False)
        if _wants_html():
            return (
                render_template("error.html", code=error.status_code, message=error.message),
                error.status_code,
            )
        return error.to_dict(), error.status_code


    def handle_unstorable(self, error: Exception):
        current_app.logger.warning("refused a value the database cannot store (%s)",
                                   type(error).__name__)
        return self.handle_domain_error(ValidationError({}, message=UNSTORABLE))


def refuse_nul_characters() -> None:
    """Text never holds a NUL character (PostgreSQL cannot store one; SQLite would keep it and
    the two databases would disagree): a query string, form or JSON body with one is a 422 on
    both. Uploaded files are not text and are not looked at."""
    found = any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True))
    if not found and request.mimetype == "application/x-www-form-urlencoded":
        found = any("\x00" in value for value in request.form.values())
    if not found and request.is_json:
        found = b"\\u0000" in request.get_data(cache=True)
    if found:
        raise ValidationError({}, message=NUL_TEXT)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in a URL: a whole number the database can hold; a larger one matches no
    route (404), like any id that does not exist."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def bounded_int_schema(converter: BoundedIntConverter) -> dict:
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


class Blueprint(flask_smorest.Blueprint):
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": MAX_PAGE_SIZE}


class QueryPage(Page):
    """Pages a SQLAlchemy ``Select`` with LIMIT/OFFSET and one COUNT query."""

    @property
    def items(self):
        params = self.page_params
        stmt = self.collection.limit(params.page_size).offset(params.first_item)
        return db.session().scalars(stmt).all()

    @property
    def item_count(self):
        count = select(func.count()).select_from(self.collection.order_by(None).subquery())
        return db.session().scalar(count)
