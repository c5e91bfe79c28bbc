"""What every delivery channel shares: the message, the result, the ``Channel`` interface
(``send(message) -> DeliveryResult``) and the staff inbox. The channel modules import this
module, never the package: the package (:func:`flowmember.reminders.channels.get_channel`) is
the registry that imports them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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
