"""When lapse counting starts for a member who comes under an org by transfer or by a paper letter
(DOMAIN §8, issue 11): the month of the receipt or of the registration, never the months of the
org they came from. Through the API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from flowmember.core import months
from flowmember.extensions import db
from flowmember.lapse.models import LapseCase
from flowmember.members.models import Member
from flowmember.transfers.models import Transfer
from tests.conftest import csrf_token, id_number_for, login


@pytest.fixture(autouse=True)
def _today(freeze):
    freeze("2026-11-20")
    return freeze


def _monthly_meetings(org, first: str, last: str) -> None:
    """The org held a member meeting on the 10th of every month from ``first`` to ``last``."""
    from flowmember.checkins.models import Activity

    for m in months.span(months.parse(first), months.parse(last)):
        held = months.first_day(m).replace(day=10)
        db.session.add(
            Activity(
                org_id=org.id,
                kind="member_meeting",
                title="Member meeting",
                held_on=held,
                month=m,
                online=False,
                code=f"m{org.id}-{m}",
            )
        )
    db.session.commit()


def _sweep(api, admin, as_of: str) -> dict:
    response = api.as_(admin).post("/sweeps/lapse", json={"as_of": as_of})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _cases(member_id: int) -> list[LapseCase]:
    return db.session.scalars(select(LapseCase).where(LapseCase.member_id == member_id)).all()


def _receive_transfer(api, world, member) -> dict:
    body = {"member_id": member.id, "to_org_id": world.a2.id, "reason": "Works in the town"}
    t = api.as_(world.sec_a1).post("/transfers", json=body).get_json()
    issued = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    assert issued.get_json()["status"] == "issued", issued.get_json()
    received = api.as_(world.sec_a2).post(f"/transfers/{t['id']}/receive", json={})
    assert received.status_code == 200, received.get_json()
    return received.get_json()


def test_receipt_of_a_transfer_sets_the_month_the_member_came_under_the_org(api, world):
    assert api.as_(world.sec_a1).get(f"/members/{world.member.id}").get_json()["org_since"] is None
    _receive_transfer(api, world, world.member)
    member = api.as_(world.sec_a2).get(f"/members/{world.member.id}").get_json()
    assert (member["org_id"], member["org_since"]) == (world.a2.id, "2026-11")


def test_a_receipt_recorded_late_counts_from_the_month_it_is_dated(api, world, start, freeze):
    freeze("2026-10-27")
    t = start(to=world.a2)
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    freeze("2026-11-20")
    received = api.as_(world.sec_a2).post(
        f"/transfers/{t['id']}/receive", json={"received_on": "2026-10-30"}
    )
    assert received.status_code == 200, received.get_json()
    db.session.expire_all()
    assert db.session.get(Member, world.member.id).org_since_month == months.parse("2026-10")


def test_transfer_to_an_org_outside_the_system_leaves_org_since_alone(api, world, start):
    t = start(to_name="Shenzhen Nanshan street committee")
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    api.as_(world.admin_top).post(f"/transfers/{t['id']}/approve")
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/receive", json={})
    db.session.expire_all()
    member = db.session.get(Member, world.member.id)
    assert member.status.value == "transferred_out"
    assert member.org_since_month is None


def test_a_member_received_today_gets_no_case_for_the_other_orgs_meetings(
    api, world, make_member, freeze
):
    """Issue 11: received by transfer, a member got a case at once for 12 months of the new
    org's meetings. Counting starts with the month of receipt: a case only after six of its
    months were missed."""
    _monthly_meetings(world.a2, "2025-10", "2027-05")
    member = make_member(org=world.a1, category="other", joined_on=date(2015, 7, 1))
    _receive_transfer(api, world, member)
    _sweep(api, world.admin_top, "2026-11-20")
    assert _cases(member.id) == []
    freeze("2026-12-02")
    _sweep(api, world.admin_top, "2026-12-02")
    assert _cases(member.id) == []
    # Under the new org since November: November to April missed, six months, a case.
    freeze("2027-05-02")
    _sweep(api, world.admin_top, "2027-05-02")
    (case,) = _cases(member.id)
    assert case.criteria["org_life"] == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
        "2027-03",
        "2027-04",
    ]


# --- inflow from a paper letter ------------------------------------------------------------------


def _inflow_body(world, **overrides):
    body = {
        "name": "Inflow Member",
        "gender": "female",
        "id_number": id_number_for(date(1996, 4, 12), 77),
        "phone": "13900001111",
        "stage": "full",
        "joined_on": "2019-06-01",
        "org_id": world.a2.id,
        "letter_no": "NS-2026-0412",
        "from_org_name": "Nanshan street committee",
        "received_on": "2026-10-30",
        "dues_paid_through": "2026-09",
    }
    body.update(overrides)
    return body


def test_inflow_records_the_letters_dues_month_and_the_month_of_receipt(api, world):
    response = api.as_(world.sec_a2).post("/transfers/inflow", json=_inflow_body(world))
    assert response.status_code == 201, response.get_json()
    transfer = response.get_json()
    assert transfer["dues_paid_through"] == "2026-09"
    member = api.as_(world.sec_a2).get(f"/members/{transfer['member_id']}").get_json()
    assert member["org_since"] == "2026-10"
    assert member["dues_paid_through"] == "2026-09"
    assert member["paid_through"] == "2026-09"  # the carried month counts as settled
    assert member["tracked_since"] == "2026-11"  # the record entered FlowMember now
    assert member["last_org_life"] is None


def test_inflow_without_the_dues_month_records_none(api, world):
    body = _inflow_body(world)
    del body["dues_paid_through"]
    response = api.as_(world.sec_a2).post("/transfers/inflow", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["dues_paid_through"] is None
    member = db.session.get(Member, response.get_json()["member_id"])
    assert member.carried_paid_through_month is None
    assert member.org_since_month == months.parse("2026-10")


@pytest.mark.parametrize(
    "value, message",
    [
        ("2026-12", "Cannot be later than the current month (2026-11)."),
        ("2019-05", "Cannot be before the month of joining (2019-06)."),
        ("2026-13", "Not a month; expected YYYY-MM."),
        ("Sept 2026", "Not a month; expected YYYY-MM."),
    ],
)
def test_inflow_dues_month_is_checked_and_nothing_is_written(api, world, value, message):
    response = api.as_(world.sec_a2).post(
        "/transfers/inflow",
        json=_inflow_body(world, dues_paid_through=value),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["dues_paid_through"] == [message]
    assert db.session.scalars(select(Transfer)).all() == []
    assert db.session.scalars(select(Member).where(Member.name == "Inflow Member")).all() == []


def test_a_member_registered_from_a_paper_letter_gets_no_case_for_earlier_months(
    api, world, freeze
):
    """Issue 11: registered from a paper letter, a member got a case at once for a year of the
    org's meetings."""
    _monthly_meetings(world.a2, "2025-10", "2027-05")
    body = _inflow_body(world, received_on="2026-11-18")
    created = api.as_(world.sec_a2).post("/transfers/inflow", json=body)
    assert created.status_code == 201, created.get_json()
    member_id = created.get_json()["member_id"]
    _sweep(api, world.admin_top, "2026-11-20")
    assert _cases(member_id) == []
    freeze("2026-12-21")
    _sweep(api, world.admin_top, "2026-12-21")
    assert _cases(member_id) == []
    freeze("2027-05-02")
    _sweep(api, world.admin_top, "2027-05-02")
    (case,) = _cases(member_id)
    assert case.criteria["org_life"][0] == "2026-11"


def test_the_inflow_page_records_the_letters_dues_month(client, world):
    login(client, world.sec_a2)
    data = {
        "letter_no": "NS-2026-0412",
        "from_org_name": "Nanshan street committee",
        "received_on": "2026-10-30",
        "dues_paid_through": "2026-13",
        "name": "Inflow Member",
        "gender": "female",
        "id_number": id_number_for(date(1996, 4, 12), 78),
        "phone": "13900002222",
        "stage": "full",
        "joined_on": "2019-06-01",
        "org_id": str(world.a2.id),
        "identity_checked": "yes",
    }
    bad = client.post(
        "/transfers/inflow", data={**data, "csrf_token": csrf_token(client, "/transfers/inflow")}
    )
    assert bad.status_code == 422
    assert db.session.scalars(select(Transfer)).all() == []
    data.update(dues_paid_through="2026-08", csrf_token=csrf_token(client, "/transfers/inflow"))
    good = client.post("/transfers/inflow", data=data)
    assert good.status_code == 302, good.get_data(as_text=True)[-800:]
    t = db.session.scalars(select(Transfer)).one()
    member = db.session.get(Member, t.member_id)
    assert t.dues_paid_through == member.carried_paid_through_month == months.parse("2026-08")
    assert member.org_since_month == months.parse("2026-10")
