"""SMS: one provider interface; an HTTP gateway for production, a file/console provider for
development (``FLOWMEMBER_SMS_PROVIDER = http | file | console``; default file)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from flask import current_app

from flowmember.reminders.channels.base import DeliveryResult, Message

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Signature"


class SmsProvider(Protocol):
    name: str

    def send(self, phone: str, text: str, ref: str) -> DeliveryResult: ...


class HttpSmsGateway:
    """POSTs ``{"to", "text", "ref"}`` as JSON with ``X-Signature`` = hex HMAC-SHA256 of the raw
    body. 2xx: sent (``message_id`` in the reply); 409: the gateway already has this ``ref``
    (sent before: counted as sent, never twice); 429 / 5xx / network errors: transient; other
    4xx: permanent (bad number, blocked)."""

    name = "http"

    def __init__(self, url: str, secret: str, timeout: float = 10):
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, phone: str, text: str, ref: str) -> DeliveryResult:
        body = json.dumps({"to": phone, "text": text, "ref": ref}, ensure_ascii=False).encode()
        signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                reply = _json(response.read())
                return DeliveryResult.sent(self.name, str(reply.get("message_id") or "") or None)
        except urllib.error.HTTPError as exc:
            reply = _json(exc.read())
            error = f"HTTP {exc.code} {reply.get('error') or exc.reason}"
            if exc.code == 409:
                return DeliveryResult.sent(self.name, str(reply.get("message_id") or "") or None)
            if exc.code == 429 or exc.code >= 500:
                return DeliveryResult.retry(self.name, error)
            return DeliveryResult.refused(self.name, error)
        except (urllib.error.URLError, OSError) as exc:
            return DeliveryResult.retry(self.name, f"{type(exc).__name__}: {exc}")


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


_file_lock = threading.Lock()


class FileSmsProvider:
    """Development: appends one JSON line per message to a file (default
    ``instance/outbox/sms.jsonl``)."""

    name = "file"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def send(self, phone: str, text: str, ref: str) -> DeliveryResult:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": phone, "text": text, "ref": ref}, ensure_ascii=False)
        with _file_lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return DeliveryResult.sent(self.name, f"file-{ref}")


class ConsoleSmsProvider:
    """Development: logs the message."""

    name = "console"

    def send(self, phone: str, text: str, ref: str) -> DeliveryResult:
        log.info("SMS to %s (%s): %s", phone, ref, text)
        return DeliveryResult.sent(self.name, f"console-{ref}")


def sms_provider(cfg) -> SmsProvider:
    kind = cfg.get("SMS_PROVIDER", "file")
    if kind == "http":
        return HttpSmsGateway(
            cfg["SMS_GATEWAY_URL"],
            cfg.get("SMS_GATEWAY_SECRET", ""),
            float(cfg.get("SMS_GATEWAY_TIMEOUT", 10)),
        )
    if kind == "console":
        return ConsoleSmsProvider()
    path = cfg.get("SMS_OUTBOX_FILE") or os.path.join(
        current_app.instance_path, "outbox", "sms.jsonl"
    )
    return FileSmsProvider(path)


class SmsChannel:
    name = "sms"

    def __init__(self, provider: SmsProvider):
        self.provider = provider

    def send(self, message: Message) -> DeliveryResult:
        if not message.phone:
            return DeliveryResult.refused(self.provider.name, "no phone number")
        return self.provider.send(message.phone, message.short, f"reminder-{message.reminder_id}")
