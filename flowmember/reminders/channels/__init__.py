"""Delivery channels behind one interface: ``Channel.send(message) -> DeliveryResult``.

Email goes over SMTP; SMS and WeChat go through a provider chosen by configuration, with
development/sandbox providers that behave like the real ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app


@dataclass(frozen=True)
class Message:
    reminder_id: int
    kind: str
    subject: str
    body: str
    short: str
    link: str
    name: str
    phone: str | None = None
    email: str | None = None
    wechat_openid: str | None = None
    locale: str = "zh_CN"
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    transient: bool = False
    provider_message_id: str | None = None
    error: str | None = None
    provider: str = ""

    @classmethod
    def sent(cls, provider: str, message_id: str | None = None) -> DeliveryResult:
        return cls(True, provider=provider, provider_message_id=message_id)

    @classmethod
    def retry(cls, provider: str, error: str) -> DeliveryResult:
        return cls(False, transient=True, provider=provider, error=error)

    @classmethod
    def refused(cls, provider: str, error: str) -> DeliveryResult:
        return cls(False, transient=False, provider=provider, error=error)


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> DeliveryResult: ...


class InboxChannel:
    """Staff reminders: stored and shown on the staff reminders page; always delivered."""

    name = "inbox"

    def send(self, message: Message) -> DeliveryResult:
        return DeliveryResult.sent("inbox", f"inbox-{message.reminder_id}")


def get_channel(name: str) -> Channel:
    """The configured channel implementation for ``sms``, ``email``, ``wechat`` or ``inbox``."""
    cfg = current_app.config
    if name == "email":
        from flowmember.reminders.channels.email import EmailChannel

        return EmailChannel.from_config(cfg)
    if name == "sms":
        from flowmember.reminders.channels.sms import SmsChannel, sms_provider

        return SmsChannel(sms_provider(cfg))
    if name == "wechat":
        from flowmember.reminders.channels.wechat import WeChatChannel, wechat_provider

        return WeChatChannel(wechat_provider(cfg))
    if name == "inbox":
        return InboxChannel()
    raise ValueError(f"unknown channel {name!r}")
