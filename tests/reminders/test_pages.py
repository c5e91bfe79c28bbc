"""Pages: /reminders (staff), /jobs (admin), /m/reminders (member)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flowmember.extensions import db
from flowmember.reminders import services
from flowmember.reminders.dispatch import dispatch
from flowmember.reminders.models import Notice, ReminderPreference
from tests.conftest import browser_login, csrf_token, login


@pytest.fixture
def branch_world(make_org, make_user, make_member):
    committee = make_org("committee")
    branch = make_org("branch", parent=committee)
    return {
        "branch": branch,
        "admin": make_user("admin", committee),
        "secretary": make_user("secretary", branch),
        "member": make_member(org=branch, category="migrant", name="Member On The Road"),
    }


def test_staff_page_shows_delivery_status_and_attempts(client, branch_world, outbox, freeze):
    freeze("2026-11-21T12:00:00+08:00")
    services.enqueue(branch_world["member"].id, "checkin_due", "2026-11")
    db.session.commit()
    dispatch()
    login(client, branch_world["secretary"])
    html = client.get("/reminders?lang=en").get_data(as_text=True)
    assert "Member On The Road" in html
    assert "Check-in due" in html and "2026-11" in html
    assert 'badge-ok">Sent' in html
    assert (
        client.get("/reminders?status=failed&lang=en")
        .get_data(as_text=True)
        .count("Member On The Road")
        == 0
    )


def test_staff_send_a_notice_from_the_page(client, branch_world):
    login(client, branch_world["secretary"])
    token = csrf_token(client, "/reminders")
    response = client.post(
        "/reminders/notices",
        data={
            "csrf_token": token,
            "org_id": branch_world["branch"].id,
            "category": "migrant",
            "text": "Theme day on Saturday",
            "channels": ["sms"],
        },
    )
    assert response.status_code == 302
    notice = db.session.scalar(select(Notice))
    assert notice.recipients == 1 and notice.channels == ["sms"]
    html = client.get("/reminders?lang=en").get_data(as_text=True)
    assert "Theme day on Saturday" in html
    batch = client.get(f"/reminders?notice_id={notice.id}&lang=en").get_data(as_text=True)
    assert "1 reminders" in batch and "Member On The Road" in batch


def test_notice_post_without_csrf_is_refused(client, branch_world):
    login(client, branch_world["secretary"])
    response = client.post(
        "/reminders/notices", data={"org_id": branch_world["branch"].id, "text": "x"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(Notice)) is None


def test_jobs_page_is_for_admins(client, branch_world, freeze):
    from jobs.runner import run_job

    freeze("2026-11-21T09:00:05+08:00")
    run_job("checkin_reminders")
    login(client, branch_world["admin"])
    html = client.get("/jobs?lang=en").get_data(as_text=True)
    assert 'data-job="checkin_reminders"' in html and 'data-job="reminder_dispatch"' in html
    assert "checkin_due: 1" in html
    assert "Overdue" in html  # jobs that never ran
    client.post("/logout", data={"csrf_token": csrf_token(client, "/jobs")})
    login(client, branch_world["secretary"])
    assert client.get("/jobs").status_code == 403


def test_member_page_lists_own_reminders_and_saves_channel_order(
    client, branch_world, make_member_user, outbox, freeze
):
    freeze("2026-11-21T12:00:00+08:00")
    member = branch_world["member"]
    services.enqueue(member.id, "checkin_due", "2026-11")
    services.enqueue_batch(branch_world["secretary"], member_ids=[member.id], text="Bring your ID")
    db.session.commit()
    dispatch()
    login(client, make_member_user(member))
    html = client.get("/m/reminders?lang=en").get_data(as_text=True)
    assert "Check-in due" in html and "Bring your ID" in html and "Sent by SMS" in html

    token = csrf_token(client, "/m/reminders")
    response = client.post(
        "/m/reminders", data={"csrf_token": token, "channels": ["email", "sms", ""]}
    )
    assert response.status_code == 302
    pref = db.session.scalar(select(ReminderPreference))
    assert pref.member_id == member.id and pref.channels == ["email", "sms"]


@pytest.mark.browser
def test_recipient_preview_on_the_staff_page(desktop_page, branch_world, make_member):
    make_member(org=branch_world["branch"], category="graduate")
    page = desktop_page
    browser_login(page, branch_world["secretary"], "**/dashboard", path="/login?lang=en")
    page.goto("/reminders?lang=en")
    page.click("#notice-preview-button")
    page.wait_for_selector("#notice-preview:has-text('2')")
    page.select_option("select[name=category]", "migrant")
    page.click("#notice-preview-button")
    page.wait_for_selector("#notice-preview:has-text('reach 1 members')")


@pytest.mark.browser
def test_member_reminders_fit_a_phone(phone_page, branch_world, make_member_user):
    services.enqueue(branch_world["member"].id, "checkin_due", "2026-11")
    db.session.commit()
    page = phone_page
    browser_login(page, make_member_user(branch_world["member"]), "**/m")
    page.goto("/m/reminders")
    assert page.locator(".reminder-item").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
