"""Email reaches a real local SMTP server (aiosmtpd) with the subject in the member's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from flowmember.extensions import db
from flowmember.reminders import services
from flowmember.reminders.dispatch import dispatch

ZH_SUBJECT = "请于月底前完成2026-11月度报到"


@pytest.fixture
def emailed_member(app, make_member, make_member_user, freeze):
    freeze("2026-11-21T12:00:00+08:00")

    def make(locale: str | None):
        member = make_member(
            category="graduate", email=f"m{locale}@example.org", name="Member Abroad"
        )
        services.set_preferences(member.id, channels=["email"])
        if locale is not None:
            login = make_member_user(member)
            login.locale = locale
        services.enqueue(member.id, "checkin_due", "2026-11")
        db.session.commit()
        return member

    return make


def test_email_in_english_reaches_the_smtp_server(emailed_member, smtp_server, settings):
    settings(PUBLIC_BASE_URL="https://fm.example.org")
    member = emailed_member("en")

    assert dispatch()["sent"] == 1

    ((rcpt, mail),) = smtp_server.messages
    assert rcpt == [member.email]
    assert mail["Subject"] == "Monthly check-in due for 2026-11"
    body = mail.get_content()
    assert "Dear Member Abroad," in body
    assert "https://fm.example.org/m/checkin" in body
    assert mail["X-FlowMember-Reminder"]


def _zh_catalog_has(msgid: str) -> bool:
    with force_locale("zh_CN"):
        return _(msgid) != msgid


def test_email_in_chinese_by_default(emailed_member, smtp_server):
    if not _zh_catalog_has("Monthly check-in due for %(month)s"):
        pytest.skip("the zh_CN catalog does not have the reminders messages merged yet")
    emailed_member(None)  # no login language: zh_CN

    assert dispatch()["sent"] == 1

    ((_rcpt, mail),) = smtp_server.messages
    assert mail["Subject"] == ZH_SUBJECT


def test_smtp_server_down_is_transient(emailed_member, settings):
    from tests.reminders.conftest import free_port

    settings(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    emailed_member("en")
    assert dispatch()["retry"] == 1


def test_smtp_recipient_refused_is_permanent(emailed_member, smtp_server, settings):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 mailbox unavailable"

    smtp_server.handle_RCPT = refuse
    emailed_member("en")
    assert dispatch()["failed"] == 1
