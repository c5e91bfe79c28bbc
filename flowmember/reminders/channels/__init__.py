"""Delivery channels behind one interface (:mod:`flowmember.reminders.channels.base`):
``Channel.send(message) -> DeliveryResult``.

Email goes over SMTP; SMS and WeChat go through a provider chosen by configuration, with
development/sandbox providers that behave like the real ones. This module is the registry: it
names the channel for each key; the channel modules import only :mod:`.base`."""

from __future__ import annotations

from flask import current_app

from flowmember.reminders.channels.base import Channel, InboxChannel
from flowmember.reminders.channels.email import EmailChannel
from flowmember.reminders.channels.sms import SmsChannel, sms_provider
from flowmember.reminders.channels.wechat import WeChatChannel, wechat_provider


def get_channel(name: str) -> Channel:
    """The configured channel implementation for ``sms``, ``email``, ``wechat`` or ``inbox``."""
    cfg = current_app.config
    if name == "email":
        return EmailChannel.from_config(cfg)
    if name == "sms":
        return SmsChannel(sms_provider(cfg))
    if name == "wechat":
        return WeChatChannel(wechat_provider(cfg))
    if name == "inbox":
        return InboxChannel()
    raise ValueError(f"unknown channel {name!r}")
