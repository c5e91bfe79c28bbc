"""Reminders and notices: tables.

The outbox: one ``reminders`` row per (member, kind, period) — or (staff user, kind, period) —
unique in the database and written before anything is sent. Dispatch claims queued rows, sends
along the recipient's channel order and records every attempt in ``reminder_deliveries``."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flowmember.accounts.models import User
from flowmember.core.db import JSONType, UTCDateTime, str_enum
from flowmember.core.time import now_utc
from flowmember.extensions import db
from flowmember.members.models import Member


class Kind(enum.StrEnum):
    checkin_due = "checkin_due"
    checkin_missed = "checkin_missed"
    dues_due = "dues_due"
    dues_overdue = "dues_overdue"
    lapse_warning_3 = "lapse_warning_3"
    lapse_warning_5 = "lapse_warning_5"
    letter_expiring = "letter_expiring"  #: to staff
    receipt_overdue = "receipt_overdue"  #: to staff
    activity_notice = "activity_notice"
    notice = "notice"  #: a batch notice written by staff


STAFF_KINDS = frozenset({Kind.letter_expiring, Kind.receipt_overdue})


class ReminderStatus(enum.StrEnum):
    queued = "queued"
    #: Claimed by one dispatcher; reads as ``queued`` in the API.
    sending = "sending"
    sent = "sent"
    failed = "failed"
    #: No longer needed when its turn came (e.g. paid or checked in meanwhile).
    skipped = "skipped"


class Channel(enum.StrEnum):
    sms = "sms"
    email = "email"
    wechat = "wechat"
    #: Staff reminders: shown on the staff reminders page.
    inbox = "inbox"


class Notice(db.Model):
    """A batch notice from staff to a filtered set of members."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    #: Channel order for this batch; None follows each member's preference.
    channels: Mapped[list | None] = mapped_column(JSONType)
    #: The filter the recipients were chosen by (as posted).
    filter: Mapped[dict | None] = mapped_column(JSONType)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)

    @classmethod
    def scope(cls, org_ids):
        return cls.org_id.in_(org_ids)


class Reminder(db.Model):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "period"),
        UniqueConstraint("user_id", "kind", "period"),
        CheckConstraint("member_id IS NOT NULL OR user_id IS NOT NULL", name="has_recipient"),
        Index("ix_reminders_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    #: Staff reminders (letter expiring, receipt overdue) go to a user instead of a member.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, "reminder_kind"))
    #: What the reminder is about: "2026-11" (a month), "notice-12", "transfer-7" ...
    period: Mapped[str] = mapped_column(String(40))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    #: Values for the message (months, amount, title ...), JSON.
    context: Mapped[dict | None] = mapped_column(JSONType)
    #: Channel order for this reminder; None follows the recipient's preference.
    channels: Mapped[list | None] = mapped_column(JSONType)
    #: The channel now being tried, then the one that delivered.
    channel: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[ReminderStatus] = mapped_column(
        str_enum(ReminderStatus, "reminder_status"), default=ReminderStatus.queued
    )
    #: Attempts in total, and on the current channel (reset when falling back).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    channel_attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Not before this time (retry backoff, SMS quiet hours).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    #: A channel refused the address permanently (bounce, wrong number, unsubscribed).
    bounced: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)

    deliveries: Mapped[list[ReminderDelivery]] = relationship(
        back_populates="reminder", order_by="ReminderDelivery.id"
    )

    @classmethod
    def scope(cls, org_ids):
        return or_(
            cls.member_id.in_(select(Member.id).where(Member.scope(org_ids))),
            cls.user_id.in_(select(User.id).where(User.org_id.in_(org_ids))),
        )

    @property
    def public_status(self) -> str:
        return "queued" if self.status == ReminderStatus.sending else self.status.value


class ReminderDelivery(db.Model):
    """One attempt on one channel."""

    __tablename__ = "reminder_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(40))
    #: sent | transient | permanent | deferred
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    reminder: Mapped[Reminder] = relationship(back_populates="deliveries")


class ReminderPreference(db.Model):
    """A member's channel order and WeChat subscription id."""

    __tablename__ = "reminder_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    #: e.g. ["sms", "wechat", "email"]
    channels: Mapped[list] = mapped_column(JSONType)
    wechat_openid: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
