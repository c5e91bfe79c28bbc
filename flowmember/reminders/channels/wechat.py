"""WeChat subscription messages: one provider interface; the official API provider and a sandbox
that answers like it (``FLOWMEMBER_WECHAT_PROVIDER = api | sandbox``; default sandbox).

Error codes as the real API: 0 ok; 43101 the user refused (or used up) the subscription ->
permanent; 45009 / -1 (rate limit, system busy) -> transient; 40003 bad openid -> permanent."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from flask import current_app

from flowmember.reminders.channels.base import DeliveryResult, Message

TRANSIENT_CODES = frozenset({-1, 45009, 45047, 40001, 42001})


class WeChatProvider(Protocol):
    name: str

    def send(self, openid: str, template_id: str, page: str, data: dict) -> dict:
        """Returns the API's JSON reply: ``{"errcode": 0, "errmsg": "ok", "msgid": ...}``."""


class SandboxWeChatProvider:
    """Behaves like the subscribe-message API without the network: openids listed in
    ``WECHAT_SANDBOX_REFUSED`` answer 43101; more than ``WECHAT_SANDBOX_RATE_LIMIT`` messages
    per minute answer 45009; accepted messages are appended to ``instance/outbox/wechat.jsonl``."""

    name = "sandbox"
    _lock = threading.Lock()
    _sent_at: list[float] = []

    def __init__(self, path: str | os.PathLike, refused=(), rate_limit: int = 0):
        self.path = Path(path)
        self.refused = set(refused)
        self.rate_limit = rate_limit

    def send(self, openid: str, template_id: str, page: str, data: dict) -> dict:
        if not openid or not openid.startswith("o"):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if openid in self.refused:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        with self._lock:
            now = time.monotonic()
            recent = [t for t in self._sent_at if now - t < 60]
            if self.rate_limit and len(recent) >= self.rate_limit:
                return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
            recent.append(now)
            type(self)._sent_at = recent
            self.path.parent.mkdir(parents=True, exist_ok=True)
            msgid = int(now * 1000)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(
                    json.dumps(
                        {
                            "touser": openid,
                            "template_id": template_id,
                            "page": page,
                            "data": data,
                            "msgid": msgid,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


class ApiWeChatProvider:
    """The official API: a stable access token from appid/secret, then
    ``message/subscribe/send``. ``WECHAT_API_BASE`` defaults to https://api.weixin.qq.com."""

    name = "api"

    def __init__(self, appid: str, secret: str, base: str = "https://api.weixin.qq.com"):
        self.appid, self.secret, self.base = appid, secret, base.rstrip("/")
        self._token: tuple[str, float] | None = None

    def _post(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return {"errcode": -1, "errmsg": f"{type(exc).__name__}: {exc}"}

    def _access_token(self) -> str | None:
        if self._token and self._token[1] > time.monotonic():
            return self._token[0]
        reply = self._post(
            "/cgi-bin/stable_token",
            {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        token = reply.get("access_token")
        if token:
            self._token = (token, time.monotonic() + int(reply.get("expires_in", 7200)) - 300)
        return token

    def send(self, openid: str, template_id: str, page: str, data: dict) -> dict:
        token = self._access_token()
        if not token:
            return {"errcode": -1, "errmsg": "no access token"}
        return self._post(
            f"/cgi-bin/message/subscribe/send?access_token={token}",
            {"touser": openid, "template_id": template_id, "page": page, "data": data},
        )


def wechat_provider(cfg) -> WeChatProvider:
    if cfg.get("WECHAT_PROVIDER", "sandbox") == "api":
        return ApiWeChatProvider(
            cfg["WECHAT_APPID"],
            cfg["WECHAT_SECRET"],
            cfg.get("WECHAT_API_BASE", "https://api.weixin.qq.com"),
        )
    path = cfg.get("WECHAT_OUTBOX_FILE") or os.path.join(
        current_app.instance_path, "outbox", "wechat.jsonl"
    )
    refused = cfg.get("WECHAT_SANDBOX_REFUSED", ())
    if isinstance(refused, str):
        refused = [r for r in refused.split(",") if r]
    return SandboxWeChatProvider(path, refused, int(cfg.get("WECHAT_SANDBOX_RATE_LIMIT", 0)))


class WeChatChannel:
    name = "wechat"

    def __init__(self, provider: WeChatProvider, template_id: str = "flowmember-reminder"):
        self.provider = provider
        self.template_id = template_id

    def send(self, message: Message) -> DeliveryResult:
        if not message.wechat_openid:
            return DeliveryResult.refused(self.provider.name, "no WeChat subscription")
        data = {
            "thing1": {"value": message.subject[:20]},
            "thing2": {"value": message.short[:20]},
            "name3": {"value": message.name[:10]},
        }
        reply = self.provider.send(message.wechat_openid, self.template_id, message.link, data)
        code = int(reply.get("errcode", -1))
        if code == 0:
            return DeliveryResult.sent(self.provider.name, str(reply.get("msgid", "")))
        error = f"errcode {code}: {reply.get('errmsg', '')}"
        if code in TRANSIENT_CODES:
            return DeliveryResult.retry(self.provider.name, error)
        return DeliveryResult.refused(self.provider.name, error)
