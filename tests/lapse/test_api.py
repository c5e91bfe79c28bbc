"""Lapse through the API: the sweep, the case workflow, valid reasons and export."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from flowmember.core import months
from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member

MAY_TO_OCT = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


@pytest.fixture
def lapsed(tree, make_member, dues_history, freeze):
    """A member who joined long ago, assessed Jan..Nov 2026, paid through April."""
    freeze("2026-11-30")
    member = make_member(org=tree.branch, category="other", joined_on=date(2015, 6, 1))
    dues_history(member, first="2026-01", last="2026-11", paid_through="2026-04")
    return member


def open_case(api, tree, member):
    response = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"})
    assert response.status_code == 200, response.get_json()
    (case,) = api.as_(tree.secretary).get(f"/lapse-cases?member_id={member.id}").get_json()
    return case


def test_unpaid_since_may_is_opened_on_30_november_and_resolved_by_back_payment(api, tree, lapsed):
    response = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"})
    assert response.status_code == 200
    assert response.get_json() == {"opened": 1, "resolved": 0, "warned": 0, "at_risk": 1}

    cases = api.as_(tree.secretary).get("/lapse-cases?status=open").get_json()
    assert len(cases) == 1
    case = cases[0]
    assert case["member_id"] == lapsed.id
    assert case["opened_on"] == "2026-11-30"
    assert case["status"] == "open"
    assert case["criteria"] == {"dues": MAY_TO_OCT, "org_life": [], "reports": []}
    assert db.session.get(Member, lapsed.id).flag_lapse_risk is True

    # Back-payment of May..Oct through the dues package's payment service.
    from flowmember.dues.payments import record_payment

    record_payment(
        tree.secretary,
        lapsed.id,
        months_=[months.parse(m) for m in MAY_TO_OCT],
        amount=Decimal("6.00"),
        method="cash",
        backpay_approved=True,
    )
    db.session.commit()

    again = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"})
    assert again.get_json() == {"opened": 0, "resolved": 1, "warned": 0, "at_risk": 0}
    db.session.expire_all()
    closed = api.as_(tree.secretary).get(f"/lapse-cases/{case['id']}").get_json()
    assert closed["status"] == "closed" and closed["outcome"] == "resolved"
    assert api.as_(tree.secretary).get("/lapse-cases?status=open").get_json() == []
    assert db.session.get(Member, lapsed.id).flag_lapse_risk is False


def test_sweep_defaults_to_today_and_is_admin_only(api, tree, lapsed):
    assert api.as_(tree.secretary).post("/sweeps/lapse", json={}).status_code == 403
    response = api.as_(tree.admin).post("/sweeps/lapse", json={})
    assert response.status_code == 200
    assert response.get_json()["opened"] == 1  # frozen on 30 November
    bad = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "30/11/2026"})
    assert bad.status_code == 422 and "as_of" in bad.get_json()["errors"]


def test_removal_needs_a_higher_committee_and_only_approval_changes_status(api, tree, lapsed):
    case = open_case(api, tree, lapsed)
    path = f"/lapse-cases/{case['id']}"

    step = api.as_(tree.secretary).post(
        f"{path}/steps",
        json={"kind": "education", "at": "2026-11-30T10:00:00+08:00", "note": "Talked by phone"},
    )
    assert step.status_code == 201 and step.get_json()["kind"] == "education"
    assert api.as_(tree.admin).post(f"{path}/approval", json={"approved": True}).status_code == 409

    decided = api.as_(tree.secretary).post(
        f"{path}/decision",
        json={"decision": "remove", "meeting_on": "2026-11-30", "reason": "Did not change."},
    )
    assert decided.status_code == 200
    assert decided.get_json()["status"] == "decided"
    assert db.session.get(Member, lapsed.id).status.value == "active"
    again = api.as_(tree.secretary).post(
        f"{path}/decision",
        json={"decision": "retain", "meeting_on": "2026-11-30", "reason": "x"},
    )
    assert again.status_code == 409

    # The admin of the branch itself is not a higher committee; a secretary is not an admin.
    assert (
        api.as_(tree.branch_admin).post(f"{path}/approval", json={"approved": True}).status_code
        == 403
    )
    assert (
        api.as_(tree.secretary).post(f"{path}/approval", json={"approved": True}).status_code == 403
    )

    approved = api.as_(tree.admin).post(
        f"{path}/approval", json={"approved": True, "note": "Approved by the committee."}
    )
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["status"] == "closed" and body["outcome"] == "removed"
    assert [s["kind"] for s in body["steps"]] == ["education", "decision", "approval"]
    db.session.expire_all()
    assert db.session.get(Member, lapsed.id).status.value == "removed"
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_id.in_([case["id"], lapsed.id]))
    ).all()
    assert "member.status" in actions and "lapse_case.approve" in actions
    late = api.as_(tree.secretary).post(f"{path}/steps", json={"kind": "contact"})
    assert late.status_code == 409


def test_refused_removal_keeps_the_member(api, tree, lapsed):
    case = open_case(api, tree, lapsed)
    path = f"/lapse-cases/{case['id']}"
    api.as_(tree.secretary).post(f"{path}/steps", json={"kind": "contact", "note": "Called"})
    api.as_(tree.secretary).post(
        f"{path}/decision",
        json={"decision": "remove", "meeting_on": "2026-11-30", "reason": "Did not change."},
    )
    refused = api.as_(tree.admin).post(f"{path}/approval", json={"approved": False, "note": "No"})
    assert refused.get_json()["outcome"] == "removal_rejected"
    assert db.session.get(Member, lapsed.id).status.value == "active"
    # The reviewed months do not open a second case.
    assert api.as_(tree.admin).post("/sweeps/lapse", json={}).get_json()["opened"] == 0


def test_retain_closes_the_case(api, tree, lapsed):
    case = open_case(api, tree, lapsed)
    retained = api.as_(tree.secretary).post(
        f"/lapse-cases/{case['id']}/decision",
        json={"decision": "retain", "meeting_on": "2026-11-30", "reason": "Abroad, now reachable."},
    )
    assert retained.status_code == 200
    assert retained.get_json()["status"] == "closed"
    assert retained.get_json()["outcome"] == "retained"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "expel", "meeting_on": "2026-11-30", "reason": "x"}, "decision"),
        ({"decision": "remove", "meeting_on": "2026-12-30", "reason": "x"}, "meeting_on"),
        ({"decision": "remove", "meeting_on": "2026-11-30"}, "reason"),
        ({"decision": "remove", "meeting_on": "2026-11-30", "reason": "   "}, "reason"),
    ],
)
def test_bad_decision_is_422_naming_the_field(api, tree, lapsed, body, field):
    case = open_case(api, tree, lapsed)
    response = api.as_(tree.secretary).post(f"/lapse-cases/{case['id']}/decision", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert api.as_(tree.secretary).get(f"/lapse-cases/{case['id']}").get_json()["status"] == "open"


def test_cases_outside_the_subtree_do_not_exist(api, tree, lapsed, make_org, make_user):
    case = open_case(api, tree, lapsed)
    other = make_user("admin", make_org("committee"))
    assert api.as_(other).get(f"/lapse-cases/{case['id']}").status_code == 404
    assert api.as_(other).get("/lapse-cases").get_json() == []
    assert (
        api.as_(other)
        .post(f"/lapse-cases/{case['id']}/approval", json={"approved": True})
        .status_code
        == 404
    )


def test_filter_by_org_and_export(api, tree, lapsed, make_org):
    open_case(api, tree, lapsed)
    assert len(api.as_(tree.admin).get(f"/lapse-cases?org_id={tree.branch.id}").get_json()) == 1
    sibling = make_org("branch", parent=tree.committee)
    assert api.as_(tree.admin).get(f"/lapse-cases?org_id={sibling.id}").get_json() == []
    csv = api.as_(tree.admin).get("/lapse-cases/export?status=open")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "2026-05 2026-06 2026-07 2026-08 2026-09 2026-10" in text
    xlsx = api.as_(tree.admin).get("/lapse-cases/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"


def test_valid_reason_through_the_api_prevents_the_case(api, tree, lapsed):
    response = api.as_(tree.secretary).post(
        f"/members/{lapsed.id}/valid-reasons",
        json={"kind": "illness", "from_month": "2026-08", "to_month": "2026-08", "note": "Surgery"},
    )
    assert response.status_code == 201
    assert response.get_json()["from_month"] == "2026-08"
    swept = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"}).get_json()
    assert swept["opened"] == 0
    listed = api.as_(tree.secretary).get(f"/members/{lapsed.id}/valid-reasons").get_json()
    assert [r["kind"] for r in listed] == ["illness"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "holiday", "from_month": "2026-08", "to_month": "2026-08"}, "kind"),
        ({"kind": "leave", "from_month": "2026-13", "to_month": "2026-08"}, "from_month"),
        ({"kind": "leave", "from_month": "2026-09", "to_month": "2026-08"}, "to_month"),
    ],
)
def test_bad_valid_reason_is_422(api, tree, lapsed, body, field):
    response = api.as_(tree.secretary).post(f"/members/{lapsed.id}/valid-reasons", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_org_gaps_endpoint(api, tree, lapsed):
    gaps = api.as_(tree.secretary).get("/lapse/org-gaps?as_of=2026-11-30").get_json()
    (branch,) = [g for g in gaps if g["org_id"] == tree.branch.id]
    assert len(branch["months"]) == 12  # the branch held no org life at all
    assert branch["months"][-1] == months.to_str(months.parse("2026-10"))
