"""The printed letter, the archive handover, inflow from outside the system, and /me/letters."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.transfers.models import ArchiveHandover, Transfer
from tests.conftest import id_number_for


@pytest.fixture(autouse=True)
def _today(freeze):
    freeze("2026-11-01")
    return freeze


@pytest.fixture
def issued(api, start, world):
    t = start(to=world.a2)
    return api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve").get_json()


def _reads() -> int:
    stmt = select(func.count()).where(AuditEntry.action == "transfer.letter_read")
    return db.session.scalar(stmt)


def test_letter_html_has_three_parts_and_is_an_audited_read(api, world, issued):
    response = api.as_(world.sec_a1).get(f"/transfers/{issued['id']}/letter")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    html = response.get_data(as_text=True)
    for text in ("存根", "回执", "中国共产党党员组织关系介绍信", "@page", "size: A4"):
        assert text in html
    assert "Member Alpha" in html
    assert html.count("DH-2026-0001") >= 3  # stub, letter, receipt
    assert world.member.id_number in html  # full on the printed letter
    assert '党费已交至<span class="fill">2026</span>年<span class="fill">10</span>月' in html
    assert '有效期<span class="fill">30</span>天' in html
    assert "正式党员" in html and "汉" in html
    assert _reads() == 1
    api.as_(world.sec_a2).get(f"/transfers/{issued['id']}/letter")
    assert _reads() == 2


def test_no_letter_before_issue(api, start, world):
    t = start(to=world.a2)
    response = api.as_(world.sec_a1).get(f"/transfers/{t['id']}/letter")
    assert response.status_code == 409
    message = response.get_json()["message"]
    assert message.startswith("Transfer is requested; cannot print the letter")
    assert _reads() == 0


HANDOVER = {
    "items": ["入党志愿书", "入党申请书", "转正申请书"],
    "handed_at": "2026-11-05T10:00:00+08:00",
    "place": "Town committee office",
    "handed_over_by": "Organiser of the town committee",
    "received_by": "Secretary of branch A2",
}


def test_inflow_has_no_letter_to_print(api, world):
    created = api.as_(world.sec_a2).post("/transfers/inflow", json=_inflow_body(world))
    response = api.as_(world.sec_a2).get(f"/transfers/{created.get_json()['id']}/letter")
    assert response.status_code == 409
    assert _reads() == 0


def test_archive_handover_recorded_and_audited(api, world, issued):
    response = api.as_(world.sec_a1).post(
        f"/transfers/{issued['id']}/archive-handover", json=HANDOVER
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["items"] == HANDOVER["items"]
    assert body["handed_at"] == "2026-11-05T02:00:00+00:00"
    assert body["place"] == HANDOVER["place"]
    listed = api.as_(world.sec_a2).get(f"/transfers/{issued['id']}/archive-handovers")
    assert [h["id"] for h in listed.get_json()] == [body["id"]]
    stmt = select(func.count()).where(AuditEntry.action == "transfer.archive_handover")
    assert db.session.scalar(stmt) == 1


@pytest.mark.parametrize(
    "missing", ["items", "handed_at", "place", "handed_over_by", "received_by"]
)
def test_archive_handover_fields_required(api, world, issued, missing):
    body = {k: v for k, v in HANDOVER.items() if k != missing}
    response = api.as_(world.sec_a1).post(f"/transfers/{issued['id']}/archive-handover", json=body)
    assert response.status_code == 422
    assert missing in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(ArchiveHandover)) == 0


def test_archive_handover_needs_an_issued_letter(api, start, world):
    t = start(to=world.a2)
    response = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/archive-handover", json=HANDOVER)
    assert response.status_code == 409


def _inflow_body(world, **overrides):
    birth = date(1996, 4, 12)
    body = {
        "name": "Inflow Member",
        "gender": "female",
        "id_number": id_number_for(birth, 77),
        "phone": "13900001111",
        "stage": "full",
        "joined_on": "2019-06-01",
        "org_id": world.a2.id,
        "letter_no": "NS-2026-0412",
        "from_org_name": "Nanshan street committee",
        "received_on": "2026-10-30",
        "identity_checked": True,
        "identity_check_note": "Talk held; matches the archive",
    }
    body.update(overrides)
    return body


def test_inflow_registers_member_from_paper_letter(api, world):
    response = api.as_(world.sec_a2).post("/transfers/inflow", json=_inflow_body(world))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["direction"] == "inflow"
    assert body["status"] == "received"
    assert body["letter_no"] == "NS-2026-0412"
    assert body["from_org_name"] == "Nanshan street committee"
    assert body["identity_checked"] is True
    member = db.session.get(Member, body["member_id"])
    assert member.category.value == "inflow"
    assert member.org_id == world.a2.id
    assert member.home_org_name == "Nanshan street committee"
    inbound = api.as_(world.sec_a2).get("/transfers?direction=in").get_json()
    assert [x["id"] for x in inbound] == [body["id"]]
    stmt = select(AuditEntry).where(AuditEntry.action == "transfer.inflow")
    assert db.session.scalars(stmt).one().after["identity_check_note"].startswith("Talk held")


def test_inflow_with_exactly_the_api_md_fields(api, world):
    body = {k: v for k, v in _inflow_body(world).items() if not k.startswith("identity_")}
    response = api.as_(world.sec_a2).post("/transfers/inflow", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["identity_checked"] is True


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"identity_checked": False}, "identity_checked"),
        ({"letter_no": ""}, "letter_no"),
        ({"from_org_name": ""}, "from_org_name"),
        ({"received_on": "2026-11-02"}, "received_on"),
        ({"id_number": "110101199604120000"}, "id_number"),
    ],
)
def test_inflow_bad_input_writes_nothing(api, world, overrides, field):
    body = _inflow_body(world, **overrides)
    response = api.as_(world.sec_a2).post("/transfers/inflow", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0
    assert db.session.scalar(select(func.count()).where(Member.name == "Inflow Member")) == 0


def test_member_sees_own_letters(api, world, issued, make_member_user):
    login = make_member_user(world.member)
    response = api.as_(login).get("/me/letters")
    assert response.status_code == 200
    letters = response.get_json()
    assert [(x["letter_no"], x["status"]) for x in letters] == [("DH-2026-0001", "issued")]
    assert api.as_(world.sec_a1).get("/me/letters").status_code == 403


def test_member_requests_own_transfer(api, world, make_member_user):
    login = make_member_user(world.member)
    response = api.as_(login).post(
        "/me/transfers",
        json={"to_org_name": "Hangzhou community org", "reason": "Settled in Hangzhou"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "requested"
    listed = api.as_(world.sec_a1).get("/transfers?status=requested").get_json()
    assert [x["member_id"] for x in listed] == [world.member.id]
    assert api.as_(login).post("/transfers", json={}).status_code == 403
