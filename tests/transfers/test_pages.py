"""Transfer pages: staff lists and actions, the printed letter in headless Chromium, the member's
letters on a phone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.transfers.models import Transfer
from tests.conftest import browser_login, csrf_token, login


@pytest.fixture(autouse=True)
def _today(freeze):
    freeze("2026-11-01")
    return freeze


def test_staff_flow_through_the_pages(client, world):
    login(client, world.sec_a1)
    token = csrf_token(client, "/transfers/new")
    response = client.post(
        "/transfers/new",
        data={
            "csrf_token": token,
            "member_id": world.member.id,
            "to_org_id": world.a2.id,
            "reason_kind": "work_move",
            "reason": "Works in the town",
            "validity_days": "30",
        },
    )
    assert response.status_code == 302
    t = db.session.scalars(select(Transfer)).one()
    detail = client.get(f"/transfers/{t.id}").get_data(as_text=True)
    assert "action-approve" in detail and "action-cancel" in detail
    response = client.post(f"/transfers/{t.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert t.status.value == "issued"
    listed = client.get("/transfers?tab=out").get_data(as_text=True)
    assert "DH-2026-0001" in listed and "Member Alpha" in listed
    detail = client.get(f"/transfers/{t.id}").get_data(as_text=True)
    assert "action-cancel" in detail and "action-archive-handover" in detail
    assert "action-return" not in detail  # the receiving org returns a letter
    assert f"/transfers/{t.id}/letter" in detail
    # without the CSRF token nothing happens
    assert client.post(f"/transfers/{t.id}/cancel", data={}).status_code == 400
    db.session.expire_all()
    assert t.status.value == "issued"


def test_new_transfer_form_shows_bad_validity(client, world):
    login(client, world.sec_a1)
    token = csrf_token(client, "/transfers/new")
    response = client.post(
        "/transfers/new",
        data={
            "csrf_token": token,
            "member_id": world.member.id,
            "to_org_id": world.a2.id,
            "reason": "Moves",
            "validity_days": "91",
        },
    )
    assert response.status_code == 422
    assert "validity_days" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


def test_overdue_tab(client, api, start, world, _today):
    t = start(to=world.a2)
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    _today("2026-12-02")
    login(client, world.sec_a1)
    assert "DH-2026-0001" in client.get("/transfers?tab=overdue").get_data(as_text=True)
    _today("2026-12-01")
    assert "DH-2026-0001" not in client.get("/transfers?tab=overdue").get_data(as_text=True)


def test_other_branch_gets_404_page(client, api, start, world, make_user, make_org):
    t = start(to=world.a2)
    stranger = make_user("secretary", make_org("branch", parent=world.top))
    login(client, stranger)
    assert client.get(f"/transfers/{t['id']}").status_code == 404
    assert client.get(f"/transfers/{t['id']}/letter").status_code == 404


@pytest.mark.browser
def test_printed_letter_in_chromium(desktop_page, api, start, world, tmp_path):
    t = start(to=world.a2)
    issued = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve").get_json()
    page = desktop_page
    browser_login(page, world.sec_a1, "**/dashboard")
    page.goto(f"/transfers/{t['id']}")
    assert page.locator("#transfer-status").count() == 1
    page.goto(f"/transfers/{t['id']}/letter")
    text = page.locator("body").inner_text()
    assert "Member Alpha" in text
    assert issued["letter_no"] == "DH-2026-0001"
    assert text.count("DH-2026-0001") >= 3
    assert "存根" in text and "回执" in text
    assert page.locator("section.part").count() == 3
    pdf = tmp_path / "letter.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    # one A4 sheet: the three parts fit on a single page
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())) == 1
    png = tmp_path / "letter.png"
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(png), full_page=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    reads = select(func.count()).where(AuditEntry.action == "transfer.letter_read")
    assert db.session.scalar(reads) == 1
    import os

    if os.environ.get("FLOWMEMBER_KEEP_LETTER_PNG"):
        import shutil

        shutil.copy(png, os.environ["FLOWMEMBER_KEEP_LETTER_PNG"])


@pytest.mark.browser
def test_member_sees_letters_on_a_phone(phone_page, api, start, world, make_member_user):
    t = start(to=world.a2)
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    page = phone_page
    browser_login(page, make_member_user(world.member), "**/m")
    page.goto("/m/letters")
    card = page.locator(".letter-card")
    assert card.count() == 1
    assert "DH-2026-0001" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert db.session.get(Member, world.member.id).org_id == world.a1.id


def test_detail_offers_each_side_its_own_steps(client, api, start, world):
    t = start(to=world.a2)
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    login(client, world.sec_a1)
    issuing = client.get(f"/transfers/{t['id']}").get_data(as_text=True)
    assert "action-cancel" in issuing and "action-receive" not in issuing
    client.post("/logout", data={"csrf_token": csrf_token(client, "/transfers")})
    login(client, world.sec_a2)
    receiving = client.get(f"/transfers/{t['id']}").get_data(as_text=True)
    assert "action-receive" in receiving and "action-return" in receiving
    assert "action-cancel" not in receiving


@pytest.mark.browser
def test_member_asks_for_a_transfer_on_a_phone(phone_page, world, make_member_user):
    page = phone_page
    browser_login(page, make_member_user(world.member), "**/m")
    page.goto("/m/letters")
    page.fill("#transfer-request input[name=to_org_name]", "杭州市西湖区某社区党委")
    page.fill("#transfer-request textarea[name=reason]", "在杭州定居工作一年以上")
    page.click("#transfer-request button[type=submit]")
    page.wait_for_selector(".letter-card")
    assert page.locator("#transfer-request").count() == 0
    t = db.session.scalars(select(Transfer)).one()
    assert (t.status.value, t.to_org_name, t.member_id) == (
        "requested",
        "杭州市西湖区某社区党委",
        world.member.id,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_inflow_page_registers_the_member(client, world):
    from datetime import date

    from tests.conftest import id_number_for

    login(client, world.sec_a2)
    token = csrf_token(client, "/transfers/inflow")
    data = {
        "csrf_token": token,
        "letter_no": "NS-2026-0412",
        "from_org_name": "Nanshan street committee",
        "received_on": "2026-10-30",
        "name": "Inflow Member",
        "gender": "female",
        "id_number": id_number_for(date(1996, 4, 12), 78),
        "phone": "13900002222",
        "stage": "full",
        "joined_on": "2019-06-01",
        "org_id": str(world.a2.id),
        "identity_check_note": "Talk held",
    }
    unchecked = client.post("/transfers/inflow", data=data)
    assert unchecked.status_code == 422
    assert "identity_checked" in unchecked.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0
    response = client.post("/transfers/inflow", data={**data, "identity_checked": "yes"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    t = db.session.scalars(select(Transfer)).one()
    assert (t.direction.value, t.letter_no, t.identity_check_note) == (
        "inflow",
        "NS-2026-0412",
        "Talk held",
    )
    assert db.session.get(Member, t.member_id).org_id == world.a2.id


def test_committee_step_offered_only_to_the_committee(client, api, start, world):
    t = start(to=world.b1)
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    login(client, world.sec_a1)
    branch_view = client.get(f"/transfers/{t['id']}").get_data(as_text=True)
    assert "action-approve" not in branch_view and "action-cancel" in branch_view
    client.post("/logout", data={"csrf_token": csrf_token(client, "/transfers")})
    login(client, world.admin_top)
    token = csrf_token(client, f"/transfers/{t['id']}")
    committee_view = client.get(f"/transfers/{t['id']}").get_data(as_text=True)
    assert "action-approve" in committee_view
    client.post(f"/transfers/{t['id']}/approve", data={"csrf_token": token})
    assert db.session.get(Transfer, t["id"]).letter_no == "DH-2026-0001"
