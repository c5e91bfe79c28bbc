"""Dispatch: send queued reminders, each at most once.

A dispatcher claims rows with one conditional UPDATE (``status = 'queued'`` -> ``'sending'``;
on PostgreSQL the candidate rows are picked ``FOR UPDATE SKIP LOCKED``), commits the claim, then
sends each row along the recipient's channel order and records every attempt. Two dispatchers
(or two scheduler processes) never claim the same row. Transient failures are retried with
exponential backoff; permanent ones (bounce, refused) fall back to the next channel; SMS waits
out the quiet hours (22:00-08:00 Asia/Shanghai).

The dispatcher is the one place below the request/command/job boundary
(:mod:`flowmember.core.transaction`) that commits, and it does so only through :func:`settle`:
after each claim and after each send, so that a message that left is never sent again. Nothing
else in the reminders package commits or rolls back."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from flowmember.core.time import now_utc
from flowmember.extensions import db
from flowmember.reminders import rules
from flowmember.reminders.channels import get_channel
from flowmember.reminders.channels.base import Message
from flowmember.reminders.messages import Skip, recipient_for, recipients_for, render
from flowmember.reminders.models import Reminder, ReminderDelivery, ReminderStatus

log = logging.getLogger(__name__)

#: A row left in 'sending' this long (the dispatcher died) is queued again. The SMS gateway
#: receives the reminder id as its idempotency ``ref``, so a resend is not delivered twice.
STALE_CLAIM = timedelta(minutes=30)


def settle() -> None:
    """Commit what the dispatcher has done so far, on purpose and only here.

    The dispatcher commits once per claim and once per send, not once per job run: a claim must
    be visible to the other dispatchers before anything is sent, and a send's outcome (sent,
    retry, failed ...) must be stored before the next message goes out, so that a message that
    left is never sent again, even if the process dies halfway through a batch."""
    db.session.commit()


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(limit: int = 200, *, now: datetime | None = None, worker: str | None = None) -> list[int]:
    """Claim up to ``limit`` due reminders for this worker (committed: :func:`settle`); returns
    their ids."""
    now = now or now_utc()
    worker = worker or worker_id()
    db.session.execute(
        update(Reminder)
        .where(Reminder.status == ReminderStatus.sending, Reminder.claimed_at < now - STALE_CLAIM)
        .values(status=ReminderStatus.queued)
    )
    due = (
        select(Reminder.id)
        .where(
            Reminder.status == ReminderStatus.queued,
            or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now),
        )
        .order_by(Reminder.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)  # rows another dispatcher holds are skipped
    candidates = list(db.session.scalars(due))
    if not candidates:
        settle()
        return []
    stmt = (
        update(Reminder)
        .where(Reminder.id.in_(candidates), Reminder.status == ReminderStatus.queued)
        .values(status=ReminderStatus.sending, claimed_by=worker, claimed_at=now)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(db.session.scalars(stmt).all())
    settle()
    return ids


def _message(reminder: Reminder, recipient, rendered) -> Message:
    return Message(
        reminder_id=reminder.id,
        kind=reminder.kind.value,
        subject=rendered.subject,
        body=rendered.body,
        short=rendered.short,
        link=rendered.link,
        name=recipient.name,
        phone=recipient.phone,
        email=recipient.email,
        wechat_openid=recipient.wechat_openid,
        locale=rendered.locale,
    )


def _record(reminder, channel, provider, status, *, error=None, message_id=None, at=None):
    db.session.add(
        ReminderDelivery(
            reminder_id=reminder.id,
            channel=channel,
            provider=provider,
            status=status,
            error=error,
            provider_message_id=message_id,
            at=at or now_utc(),
        )
    )


def deliver(reminder: Reminder, *, now: datetime | None = None, recipient=None) -> str:
    """Try to deliver one claimed reminder; returns sent | retry | deferred | failed | skipped.
    The caller commits (:func:`dispatch` through :func:`settle`)."""
    now = now or now_utc()
    try:
        if isinstance(recipient, Skip):
            raise recipient
        recipient = recipient or recipient_for(reminder)
        rendered = render(reminder, recipient)
    except Skip as exc:
        reminder.status = ReminderStatus.skipped
        reminder.last_error = str(exc)
        _record(reminder, reminder.channel or "-", "-", "skipped", error=str(exc), at=now)
        return "skipped"
    if recipient.is_staff:
        order = ["inbox"]
    else:
        order = rules.channel_order(
            reminder.channels or recipient.channels,
            phone=bool(recipient.phone),
            email=bool(recipient.email),
            wechat=bool(recipient.wechat_openid),
        )
    if reminder.channel in order:
        order = order[order.index(reminder.channel) :]
    else:
        reminder.channel_attempts = 0
    if not order:
        reminder.status = ReminderStatus.failed
        reminder.last_error = "no channel reaches the recipient"
        return "failed"
    message = _message(reminder, recipient, rendered)
    for name in order:
        if name != reminder.channel:
            reminder.channel, reminder.channel_attempts = name, 0
        if name == "sms" and rules.in_quiet_hours(now):
            reminder.status = ReminderStatus.queued
            reminder.next_attempt_at = rules.quiet_hours_end(now)
            _record(reminder, name, "-", "deferred", error="quiet hours", at=now)
            return "deferred"
        result = get_channel(name).send(message)
        reminder.attempts += 1
        reminder.channel_attempts += 1
        if result.ok:
            _record(
                reminder,
                name,
                result.provider,
                "sent",
                message_id=result.provider_message_id,
                at=now,
            )
            reminder.status = ReminderStatus.sent
            reminder.sent_at = now
            reminder.next_attempt_at = None
            return "sent"
        reminder.last_error = f"{name}: {result.error}"
        if result.transient and reminder.channel_attempts < rules.MAX_TRIES_PER_CHANNEL:
            _record(reminder, name, result.provider, "transient", error=result.error, at=now)
            reminder.status = ReminderStatus.queued
            reminder.next_attempt_at = now + rules.backoff(reminder.channel_attempts)
            return "retry"
        _record(
            reminder,
            name,
            result.provider,
            "transient" if result.transient else "permanent",
            error=result.error,
            at=now,
        )
        if not result.transient:
            reminder.bounced = True
    reminder.status = ReminderStatus.failed
    reminder.next_attempt_at = None
    return "failed"


def dispatch(*, now: datetime | None = None, limit: int = 200, rounds: int = 50) -> dict:
    """Send every due reminder (up to ``limit * rounds``); returns counts by outcome."""
    counts = {"claimed": 0, "sent": 0, "retry": 0, "deferred": 0, "failed": 0, "skipped": 0}
    worker = worker_id()
    for _ in range(rounds):
        ids = claim(limit, now=now, worker=worker)
        if not ids:
            break
        counts["claimed"] += len(ids)
        # plain rows, not ORM objects: the per-reminder commits would expire them all each time
        batch = db.session.execute(
            select(Reminder.id, Reminder.member_id, Reminder.user_id, Reminder.kind).where(
                Reminder.id.in_(ids)
            )
        ).all()
        recipients = recipients_for(batch)
        for rid in ids:
            reminder = db.session.get(Reminder, rid)
            try:
                # A failed delivery's changes are undone by the savepoint, not by a rollback
                # of the whole session.
                with db.session.begin_nested():
                    outcome = deliver(reminder, now=now, recipient=recipients.get(rid))
            except Exception:
                log.exception("reminder %s could not be delivered", rid)
                reminder = db.session.get(Reminder, rid)
                reminder.status = ReminderStatus.queued
                reminder.attempts += 1
                reminder.next_attempt_at = (now or now_utc()) + rules.backoff(reminder.attempts)
                reminder.last_error = "internal error"
                outcome = "retry"
            settle()
            counts[outcome] += 1
        if len(ids) < limit:
            break
    return counts
