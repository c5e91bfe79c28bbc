"""Ledger pages (staff) and member pages (phone): list, detail, form, import with preview,
activation, consent and profile."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from flowmember.extensions import db
from flowmember.members.columns import header_row
from flowmember.members.models import Member
from tests.conftest import browser_login, csrf_token, login


@pytest.fixture
def branch(make_org):
    return make_org("branch", code="PB1")


def test_ledger_list_filters_and_detail(client, secretary, branch, make_member):
    a = make_member(org=branch, name="甲党员", category="migrant", flag_unreachable=True)
    b = make_member(org=branch, name="乙党员", category="graduate")
    login(client, secretary)
    html = client.get("/members").get_data(as_text=True)
    assert "甲党员" in html and "乙党员" in html
    assert a.id_number not in html and a.masked_id_number in html
    html = client.get("/members?category=graduate").get_data(as_text=True)
    assert "乙党员" in html and "甲党员" not in html
    html = client.get("/members?flag=unreachable").get_data(as_text=True)
    assert "甲党员" in html and "乙党员" not in html
    detail = client.get(f"/members/{b.id}")
    assert detail.status_code == 200
    assert b.masked_id_number in detail.get_data(as_text=True)


def test_full_id_on_the_detail_page_needs_a_reason(client, secretary, branch, make_member):
    m = make_member(org=branch)
    login(client, secretary)
    token = csrf_token(client, f"/members/{m.id}")
    r = client.post(
        f"/members/{m.id}/id-number", data={"csrf_token": token, "reason": "Letter of proof"}
    )
    assert m.id_number in r.get_data(as_text=True)


def test_create_form_saves_and_shows_field_errors(client, secretary, branch):
    login(client, secretary)
    token = csrf_token(client, "/members/new")
    form = {
        "csrf_token": token,
        "name": "表单党员",
        "gender": "male",
        "id_number": "110105194912310021",  # wrong check digit
        "phone": "13800138000",
        "category": "migrant",
        "stage": "full",
        "joined_on": "2010-07-01",
        "org_id": str(branch.id),
        "province_code": "420000",
        "city_code": "420100",
    }
    bad = client.post("/members/new", data=form)
    assert bad.status_code == 422
    assert "校验位" in bad.get_data(as_text=True)  # the check digit, in the reader's language
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    form["id_number"] = "11010519491231002X"
    form["gender"] = "female"
    ok = client.post("/members/new", data=form)
    assert ok.status_code == 302, ok.get_data(as_text=True)
    member = db.session.scalars(select(Member)).one()
    assert (member.phone, member.city_code) == ("+8613800138000", "420100")
    edit = client.get(f"/members/{member.id}/edit")
    assert edit.status_code == 200 and "表单党员" in edit.get_data(as_text=True)


def test_import_page_previews_then_imports(client, secretary, branch):
    from datetime import date

    from flowmember.members.identity import build_id_number

    login(client, secretary)
    wb = Workbook()
    ws = wb.active
    ws.append(header_row())
    keys = [h.split()[-1] for h in header_row()]
    rows = [
        {
            "name": "好行",
            "gender": "male",
            "phone": "13900000001",
            "category": "migrant",
            "stage": "full",
            "joined_on": "2012-01-01",
            "org": "PB1",
            "id_number": build_id_number("420102", date(1990, 1, 1), 11),
        },
        {
            "name": "坏行",
            "gender": "male",
            "phone": "bad",
            "category": "migrant",
            "stage": "full",
            "joined_on": "2012-01-01",
            "org": "PB1",
            "id_number": build_id_number("420102", date(1990, 1, 1), 13),
        },
    ]
    for r in rows:
        ws.append([r.get(k) for k in keys])
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    token = csrf_token(client, "/members/import")
    preview = client.post(
        "/members/import",
        data={"csrf_token": token, "file": (data, "ledger.xlsx")},
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "好行" in html and "phone:" in html
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    upload = re.search(r'name="token" value="([^"]+)"', html).group(1)
    done = client.post(
        "/members/import", data={"csrf_token": token, "token": upload, "confirm": "1"}
    )
    assert done.status_code == 200
    assert db.session.scalars(select(Member.name)).all() == ["好行"]
    rejected = client.get(f"/members/import/{upload}/rejected")
    assert rejected.status_code == 200 and rejected.data[:2] == b"PK"
    rejected.close()
    exported = client.get("/members/export.xlsx")
    assert exported.status_code == 200 and exported.data[:2] == b"PK"
    template = client.get("/members/import-template.xlsx")
    assert template.status_code == 200
    template.close()


def test_member_activation_consent_and_profile(client, secretary, branch, make_member, api):
    member = make_member(org=branch, phone="+8613755556666")
    code = api.as_(secretary).post(f"/members/{member.id}/invitation").get_json()["code"]
    token = csrf_token(client, "/m/activate")
    r = client.post(
        "/m/activate",
        data={
            "csrf_token": token,
            "code": code,
            "password": "a-new-password-1",
            "password2": "a-new-password-1",
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/m/consent")
    html = client.get("/m/profile").get_data(as_text=True)
    assert member.name in html and "/m/consent" in html
    token = csrf_token(client, "/m/consent")
    client.post("/m/consent", data={"csrf_token": token, "granted": "1"})
    token = csrf_token(client, "/m/profile")
    saved = client.post(
        "/m/profile", data={"csrf_token": token, "province_code": "510000", "city_code": "510100"}
    )
    assert saved.status_code == 302
    db.session.refresh(member)
    assert member.city_code == "510100"
    assert "成都市" in client.get("/m/profile").get_data(as_text=True)
    token = csrf_token(client, "/m/consent")
    client.post("/m/consent", data={"csrf_token": token, "granted": "0"})
    db.session.refresh(member)
    assert member.city_code is None


def test_member_pages_fit_a_phone(phone_page, make_member, make_member_user, branch):
    member = make_member(org=branch)
    user = make_member_user(member)
    page = phone_page
    browser_login(page, user, "**/m")
    page.goto("/m/consent")
    page.click("#consent-grant button")
    page.goto("/m/profile")
    page.select_option("select[name=province_code]", "420000")
    page.wait_for_function("document.querySelectorAll('select[name=city_code] option').length > 1")
    page.select_option("select[name=city_code]", "420100")
    page.click("#location-form button[type=submit]")
    page.wait_for_url("**/m/profile")
    assert "武汉市" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
