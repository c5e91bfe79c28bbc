"""Reminders and notices: demo data — reminders in every status with their delivery attempts,
a staff reminder and one batch notice."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flowmember.core import months
from flowmember.core.time import LOCAL_TZ
from flowmember.extensions import db
from flowmember.reminders import services
from flowmember.reminders.models import Reminder, ReminderDelivery, ReminderStatus


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=LOCAL_TZ)


def seed_demo(ctx) -> None:
    """Add this package's demo records (ctx: flowmember.demo.DemoContext)."""
    active = [m for m in ctx.members if m.status.value == "active"]
    if len(active) < 8:
        return
    today = ctx.today
    this_month = months.to_str(months.of(today))
    last_month = months.to_str(months.of(today) - 1)
    sent_at = _at(today - timedelta(days=1), 9)
    plan = [
        # (member, kind, period, status, deliveries [(channel, provider, status, error)])
        (active[0], "checkin_due", this_month, ReminderStatus.queued, []),
        (
            active[1],
            "checkin_missed",
            last_month,
            ReminderStatus.sent,
            [("sms", "file", "sent", None)],
        ),
        (
            active[2],
            "dues_overdue",
            this_month,
            ReminderStatus.sent,
            [("sms", "file", "transient", "HTTP 503 busy"), ("sms", "file", "sent", None)],
        ),
        (
            active[3],
            "checkin_missed",
            last_month,
            ReminderStatus.failed,
            [
                ("sms", "http", "permanent", "HTTP 400 invalid number"),
                ("email", "smtp", "permanent", "recipient refused [550]"),
            ],
        ),
        (
            active[4],
            "checkin_due",
            this_month,
            ReminderStatus.skipped,
            [("-", "-", "skipped", "checked in meanwhile")],
        ),
        (
            active[5],
            "lapse_warning_3",
            last_month,
            ReminderStatus.sent,
            [("sms", "file", "sent", None)],
        ),
    ]
    for member, kind, period, status, attempts in plan:
        reminder = Reminder(
            member_id=member.id,
            kind=kind,
            period=period,
            status=status,
            attempts=sum(1 for a in attempts if a[2] != "skipped"),
            channel_attempts=0,
            channel=attempts[-1][0] if attempts and attempts[-1][0] != "-" else None,
            sent_at=sent_at if status == ReminderStatus.sent else None,
            bounced=status == ReminderStatus.failed,
            last_error=attempts[-1][3] if attempts else None,
            context={"criteria": ["reports"]} if kind.startswith("lapse") else None,
            created_at=sent_at - timedelta(minutes=5),
        )
        db.session.add(reminder)
        db.session.flush()
        for i, (channel, provider, outcome, error) in enumerate(attempts):
            db.session.add(
                ReminderDelivery(
                    reminder_id=reminder.id,
                    channel=channel,
                    provider=provider,
                    status=outcome,
                    error=error,
                    provider_message_id=f"demo-{reminder.id}-{i}" if outcome == "sent" else None,
                    at=sent_at + timedelta(minutes=i),
                )
            )
    secretary = ctx.staff.get("grad1-secretary")
    if secretary is not None:
        branch_members = [m.id for m in active if m.org_id == secretary.org_id][:20]
        notice = services.enqueue_batch(
            secretary,
            member_ids=branch_members or [m.id for m in active[6:10]],
            text="本周六上午9点开展主题党日活动，不能到场的同志请线上参加。",
            channels=["sms", "email"],
        )
        services.enqueue_staff(
            secretary.id,
            "receipt_overdue",
            "transfer-demo",
            {
                "letter_no": "DH-2026-0007",
                "member_name": active[7].name,
                "date": (today - timedelta(days=35)).isoformat(),
                "path": "/transfers",
            },
        )
        ctx.summary.append(
            f"Reminders: {len(plan)} in every status, a notice to {notice.recipients} members."
        )
    db.session.flush()
