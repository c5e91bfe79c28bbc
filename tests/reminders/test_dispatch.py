"""The outbox and dispatch: each (member, kind, period) is sent at most once; transient
failures are retried with backoff, permanent ones fall back along the channel order; SMS waits
out the quiet hours."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from flowmember.core.time import LOCAL_TZ
from flowmember.extensions import db
from flowmember.reminders import services
from flowmember.reminders.dispatch import dispatch
from flowmember.reminders.models import Reminder, ReminderDelivery


def reminder(member_id: int, kind: str = "notice", period: str = "p1") -> Reminder:
    return db.session.scalar(
        select(Reminder).where(
            Reminder.member_id == member_id, Reminder.kind == kind, Reminder.period == period
        )
    )


def deliveries(r: Reminder) -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(ReminderDelivery)
        .where(ReminderDelivery.reminder_id == r.id)
        .order_by(ReminderDelivery.id)
    )
    return [(d.channel, d.status) for d in rows]


@pytest.fixture
def noon(freeze):
    return freeze("2026-11-21T12:00:00+08:00")


def test_enqueue_is_unique_per_member_kind_period(app, make_member):
    member = make_member()
    assert services.enqueue(member.id, "checkin_due", "2026-11") is True
    assert services.enqueue(member.id, "checkin_due", "2026-11") is False
    assert services.enqueue(member.id, "checkin_due", "2026-12") is True
    assert services.enqueue(member.id, "checkin_missed", "2026-11") is True
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 3


def test_enqueue_rejects_unknown_kind(app, make_member):
    with pytest.raises(ValueError):
        services.enqueue(make_member().id, "birthday", "2026-11")


def test_dispatch_twice_sends_each_reminder_once(app, make_member, outbox, noon):
    members = [make_member(category="migrant") for _ in range(3)]
    for m in members:
        services.enqueue(m.id, "checkin_due", "2026-11")
        services.enqueue(m.id, "checkin_due", "2026-11")  # a second scheduler's enqueue
    db.session.commit()

    first = dispatch()
    second = dispatch()

    assert first["sent"] == 3 and first["claimed"] == 3
    assert second["claimed"] == 0 and second["sent"] == 0
    sent_to = sorted(line["to"] for line in outbox.sms())
    assert sent_to == sorted(m.phone for m in members)
    for m in members:
        r = reminder(m.id, "checkin_due", "2026-11")
        assert r.status == "sent" and r.channel == "sms" and r.attempts == 1
        assert deliveries(r) == [("sms", "sent")]


def test_message_shows_name_month_and_link(app, make_member, outbox, noon, settings):
    settings(PUBLIC_BASE_URL="https://flowmember.example.org")
    m = make_member(category="graduate")
    services.enqueue(m.id, "checkin_due", "2026-11")
    db.session.commit()
    dispatch()
    (line,) = outbox.sms()
    assert m.name in line["text"]
    assert "2026-11" in line["text"]
    assert "https://flowmember.example.org/m/checkin" in line["text"]
    assert line["ref"] == f"reminder-{reminder(m.id, 'checkin_due', '2026-11').id}"


def test_reminder_no_longer_needed_is_skipped(app, make_member, outbox, noon):
    from flowmember.core import months

    m = make_member(category="migrant")
    services.enqueue(m.id, "checkin_due", "2026-11")
    db.session.commit()
    m.last_checkin_month = months.index(2026, 11)  # checked in before the dispatch ran
    db.session.commit()
    assert dispatch()["skipped"] == 1
    assert reminder(m.id, "checkin_due", "2026-11").status == "skipped"
    assert outbox.sms() == []


@pytest.mark.parametrize(
    ("clock", "sent"),
    [
        ("2026-11-21T21:59:00+08:00", True),
        ("2026-11-21T22:00:00+08:00", False),
        ("2026-11-22T03:00:00+08:00", False),
        ("2026-11-22T07:59:59+08:00", False),
        ("2026-11-22T08:00:00+08:00", True),
    ],
)
def test_sms_quiet_hours_with_a_frozen_clock(app, make_member, outbox, freeze, clock, sent):
    freeze(clock)
    m = make_member()
    services.enqueue(m.id, "notice", "p1", {"text": "Meeting on Sunday"})
    db.session.commit()

    counts = dispatch()

    r = reminder(m.id)
    if sent:
        assert counts["sent"] == 1 and r.status == "sent"
        assert len(outbox.sms()) == 1
    else:
        # deferred to 08:00 Asia/Shanghai, not skipped and not sent by another channel
        assert counts["deferred"] == 1 and r.status == "queued"
        assert outbox.sms() == []
        wake = r.next_attempt_at.astimezone(LOCAL_TZ)
        assert (wake.hour, wake.minute) == (8, 0)
        assert deliveries(r) == [("sms", "deferred")]
        # nothing more happens before 08:00 ...
        freeze(wake - timedelta(seconds=1))
        assert dispatch()["claimed"] == 0
        # ... and at 08:00 it goes out, once
        freeze(wake)
        assert dispatch()["sent"] == 1
        assert len(outbox.sms()) == 1


def test_transient_failures_are_retried_with_backoff(app, make_member, sms_gateway, noon):
    m = make_member()
    services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    sms_gateway.script = [500, 503]

    assert dispatch()["retry"] == 1
    r = reminder(m.id)
    assert r.status == "queued" and r.next_attempt_at == noon.now + timedelta(minutes=1)

    assert dispatch()["claimed"] == 0  # not before the backoff has passed
    noon.tick(minutes=1)
    assert dispatch()["retry"] == 1
    r = reminder(m.id)
    assert r.next_attempt_at == noon.now + timedelta(minutes=2)

    noon.tick(minutes=2)
    assert dispatch()["sent"] == 1
    r = reminder(m.id)
    assert r.status == "sent" and r.attempts == 3 and not r.bounced
    assert deliveries(r) == [("sms", "transient"), ("sms", "transient"), ("sms", "sent")]
    assert len(sms_gateway.delivered) == 1


def test_gateway_duplicate_counts_as_sent_never_twice(app, make_member, sms_gateway, noon):
    m = make_member()
    services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    r = reminder(m.id)
    sms_gateway.refs.add(f"reminder-{r.id}")  # the gateway already delivered this ref
    assert dispatch()["sent"] == 1
    assert sms_gateway.delivered == []
    assert reminder(m.id).status == "sent"


def test_permanent_failure_falls_back_to_the_next_channel(
    app, make_member, sms_gateway, smtp_server, noon
):
    m = make_member(email="member@example.org")
    services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    sms_gateway.script = [400]  # invalid number

    assert dispatch()["sent"] == 1

    r = reminder(m.id)
    assert r.status == "sent" and r.channel == "email" and r.bounced is True
    assert deliveries(r) == [("sms", "permanent"), ("email", "sent")]
    ((rcpt, mail),) = smtp_server.messages
    assert rcpt == ["member@example.org"]


def test_transient_failures_exhausted_fall_back(app, make_member, sms_gateway, smtp_server, noon):
    m = make_member(email="member@example.org")
    services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    sms_gateway.script = [500, 500, 500]
    for minutes in (0, 1, 2):
        noon.tick(minutes=minutes)
        dispatch()
    r = reminder(m.id)
    assert r.status == "sent" and r.channel == "email" and r.bounced is False
    assert deliveries(r) == [("sms", "transient")] * 3 + [("email", "sent")]


def test_every_channel_failing_marks_failed_and_bounced(app, make_member, sms_gateway, noon):
    m = make_member(email=None)
    services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    sms_gateway.script = [400]

    assert dispatch()["failed"] == 1
    r = reminder(m.id)
    assert r.status == "failed" and r.bounced is True and "HTTP 400" in r.last_error
    # the lost-contact sweep sees the failure
    since = noon.now - timedelta(days=90)
    failures = dict(db.session.execute(services.delivery_failures(since)).all())
    assert failures == {m.id: 1}


def test_member_channel_order_and_wechat_sandbox(app, make_member, outbox, noon, settings):
    refused = make_member()
    willing = make_member()
    services.set_preferences(refused.id, channels=["wechat", "sms"], wechat_openid="oRefused1")
    services.set_preferences(willing.id, channels=["wechat", "sms"], wechat_openid="oWilling1")
    settings(WECHAT_SANDBOX_REFUSED="oRefused1")
    for m in (refused, willing):
        services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()

    assert dispatch()["sent"] == 2

    assert deliveries(reminder(willing.id)) == [("wechat", "sent")]
    assert deliveries(reminder(refused.id)) == [("wechat", "permanent"), ("sms", "sent")]
    assert "43101" in reminder(refused.id).last_error
    assert [w["touser"] for w in outbox.wechat()] == ["oWilling1"]
    assert [s["to"] for s in outbox.sms()] == [refused.phone]


def test_wechat_rate_limit_is_transient(app, make_member, outbox, noon, settings):
    from flowmember.reminders.channels.wechat import SandboxWeChatProvider

    SandboxWeChatProvider._sent_at = []  # the sandbox's per-minute window, shared like an API's
    settings(WECHAT_SANDBOX_RATE_LIMIT=1)
    members = [make_member() for _ in range(2)]
    for m in members:
        services.set_preferences(m.id, channels=["wechat"], wechat_openid=f"oUser{m.id}")
        services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    counts = dispatch()
    SandboxWeChatProvider._sent_at = []
    assert counts["sent"] == 1 and counts["retry"] == 1
    second = reminder(members[1].id)
    assert second.status == "queued" and "45009" in second.last_error


def test_staff_reminder_goes_to_the_inbox(app, make_user, outbox, noon):
    user = make_user("secretary")
    assert (
        services.enqueue_staff(
            user.id,
            "receipt_overdue",
            "transfer-1",
            {
                "letter_no": "L-2026-001",
                "member_name": "A member",
                "date": "2026-10-01",
            },
        )
        is True
    )
    assert services.enqueue_staff(user.id, "receipt_overdue", "transfer-1") is False
    db.session.commit()
    assert dispatch()["sent"] == 1
    r = db.session.scalar(select(Reminder).where(Reminder.user_id == user.id))
    assert r.status == "sent" and r.channel == "inbox"
    assert outbox.sms() == []


def test_two_dispatchers_claim_disjoint_rows(app, make_member, outbox, noon):
    from flowmember.reminders.dispatch import claim

    members = [make_member() for _ in range(4)]
    for m in members:
        services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    a = claim(2, worker="a")
    b = claim(10, worker="b")
    assert len(a) == 2 and len(b) == 2 and not set(a) & set(b)
    assert claim(10, worker="c") == []


def test_a_claim_abandoned_by_a_dead_dispatcher_is_taken_again(app, make_member, outbox, noon):
    from flowmember.reminders.dispatch import claim

    m = make_member()
    services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    assert len(claim(10, worker="dead")) == 1
    noon.tick(minutes=29)
    assert claim(10, worker="b") == []
    noon.tick(minutes=2)
    assert dispatch()["sent"] == 1


def test_quiet_hours_do_not_apply_to_email(app, make_member, smtp_server, freeze, settings):
    freeze(datetime(2026, 11, 21, 23, 0, tzinfo=LOCAL_TZ))
    m = make_member(email="night@example.org")
    services.set_preferences(m.id, channels=["email", "sms"])
    services.enqueue(m.id, "notice", "p1", {"text": "hello"})
    db.session.commit()
    assert dispatch()["sent"] == 1
    assert len(smtp_server.messages) == 1
