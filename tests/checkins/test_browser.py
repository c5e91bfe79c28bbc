"""Headless Chromium on a 360 px phone: a member logs in, grants consent, checks in and sees it
listed; a check-in made offline is kept and sent when the phone is back online."""

import pytest
from sqlalchemy import select

from flowmember.checkins.models import Checkin
from flowmember.extensions import db
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_member_checks_in_from_a_phone(phone_page, make_member, make_member_user, branch):
    member = make_member(
        org=branch, category="migrant", province_code=None, city_code=None, employer="个体经营"
    )
    user = make_member_user(member)
    page = phone_page
    browser_login(page, user, "**/m")
    page.goto("/m/checkin")
    # Nothing sticks out of a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.is_visible("#consent-box")
    assert page.is_hidden("#location-fields")
    page.click("#consent-grant")
    page.wait_for_selector('#province option[value="440000"]', state="attached")
    page.select_option("#province", "440000")
    page.wait_for_selector('#city option[value="440100"]', state="attached")
    page.fill("#report", "x")
    page.click("#checkin-submit")  # a province without its city is not sent
    assert page.inner_text('.field-error[data-field="location"]')
    page.select_option("#city", "440100")
    page.wait_for_selector('#district option[value="440106"]', state="attached")
    page.select_option("#district", "440106")
    page.fill("#report", "在广州天河工作，按时参加线上学习。")
    page.click("#checkin-submit")
    page.wait_for_selector('#checkin-status[data-kind="success"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#my-checkins-link")
    item = page.locator(".checkin-item").first
    assert "在广州天河工作" in item.inner_text()
    assert "广州市" in item.inner_text()
    db.session.expire_all()
    row = db.session.scalars(select(Checkin)).one()
    assert (row.city_code, row.district_code) == ("440100", "440106")


def test_offline_checkin_is_sent_when_back_online(
    phone_page, make_member, make_member_user, branch
):
    member = make_member(org=branch, category="graduate")
    user = make_member_user(member)
    page = phone_page
    browser_login(page, user, "**/m")
    page.goto("/m/checkin")
    page.fill("#report", "地铁里没有信号，先存着。")
    page.context.set_offline(True)
    page.click("#checkin-submit")
    page.wait_for_selector('#checkin-status[data-kind="warn"]')
    assert page.evaluate("localStorage.getItem('flowmember.checkin.pending')") is not None
    db.session.expire_all()
    assert db.session.scalars(select(Checkin)).first() is None
    page.context.set_offline(False)
    page.wait_for_selector('#checkin-status[data-kind="success"]')
    assert page.evaluate("localStorage.getItem('flowmember.checkin.pending')") is None
    db.session.expire_all()
    row = db.session.scalars(select(Checkin)).one()
    assert row.report == "地铁里没有信号，先存着。"
    assert row.client_uuid is not None
