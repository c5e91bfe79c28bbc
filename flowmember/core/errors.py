"""Domain exceptions. Each carries its HTTP status; one handler turns them into the API's one
error shape ``{code, status, message, errors}``."""

from __future__ import annotations

from http import HTTPStatus

from flask_babel import lazy_gettext as _l


class FlowMemberError(Exception):
    status_code = 400

    def __init__(self, message: str | None = None, errors: dict | None = None):
        # ``is None``, not falsiness: a lazily translated message stays lazy until it is read.
        if message is None:
            message = HTTPStatus(self.status_code).phrase
        super().__init__(message)
        self.message = message
        self.errors = errors

    def to_dict(self) -> dict:
        """The one error shape; lazily translated messages become text in the reader's
        language here."""
        payload = {
            "code": self.status_code,
            "status": HTTPStatus(self.status_code).phrase,
            "message": str(self.message),
        }
        if self.errors:
            payload["errors"] = as_text(self.errors)
        return payload


def as_text(value):
    """Messages (lazily translated ones too) as plain JSON-ready text, nested as they are."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_text(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


class AuthenticationError(FlowMemberError):
    status_code = 401


class PermissionDenied(FlowMemberError):
    status_code = 403


class NotFound(FlowMemberError):
    """Also raised for objects outside the caller's organisation subtree."""

    status_code = 404


class Conflict(FlowMemberError):
    """Duplicates and illegal workflow moves."""

    status_code = 409


class ValidationError(FlowMemberError):
    """A field-level problem found by a service: ``errors`` maps field -> [messages]."""

    status_code = 422

    def __init__(self, errors: dict, message: str | None = None):
        if message is None:
            message = _l("Some fields are not valid.")
        super().__init__(message, errors)


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})
