"""flask-smorest glue: the Api with FlowMember's error handling, a Blueprint with the project's
pagination defaults, and a pager for SQLAlchemy select statements.

:mod:`flowmember.extensions` creates the Api from this module, so this module reads the session
through :func:`flowmember.core.db.session` instead of importing the extensions."""

from __future__ import annotations

import flask_smorest
from flask import render_template, request
from flask_smorest.pagination import Page
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from flowmember.core import db, transaction
from flowmember.core.errors import FlowMemberError, as_text

MAX_PAGE_SIZE = 200
LOCATIONS = frozenset({"json", "query", "form", "headers", "files", "view_args", "path"})
DEFAULT_MESSAGES = {
    400: "The request body is not valid JSON.",
    422: "Some fields are not valid.",
}


def _wants_html() -> bool:
    return not request.path.startswith("/api/")


class Api(flask_smorest.Api):
    """Errors from /api/ paths are JSON in the one shape; page errors render an HTML page."""

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(FlowMemberError, self.handle_domain_error)

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
        payload.setdefault("message", DEFAULT_MESSAGES.get(code) or error.description)
        return as_text(payload), code, headers

    def handle_domain_error(self, error: FlowMemberError):
        transaction.finish(False)
        if _wants_html():
            return (
                render_template("error.html", code=error.status_code, message=error.message),
                error.status_code,
            )
        return error.to_dict(), error.status_code


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
