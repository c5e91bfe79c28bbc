"""Dues pages: the member's dues page and sandbox cashier (also on a 360 px phone in Chromium),
and the staff pages (collection, assessment, arrears, payment, reversal, approvals)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from flowmember.core.months import index
from flowmember.dues.models import DuesAssessment, DuesExemption, Payment
from flowmember.extensions import db
from tests.conftest import browser_login, login, page_and_token

from .conftest import NOV, assess, set_base


@pytest.fixture
def owed(books):
    set_base(books["member"], base="4000.00")
    assess(*range(index(2026, 3), NOV + 1))
    return books


def test_member_pays_online_through_the_sandbox_cashier(client, owed, make_member_user):
    login(client, make_member_user(owed["member"]))
    html, token = page_and_token(client, "/m/dues")
    assert "360.00" in html  # owed
    assert "1%" in html  # the rule behind the amount (1% of the base), in any language
    # only the last 6 months are offered online
    assert 'value="2026-05"' in html and 'value="2026-04"' not in html
    response = client.post(
        "/m/dues/pay", data={"csrf_token": token, "months": ["2026-10", "2026-11"]}
    )
    assert response.status_code == 302
    pay_url = response.headers["Location"]
    assert pay_url.startswith("/m/pay/sandbox/")
    html, token = page_and_token(client, pay_url)
    assert "80.00" in html
    response = client.post(pay_url, data={"csrf_token": token, "outcome": "success"})
    assert response.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    assert payment.method.value == "online"
    html, _ = page_and_token(client, "/m/dues")
    assert payment.receipt_no in html


def test_member_pages_are_for_members(client, owed):
    login(client, owed["clerk"])
    assert client.get("/m/dues").status_code == 403


def test_staff_collection_assess_and_arrears(client, owed):
    login(client, owed["clerk"])
    html, token = page_and_token(client, "/dues?month=2026-11")
    assert owed["member"].name in html
    assert "collection.xlsx?month=2026-11" in html
    response = client.post("/dues", data={"csrf_token": token, "month": "2026-12"})
    assert response.status_code == 302
    assert (
        db.session.scalar(
            select(func.count()).select_from(DuesAssessment).where(DuesAssessment.month == NOV + 1)
        )
        == 1
    )
    html, _ = page_and_token(client, "/dues/arrears")
    assert owed["member"].name in html
    assert "400.00" in html  # March to December


def test_staff_record_and_reverse_a_payment(client, owed):
    member = owed["member"]
    login(client, owed["clerk"])
    page = f"/dues/members/{member.id}"
    html, token = page_and_token(client, page)
    assert "2026-11" in html
    response = client.post(
        f"/dues/members/{member.id}/payments",
        data={
            "csrf_token": token,
            "months": ["2026-10", "2026-11"],
            "amount": "80.00",
            "method": "cash",
        },
    )
    assert response.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    html, token = page_and_token(client, page)
    assert payment.receipt_no in html
    # a wrong amount: an error shown, nothing written
    client.post(
        f"/dues/members/{member.id}/payments",
        data={"csrf_token": token, "months": ["2026-09"], "amount": "1.00", "method": "cash"},
    )
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    html, token = page_and_token(client, page)
    client.post(
        f"/dues/payments/{payment.id}/reverse",
        data={"csrf_token": token, "member_id": member.id, "reason": "Wrong member"},
    )
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 2
    db.session.expire_all()
    statuses = {r.status.value for r in db.session.scalars(select(DuesAssessment))}
    assert statuses == {"unpaid"}


def test_exemption_requested_and_approved_on_the_pages(client, owed):
    member = owed["member"]
    login(client, owed["admin"])
    html, token = page_and_token(client, f"/dues/members/{member.id}")
    client.post(
        f"/dues/members/{member.id}/exemptions",
        data={
            "csrf_token": token,
            "from_month": "2026-11",
            "to_month": "2026-12",
            "kind": "exempt",
            "reason": "Long illness",
        },
    )
    exemption = db.session.scalars(select(DuesExemption)).one()
    html, token = page_and_token(client, "/dues/exemptions")
    assert "Long illness" in html
    client.post("/dues/exemptions", data={"csrf_token": token, "id": exemption.id})
    db.session.expire_all()
    assert db.session.get(DuesExemption, exemption.id).status.value == "approved"
    row = db.session.scalars(select(DuesAssessment).where(DuesAssessment.month == NOV)).one()
    assert row.status.value == "exempt"


@pytest.mark.browser
def test_member_pays_on_a_phone(phone_page, owed, make_member_user):
    user = make_member_user(owed["member"])
    page = phone_page
    browser_login(page, user, "**/m/dues", path="/login?next=/m/dues")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator(".dues-owed strong").first.inner_text().endswith("360.00")
    # pay the months offered (the last 6)
    page.click(".dues-pay button[type=submit]")
    page.wait_for_url("**/m/pay/sandbox/**")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("button[value=success]")
    page.wait_for_url("**/m/dues")
    assert page.locator(".dues-owed strong").first.inner_text().endswith("80.00")  # March, April
    assert page.locator(".dues-receipts li").count() == 1
