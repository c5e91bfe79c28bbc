"""Fixtures for reminders: a real local SMTP server (aiosmtpd), a local HTTP SMS gateway that
answers like a real one, and an outbox of the SMS and WeChat sent."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def outbox(settings, tmp_path):
    """SMS and WeChat go to files under tmp_path; returns a reader of the sent lines."""
    sms = tmp_path / "sms.jsonl"
    wechat = tmp_path / "wechat.jsonl"
    settings(
        SMS_PROVIDER="file",
        SMS_OUTBOX_FILE=str(sms),
        WECHAT_PROVIDER="sandbox",
        WECHAT_OUTBOX_FILE=str(wechat),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),  # nothing listens: email is a transient failure unless a test
    )

    class Outbox:
        def sms(self) -> list[dict]:
            return _lines(sms)

        def wechat(self) -> list[dict]:
            return _lines(wechat)

    return Outbox()


def _lines(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; ``.messages`` = [(rcpt_tos, EmailMessage)]."""
    from aiosmtpd.controller import Controller

    handler = _Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield handler
    controller.stop()


class SmsGateway:
    """A local HTTP SMS gateway: checks the HMAC signature, remembers refs (a repeated ref is
    answered 409 duplicate) and answers from ``script`` (a list of status codes) if given."""

    def __init__(self, secret: str):
        self.secret = secret
        self.requests: list[dict] = []
        self.delivered: list[dict] = []
        self.script: list[int] = []
        self.refs: set[str] = set()
        self.lock = threading.Lock()


@pytest.fixture
def sms_gateway(settings):
    import hashlib
    import hmac

    gateway = SmsGateway("gateway-secret")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            expected = hmac.new(gateway.secret.encode(), body, hashlib.sha256).hexdigest()
            payload = json.loads(body)
            with gateway.lock:
                gateway.requests.append(payload)
                if not hmac.compare_digest(expected, self.headers.get("X-Signature", "")):
                    code, reply = 401, {"error": "bad signature"}
                elif gateway.script:
                    code = gateway.script.pop(0)
                    reply = {"error": "scripted"}
                elif payload["ref"] in gateway.refs:
                    code, reply = 409, {"error": "duplicate", "message_id": payload["ref"]}
                else:
                    code, reply = 200, {"message_id": f"gw-{len(gateway.refs) + 1}"}
                if code == 200:
                    gateway.refs.add(payload["ref"])
                    gateway.delivered.append(payload)
            raw = json.dumps(reply).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings(
        SMS_PROVIDER="http",
        SMS_GATEWAY_URL=f"http://127.0.0.1:{server.server_port}/send",
        SMS_GATEWAY_SECRET=gateway.secret,
    )
    yield gateway
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
