"""A staff user logs in through the real login page in headless Chromium."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_staff_login_shows_the_org_tree(desktop_page, make_user, make_org):
    top = make_org("committee", name="东湖市委")
    make_org("branch", parent=top, name="石门村党支部")
    make_user("admin", top, username="city-admin")
    page = desktop_page
    page.goto("/login")
    page.fill("input[name=login]", "city-admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    assert page.locator("h1").inner_text() == "东湖市委"
    assert "石门村党支部" in page.locator(".tree").first.inner_text()
    assert "党支部" in page.locator(".kind-branch").first.inner_text()


def test_wrong_password_stays_on_login(desktop_page, make_user):
    make_user("admin", username="city-admin")
    page = desktop_page
    page.goto("/login")
    page.fill("input[name=login]", "city-admin")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator(".flash-error").inner_text()
