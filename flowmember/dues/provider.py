"""Payment providers. The app talks to a provider through :class:`PaymentProvider`; the sandbox
provider behaves like a real one (its own pay page, signed server-to-server callbacks, repeats)
and is the only one shipped.

Callback signature: ``X-Signature`` = hex HMAC-SHA256 of the raw request body with the secret
``SANDBOX_PAY_SECRET`` (environment ``FLOWMEMBER_SANDBOX_PAY_SECRET``). The development default
below must be replaced in production."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from flask import current_app
from marshmallow import ValidationError as MarshmallowValidationError

from flowmember.core.errors import AuthenticationError, FlowMemberError, NotFound
from flowmember.core.fields import Yuan

#: Development default for FLOWMEMBER_SANDBOX_PAY_SECRET. Set your own in production.
DEV_SANDBOX_SECRET = "flowmember-sandbox-dev-secret"
SIGNATURE_HEADER = "X-Signature"


@dataclass(frozen=True)
class Callback:
    """A provider's notification, read from its signed body."""

    order_id: str
    txn_id: str
    #: ``SUCCESS`` or ``FAIL``.
    status: str
    #: The amount paid in yuan; None when the body's amount is not a valid amount.
    amount: Decimal | None


class PaymentProvider(Protocol):
    name: str

    def pay_url(self, order_id: str) -> str: ...

    def verify(self, raw_body: bytes, signature: str | None) -> Callback: ...


def read_callback(data: dict) -> Callback:
    """The fields of a callback body (400 when one is missing or the status is unknown)."""
    order_id = str(data.get("order_id") or "")
    txn_id = str(data.get("provider_txn_id") or "")[:64]
    status = data.get("status")
    if not order_id or not txn_id or status not in ("SUCCESS", "FAIL"):
        raise FlowMemberError("order_id, provider_txn_id and status SUCCESS|FAIL are required.")
    try:
        amount = Yuan().deserialize(data.get("amount"))
    except MarshmallowValidationError:
        amount = None
    return Callback(order_id=order_id, txn_id=txn_id, status=status, amount=amount)


class SandboxProvider:
    """A provider that lives inside the app: /m/pay/sandbox/<order_id> plays the cashier."""

    name = "sandbox"

    def secret(self) -> bytes:
        try:
            value = current_app.config.get("SANDBOX_PAY_SECRET")
        except RuntimeError:  # outside an app context (scripts)
            value = None
        return (value or DEV_SANDBOX_SECRET).encode()

    def sign(self, raw_body: bytes) -> str:
        return hmac.new(self.secret(), raw_body, hashlib.sha256).hexdigest()

    def pay_url(self, order_id: str) -> str:
        return f"/m/pay/sandbox/{order_id}"

    def verify(self, raw_body: bytes, signature: str | None) -> Callback:
        """The callback, once the signature is checked (401 otherwise)."""
        if not signature or not hmac.compare_digest(self.sign(raw_body), signature.strip()):
            raise AuthenticationError("Bad callback signature.")
        try:
            data = json.loads(raw_body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise FlowMemberError("The callback body is not a JSON object.")
        return read_callback(data)

    def callback(
        self, order_id: str, amount: str, *, txn_id: str, status: str = "SUCCESS"
    ) -> tuple[bytes, str]:
        """The body and signature the provider would post for an order."""
        body = json.dumps(
            {"order_id": order_id, "provider_txn_id": txn_id, "amount": amount, "status": status},
            separators=(",", ":"),
        ).encode()
        return body, self.sign(body)


PROVIDERS: dict[str, PaymentProvider] = {"sandbox": SandboxProvider()}


def get_provider(name: str) -> PaymentProvider:
    provider = PROVIDERS.get(name)
    if provider is None:
        raise NotFound("Unknown payment provider.")
    return provider
