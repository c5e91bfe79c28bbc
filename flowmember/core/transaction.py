"""One request, command or job run is one transaction, committed or rolled back here and nowhere
else. Services flush and never commit or roll back; a service that must survive a constraint
violation without losing its caller's work uses ``db.session.begin_nested()``.

- A request commits when its answer is a success (status below 400) and rolls back otherwise,
  whether the view returned the error or raised it (the error handlers call :func:`finish`);
  a page that reports a refusal and redirects discards its changes (:func:`discard_changes`,
  called by :func:`flowmember.web.pages.flash_error`).
  What must be kept although the answer is an error (the audit entry of a failed login) is
  marked with :func:`keep_changes`.
- A command of the ``flowmember`` CLI commits when it ends without an exception
  (:func:`committed`).
- The scheduler commits each job run (``jobs/runner.py``); the dispatcher commits each send, so
  that a message that left is never sent again."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context

from flowmember.core.db import session as _session


def keep_changes() -> None:
    """Commit this request's changes even though its answer will be an error."""
    g.keep_changes = True


def discard_changes() -> None:
    """Roll this request's changes back even though its answer is not an error status (a page
    that shows a refusal and redirects: nothing the refused action wrote may stay)."""
    g.discard_changes = True


def finish(success: bool) -> None:
    """End the current unit of work: commit on success (or when asked to keep the changes), roll
    back otherwise."""
    keep = has_request_context() and g.get("keep_changes", False)
    if not (success or keep):
        rollback_quietly()
        return
    session = _session()
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise


def _after_request(response: Response) -> Response:
    finish(response.status_code < 400 and not g.get("discard_changes", False))
    return response


def rollback_quietly() -> None:
    """Roll back after an error without hiding it behind a second one."""
    try:
        _session().rollback()
    except Exception:  # pragma: no cover - a broken connection is reported by the error
        current_app.logger.exception("rollback after an error failed")


def _teardown(error: BaseException | None) -> None:
    if error is not None:
        rollback_quietly()


def committed(command: Callable) -> Callable:
    """A CLI command's changes are committed when it returns, rolled back when it raises."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            result = command(*args, **kwargs)
        except BaseException:
            _session().rollback()
            raise
        _session().commit()
        return result

    return wrapper


def init_app(app: Flask) -> None:
    app.after_request(_after_request)
    app.teardown_request(_teardown)
