"""The transfer workflow through the API: request, approvals, issue, receipt, return, re-issue,
cancel; each legal and illegal move."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.transfers.models import Transfer


@pytest.fixture(autouse=True)
def _today(freeze):
    freeze("2026-11-01")
    return freeze


# --- request ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "validity, status, stored",
    [(0, 422, None), (1, 201, 1), (30, 201, 30), (90, 201, 90), (91, 422, None), (None, 201, 30)],
)
def test_validity_days_bounds(api, world, validity, status, stored):
    body = {"member_id": world.member.id, "to_org_id": world.a2.id, "reason": "Moves"}
    if validity is not None:
        body["validity_days"] = validity
    response = api.as_(world.sec_a1).post("/transfers", json=body)
    assert response.status_code == status, response.get_json()
    if status == 201:
        assert response.get_json()["status"] == "requested"
        assert response.get_json()["validity_days"] == stored
    else:
        assert "validity_days" in response.get_json()["errors"]
        assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


@pytest.mark.parametrize(
    "destination",
    [{}, {"to_org_id": 1, "to_org_name": "Somewhere"}, {"to_org_name": "  "}],
    ids=["neither", "both", "blank-name"],
)
def test_exactly_one_destination(api, world, destination):
    body = {"member_id": world.member.id, "reason": "Moves", **destination}
    response = api.as_(world.sec_a1).post("/transfers", json=body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "to_org_id" in errors and "to_org_name" in errors


def test_reason_is_required(api, world):
    body = {"member_id": world.member.id, "to_org_id": world.a2.id}
    response = api.as_(world.sec_a1).post("/transfers", json=body)
    assert response.status_code == 422
    assert "reason" in response.get_json()["errors"]


def test_request_records_both_orgs_and_committee(start, world):
    body = start(to=world.b1, reason_kind="work_move")
    assert body["from_org_id"] == world.a1.id
    assert body["to_org_id"] == world.b1.id
    assert body["issuing_committee_id"] == world.top.id
    assert body["needs_committee_approval"] is True
    assert body["reason_kind"] == "work_move"
    assert body["letter_no"] is None


def test_member_outside_scope_is_404(api, world, make_member):
    stranger = make_member(org=world.b1)
    body = {"member_id": stranger.id, "to_org_id": world.a2.id, "reason": "Moves"}
    assert api.as_(world.sec_a1).post("/transfers", json=body).status_code == 404


def test_one_open_transfer_per_member(api, start, world):
    start()
    body = {"member_id": world.member.id, "to_org_id": world.b1.id, "reason": "Again"}
    response = api.as_(world.sec_a1).post("/transfers", json=body)
    assert response.status_code == 409


def test_idempotency_key_returns_the_first_transfer(api, world):
    body = {"member_id": world.member.id, "to_org_id": world.a2.id, "reason": "Moves"}
    headers = {"Idempotency-Key": "transfer-1"}
    first = api.as_(world.sec_a1).post("/transfers", json=body, headers=headers)
    again = api.as_(world.sec_a1).post("/transfers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    other = api.as_(world.sec_a1).post(
        "/transfers", json={**body, "reason": "Other"}, headers=headers
    )
    assert other.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1


def test_graduate_to_centre_needs_a_centre(api, world):
    body = {
        "member_id": world.member.id,
        "to_org_id": world.a2.id,
        "reason": "Graduated",
        "reason_kind": "graduate_to_centre",
    }
    response = api.as_(world.sec_a1).post("/transfers", json=body)
    assert response.status_code == 422
    assert "to_org_id" in response.get_json()["errors"]
    body["to_org_id"] = world.centre.id
    assert api.as_(world.sec_a1).post("/transfers", json=body).status_code == 201


# --- approval and issue -----------------------------------------------------------------------


def test_inside_the_committee_tree_one_approval_issues(api, start, world):
    t = start(to=world.a2)
    assert t["needs_committee_approval"] is False
    response = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "issued"
    assert body["letter_no"] == "DH-2026-0001"
    assert body["issued_on"] == "2026-11-01"
    assert body["expires_on"] == "2026-12-01"
    assert body["dues_paid_through"] == "2026-10"
    assert body["stage"] == "full"
    assert body["id_number"].count("*") == 8
    assert body["in_transit"] is True


def test_leaving_the_tree_needs_the_committee(api, start, world):
    t = start(to=world.b1)
    first = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    assert first.status_code == 200
    assert first.get_json()["status"] == "approved"
    assert first.get_json()["letter_no"] is None
    # the branch cannot give the committee's approval, nor can the other tree's admin
    assert api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve").status_code == 403
    assert api.as_(world.admin_other).post(f"/transfers/{t['id']}/approve").status_code == 403
    final = api.as_(world.admin_top).post(f"/transfers/{t['id']}/approve")
    assert final.status_code == 200
    assert final.get_json()["status"] == "issued"
    assert final.get_json()["committee_approved_at"] is not None


def test_outside_org_by_name_needs_the_committee(api, start, world):
    t = start(to_name="Shenzhen Nanshan street committee")
    assert t["needs_committee_approval"] is True
    assert t["to_org_name"] == "Shenzhen Nanshan street committee"


def test_receiving_org_and_clerk_cannot_approve(api, start, world):
    t = start(to=world.a2)
    assert api.as_(world.sec_a2).post(f"/transfers/{t['id']}/approve").status_code == 403
    assert api.as_(world.clerk_a1).post(f"/transfers/{t['id']}/approve").status_code == 403


def test_letter_numbers_per_committee_per_year(api, world, make_member, _today):
    def issue(member, to):
        body = {"member_id": member.id, "to_org_id": to.id, "reason": "Moves"}
        t = api.as_(world.admin_top).post("/transfers", json=body).get_json()
        return api.as_(world.admin_top).post(f"/transfers/{t['id']}/approve").get_json()

    numbers = [issue(make_member(org=world.a1), world.a2)["letter_no"] for _ in range(3)]
    assert numbers == ["DH-2026-0001", "DH-2026-0002", "DH-2026-0003"]
    # another committee counts on its own
    m = make_member(org=world.b1)
    body = {"member_id": m.id, "to_org_id": world.a1.id, "reason": "Moves"}
    t = api.as_(world.admin_other).post("/transfers", json=body).get_json()
    assert (
        api.as_(world.admin_other).post(f"/transfers/{t['id']}/approve").get_json()["letter_no"]
        == "SZ-2026-0001"
    )
    # a new year starts again
    _today("2027-01-02")
    assert issue(make_member(org=world.a1), world.a2)["letter_no"] == "DH-2027-0001"


# --- receipt ----------------------------------------------------------------------------------


def _issued(api, start, world, **kw):
    t = start(**kw)
    response = api.as_(world.admin_top).post(f"/transfers/{t['id']}/approve")
    if response.get_json()["status"] == "approved":
        response = api.as_(world.admin_top).post(f"/transfers/{t['id']}/approve")
    assert response.get_json()["status"] == "issued"
    return response.get_json()


def test_member_org_changes_at_receipt_and_not_before(api, start, world):
    t = start(to=world.a2)
    assert db.session.get(Member, world.member.id).org_id == world.a1.id
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    db.session.expire_all()
    member = db.session.get(Member, world.member.id)
    assert member.org_id == world.a1.id  # issued: still the issuing org's
    listed = api.as_(world.sec_a1).get("/transfers?direction=out").get_json()
    assert [x["in_transit"] for x in listed] == [True]
    # the issuing org cannot confirm the receipt for an org in the system
    assert api.as_(world.sec_a1).post(f"/transfers/{t['id']}/receive", json={}).status_code == 403
    response = api.as_(world.sec_a2).post(f"/transfers/{t['id']}/receive", json={})
    assert response.status_code == 200
    assert response.get_json()["status"] == "received"
    assert response.get_json()["receipt_kind"] == "system"
    assert response.get_json()["in_transit"] is False
    db.session.expire_all()
    assert db.session.get(Member, world.member.id).org_id == world.a2.id
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "member.transfer" in actions and "transfer.receive" in actions


def test_issuing_org_records_paper_receipt_for_outside_org(api, start, world):
    t = _issued(api, start, world, to_name="Shenzhen Nanshan street committee")
    assert api.as_(world.sec_b1).post(f"/transfers/{t['id']}/receive", json={}).status_code == 404
    response = api.as_(world.sec_a1).post(
        f"/transfers/{t['id']}/receive", json={"received_on": "2026-11-01", "note": "Paper"}
    )
    assert response.status_code == 200
    assert response.get_json()["receipt_kind"] == "paper"
    db.session.expire_all()
    member = db.session.get(Member, world.member.id)
    assert member.status.value == "transferred_out"
    assert member.org_id == world.a1.id


@pytest.mark.parametrize(
    "read_on, status", [(date(2026, 12, 1), "issued"), (date(2026, 12, 2), "expired")]
)
def test_validity_day_30_vs_31(api, start, world, _today, read_on, status):
    t = _issued(api, start, world, to=world.a2)
    _today(read_on)
    body = api.as_(world.sec_a1).get(f"/transfers/{t['id']}").get_json()
    assert body["status"] == status
    listed = api.as_(world.sec_a1).get(f"/transfers?status={status}").get_json()
    assert [x["id"] for x in listed] == [t["id"]]


def test_letter_read_one_day_after_expiry_is_expired_and_cannot_be_received(
    api, start, world, _today
):
    t = _issued(api, start, world, to=world.a2, validity_days=10)
    _today(date(2026, 11, 12))
    assert api.as_(world.sec_a2).get(f"/transfers/{t['id']}").get_json()["status"] == "expired"
    response = api.as_(world.sec_a2).post(f"/transfers/{t['id']}/receive", json={})
    assert response.status_code == 409
    assert response.get_json()["message"].startswith("Transfer is expired; cannot receive")
    db.session.expire_all()
    assert db.session.get(Member, world.member.id).org_id == world.a1.id


def test_late_paper_receipt_dated_inside_validity_counts(api, start, world, _today):
    t = _issued(api, start, world, to_name="Outside org", validity_days=10)
    _today(date(2026, 11, 20))
    late = api.as_(world.sec_a1).post(
        f"/transfers/{t['id']}/receive", json={"received_on": "2026-11-12"}
    )
    assert late.status_code == 409
    ok = api.as_(world.sec_a1).post(
        f"/transfers/{t['id']}/receive", json={"received_on": "2026-11-11"}
    )
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["received_on"] == "2026-11-11"


@pytest.mark.parametrize(
    "kind, phrase", [("abroad_retain", "every 6 months"), ("abroad_suspend", "suspension")]
)
def test_abroad_follow_up_recorded_at_receipt(api, start, world, kind, phrase):
    t = _issued(api, start, world, to=world.centre, reason_kind=kind)
    body = api.as_(world.admin_centre).post(f"/transfers/{t['id']}/receive", json={}).get_json()
    assert phrase in body["follow_up"]


# --- return, re-issue, cancel ---------------------------------------------------------------


def test_return_needs_a_reason_then_reissue(api, start, world):
    t = _issued(api, start, world, to=world.a2)
    no_reason = api.as_(world.sec_a2).post(f"/transfers/{t['id']}/return", json={})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["errors"]
    returned = api.as_(world.sec_a2).post(
        f"/transfers/{t['id']}/return", json={"reason": "The member does not live here"}
    )
    assert returned.status_code == 200
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["return_reason"] == "The member does not live here"
    again = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/reissue", json={})
    assert again.status_code == 201
    new = again.get_json()
    assert new["status"] == "issued"
    assert new["reissued_from_id"] == t["id"]
    assert new["letter_no"] == "DH-2026-0002"
    twice = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/reissue", json={})
    assert twice.status_code == 409


def test_reissue_to_a_new_destination_starts_again(api, start, world):
    t = _issued(api, start, world, to=world.a2)
    api.as_(world.sec_a2).post(f"/transfers/{t['id']}/return", json={"reason": "Wrong branch"})
    response = api.as_(world.sec_a1).post(
        f"/transfers/{t['id']}/reissue", json={"to_org_id": world.b1.id}
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "requested"
    assert response.get_json()["to_org_id"] == world.b1.id


def test_reissue_after_expiry(api, start, world, _today):
    t = _issued(api, start, world, to=world.a2)
    _today(date(2026, 12, 5))
    response = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/reissue", json={})
    assert response.status_code == 201
    assert response.get_json()["expires_on"] == "2027-01-04"
    old = api.as_(world.sec_a1).get(f"/transfers/{t['id']}").get_json()
    assert old["stored_status"] == "expired"
    overdue = api.as_(world.sec_a1).get("/transfers?overdue=true").get_json()
    assert overdue == []


def test_cancel_by_the_issuing_org_only(api, start, world):
    t = start(to=world.a2)
    assert api.as_(world.sec_a2).post(f"/transfers/{t['id']}/cancel", json={}).status_code == 403
    response = api.as_(world.sec_a1).post(f"/transfers/{t['id']}/cancel", json={"reason": "Stays"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    # a new transfer may now be opened
    start(to=world.b1)


# --- every action from every state ---------------------------------------------------------

STATES = ["requested", "approved", "issued", "received", "returned", "expired", "cancelled"]
ACTIONS = {
    # action: (who, body, legal states, status after a legal move)
    "approve": ("admin_top", None, {"requested": "issued", "approved": "issued"}),
    "receive": ("sec_b1", {}, {"issued": "received"}),
    "return": ("sec_b1", {"reason": "Cannot accept"}, {"issued": "returned"}),
    "cancel": (
        "sec_a1",
        {},
        {s: "cancelled" for s in ("requested", "approved", "issued", "expired")},
    ),
    "reissue": ("sec_a1", {}, {"returned": "issued", "expired": "issued"}),
}


def _drive(api, world, start, _today, state) -> int:
    """A transfer from A1 to B1 (outside the committee's tree) brought to ``state``."""
    t = start(to=world.b1)
    tid = t["id"]

    def post(who, action, body=None):
        r = api.as_(getattr(world, who)).post(f"/transfers/{tid}/{action}", json=body or {})
        assert r.status_code in (200, 201), r.get_json()

    if state == "requested":
        return tid
    post("sec_a1", "approve")
    if state == "approved":
        return tid
    post("admin_top", "approve")
    if state == "issued":
        return tid
    if state == "received":
        post("sec_b1", "receive")
    elif state == "returned":
        post("sec_b1", "return", {"reason": "No"})
    elif state == "expired":
        _today(date(2026, 12, 2))
    elif state == "cancelled":
        post("sec_a1", "cancel")
    return tid


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("state", STATES)
def test_every_transition(api, world, start, _today, state, action):
    tid = _drive(api, world, start, _today, state)
    who, body, legal = ACTIONS[action]
    response = api.as_(getattr(world, who)).post(f"/transfers/{tid}/{action}", json=body)
    if state in legal:
        assert response.status_code in (200, 201), response.get_json()
        assert response.get_json()["status"] == legal[state]
    else:
        assert response.status_code == 409, response.get_json()
        message = response.get_json()["message"]
        assert message.startswith(f"Transfer is {state}; cannot {action}")
        after = api.as_(world.sec_a1).get(f"/transfers/{tid}").get_json()
        assert after["status"] == state


# --- lists and scope ------------------------------------------------------------------------


def test_lists_in_out_and_scope(api, start, world, make_user, make_org):
    t = start(to=world.a2)
    out_a1 = api.as_(world.sec_a1).get("/transfers?direction=out").get_json()
    in_a1 = api.as_(world.sec_a1).get("/transfers?direction=in").get_json()
    in_a2 = api.as_(world.sec_a2).get("/transfers?direction=in").get_json()
    assert [x["id"] for x in out_a1] == [t["id"]]
    assert in_a1 == []
    assert [x["id"] for x in in_a2] == [t["id"]]
    stranger = make_user("secretary", make_org("branch", parent=world.top))
    assert api.as_(stranger).get(f"/transfers/{t['id']}").status_code == 404
    assert api.as_(stranger).get("/transfers").get_json() == []


def test_overdue_list_for_the_issuing_org(api, start, world, make_member, _today):
    late = _issued(api, start, world, to=world.a2, validity_days=90)
    other = make_member(org=world.a1)
    body = {"member_id": other.id, "to_org_id": world.a2.id, "reason": "Moves"}
    fresh = api.as_(world.sec_a1).post("/transfers", json=body).get_json()
    _today(date(2026, 12, 1))
    api.as_(world.sec_a1).post(f"/transfers/{fresh['id']}/approve")
    assert api.as_(world.sec_a1).get("/transfers?overdue=true").get_json() == []
    _today(date(2026, 12, 2))  # 31 days after the first issue: receipt overdue
    listed = api.as_(world.sec_a1).get("/transfers?overdue=true").get_json()
    assert [x["id"] for x in listed] == [late["id"]]
    assert listed[0]["overdue"] is True and listed[0]["status"] == "issued"
    from flowmember.transfers.queries import overdue

    assert [t.id for t in overdue(date(2026, 12, 2))] == [late["id"]]
    assert [t.id for t in overdue(date(2026, 12, 1))] == []


def test_in_transit_member_ids(api, start, world):
    from flowmember.transfers.queries import in_transit_member_ids, is_in_transit

    t = start(to=world.a2)
    assert db.session.scalars(in_transit_member_ids()).all() == []
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    assert db.session.scalars(in_transit_member_ids()).all() == [world.member.id]
    assert is_in_transit(world.member.id)
    api.as_(world.sec_a2).post(f"/transfers/{t['id']}/receive", json={})
    assert not is_in_transit(world.member.id)


def test_paper_receipt_inside_validity_after_the_expiry_job(api, start, world, _today):
    from flowmember.transfers.services import mark_expired

    t = _issued(api, start, world, to_name="Outside org", validity_days=10)
    _today(date(2026, 11, 20))
    assert mark_expired(date(2026, 11, 20)) == 1
    db.session.commit()
    late = api.as_(world.sec_a1).post(
        f"/transfers/{t['id']}/receive", json={"received_on": "2026-11-12"}
    )
    assert late.status_code == 409
    ok = api.as_(world.sec_a1).post(
        f"/transfers/{t['id']}/receive", json={"received_on": "2026-11-11"}
    )
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["status"] == "received"


def test_mark_expired_job_and_reads_agree(api, start, world):
    from flowmember.transfers.services import mark_expired

    t = _issued(api, start, world, to=world.a2)
    assert mark_expired(date(2026, 12, 1)) == 0
    assert mark_expired(date(2026, 12, 2)) == 1
    db.session.commit()
    assert mark_expired(date(2026, 12, 2)) == 0
    stored = db.session.get(Transfer, t["id"])
    assert stored.status.value == "expired"
    assert stored.expires_on + timedelta(days=1) == date(2026, 12, 2)
