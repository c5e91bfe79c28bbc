"""``Idempotency-Key`` on POSTs that create payments, check-ins and transfers.

A repeat with the same key and body returns the first response; the same key with a different
body answers 409. The key row is written in the same transaction as the view's own changes (the
request's, committed on success by :mod:`flowmember.core.transaction`), so a key is only ever
remembered together with the effect it produced."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime

from flask import Response, make_response, request
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from flowmember.core.auth import current_actor
from flowmember.core.db import JSONType, UTCDateTime
from flowmember.core.errors import Conflict, ValidationError
from flowmember.core.time import now_utc
from flowmember.extensions import db

HEADER = "Idempotency-Key"


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of method, path and raw body: the same key with another request is a conflict.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column()
    response_body: Mapped[dict | list | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)


def _request_hash() -> str:
    """Method, path and body; a JSON body by its content, so the same object written with its
    keys in another order or other spacing is the same request."""
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(b"\0" + request.path.encode() + b"\0")
    h.update(_canonical_body())
    return h.hexdigest()


def _canonical_body() -> bytes:
    raw = request.get_data(cache=True)
    if request.is_json:
        try:
            value = json.loads(raw)
        except ValueError:
            return raw  # not JSON after all: the view answers 400
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return raw


def _replay(row: IdempotencyKey, digest: str) -> Response:
    if row.request_hash != digest:
        raise Conflict(
            "This Idempotency-Key was used for a different request.",
            {HEADER: ["Already used with another request body."]},
        )
    if row.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    response = Response(json.dumps(row.response_body), row.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(user_id: int, key: str) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
    )
    return db.session.scalars(stmt).first()


def idempotent(view):
    """Decorate a flask-smorest view (place it directly under ``@blp.route``)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not key or len(key) > 255:
            raise ValidationError({HEADER: ["Must be 1 to 255 characters."]})
        actor = current_actor()
        digest = _request_hash()
        existing = _find(actor.id, key)
        if existing is not None:
            return _replay(existing, digest)
        row = IdempotencyKey(
            user_id=actor.id,
            key=key,
            method=request.method,
            path=request.path[:255],
            request_hash=digest,
        )
        try:
            # A concurrent request with the same key inserted it first: only the savepoint is
            # lost, and the request replays that one's answer.
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            existing = _find(actor.id, key)
            if existing is None:  # pragma: no cover - the other request rolled back meanwhile
                raise Conflict("Retry the request.") from None
            return _replay(existing, digest)
        response = make_response(view(*args, **kwargs))
        if response.status_code < 300:
            row.status_code = response.status_code
            row.response_body = response.get_json()
        return response

    return wrapper
