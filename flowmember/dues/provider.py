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
from typing import Protocol

from flask import current_app

from flowmember.core.errors import AuthenticationError

#: Development default for FLOWMEMBER_SANDBOX_PAY_SECRET. Set your own in production.
DEV_SANDBOX_SECRET = "flowmember-sandbox-dev-secret"
SIGNATURE_HEADER = "X-Signature"


class PaymentProvider(Protocol):
    name: str

    def pay_url(self, order_id: str) -> str: ...

    def verify(self, raw_body: bytes, signature: str | None) -> dict: ...


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

    def verify(self, raw_body: bytes, signature: str | None) -> dict:
        """The callback's JSON body, once the signature is checked (401 otherwise)."""
        if not signature or not hmac.compare_digest(self.sign(raw_body), signature.strip()):
            raise AuthenticationError("Bad callback signature.")
        try:
            data = json.loads(raw_body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            from flowmember.core.errors import FlowMemberError

            raise FlowMemberError("The callback body is not a JSON object.")
        return data

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
    from flowmember.core.errors import NotFound

    provider = PROVIDERS.get(name)
    if provider is None:
        raise NotFound("Unknown payment provider.")
    return provider
