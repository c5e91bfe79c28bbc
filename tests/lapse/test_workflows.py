"""Status workflows through the API (DOMAIN §8, issue 11): approval needs an admin of a strictly
higher committee; a probationary member who cannot be found loses probationary status instead
of being suspended; a suspended member is removed after two years only by request and approval;
a lapse removal needs an education or contact step first; datetime fields read a plain date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.lapse.models import LapseCase, StatusProposal
from flowmember.lapse.services import PROBATION_LOSS_REASON
from flowmember.members.models import Member, MemberStatusEvent
from tests.conftest import login, page_and_token

NOT_HIGHER_ZH = "只有上级党委的管理员可以审批"


def _member(member_id: int) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member_id)


def _actions(*entity_ids: int) -> list[str]:
    return db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_id.in_(entity_ids))
        .order_by(AuditEntry.id)
    ).all()


# --- approval needs a strictly higher committee ---------------------------------------------------


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_an_admin_of_the_members_own_branch_may_not_decide_a_suspension(
    api, tree, make_member, freeze, decision
):
    freeze("2026-11-30")
    member = make_member(org=tree.branch)
    base = f"/members/{member.id}/suspension"
    assert api.as_(tree.secretary).post(base, json={"reason": "Lost 6 months"}).status_code == 201

    own = api.as_(tree.branch_admin).post(f"{base}/{decision}", json={})
    assert own.status_code == 403
    assert NOT_HIGHER_ZH in own.get_json()["message"]
    assert _member(member.id).status.value == "active"

    higher = api.as_(tree.admin).post(f"{base}/{decision}", json={})
    assert higher.status_code == 200, higher.get_json()
    expected = {"approve": "suspended", "reject": "active"}[decision]
    assert _member(member.id).status.value == expected


def test_an_admin_of_the_members_own_branch_may_not_approve_a_restoration(
    api, tree, make_member, freeze
):
    freeze("2026-11-30")
    member = make_member(org=tree.branch, status="suspended", status_since=date(2026, 1, 10))
    base = f"/members/{member.id}/restoration"
    assert api.as_(tree.secretary).post(base, json={"reason": "Wrote in"}).status_code == 201
    assert api.as_(tree.branch_admin).post(f"{base}/approve", json={}).status_code == 403
    assert _member(member.id).status.value == "suspended"
    assert api.as_(tree.admin).post(f"{base}/approve", json={}).status_code == 200
    assert _member(member.id).status.value == "active"


def test_an_admin_of_another_committee_does_not_see_the_member(
    api, tree, make_org, make_user, make_member
):
    member = make_member(org=tree.branch)
    api.as_(tree.secretary).post(f"/members/{member.id}/suspension", json={"reason": "Lost"})
    stranger = make_user("admin", make_org("committee"))
    response = api.as_(stranger).post(f"/members/{member.id}/suspension/approve", json={})
    assert response.status_code == 404


# --- a probationary member who cannot be found loses probationary status ------------------------


@pytest.fixture
def probationary(tree, make_member, freeze):
    freeze("2026-11-30")
    member = make_member(org=tree.branch, stage="probationary", joined_on=date(2026, 1, 5))
    db.session.add(
        StatusProposal(member_id=member.id, kind="probation_loss", proposed_on=date(2026, 11, 1))
    )
    db.session.commit()
    return member


def test_suspending_a_probationary_member_is_filed_as_loss_of_probationary_status(
    api, tree, probationary
):
    base = f"/members/{probationary.id}"
    requested = api.as_(tree.secretary).post(
        f"{base}/suspension", json={"reason": "Not found after every search"}
    )
    assert requested.status_code == 201, requested.get_json()
    assert requested.get_json()["kind"] == "probation_loss"
    assert requested.get_json()["status"] == "pending"

    assert api.as_(tree.branch_admin).post(f"{base}/suspension/approve", json={}).status_code == 403
    approved = api.as_(tree.admin).post(f"{base}/suspension/approve", json={"note": "Agreed"})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["kind"] == "probation_loss"

    member = _member(probationary.id)
    # No longer a member: removed (never suspended), the stage kept as the record of what was lost.
    assert member.status.value == "removed" and member.stage.value == "probationary"
    (event,) = db.session.scalars(
        select(MemberStatusEvent).where(MemberStatusEvent.member_id == member.id)
    ).all()
    assert event.status.value == "removed" and event.from_status == "active"
    assert event.reason.startswith(PROBATION_LOSS_REASON)
    assert "Not found after every search" in event.reason
    assert {"member.status", "member.probation_loss_approve"} <= set(
        _actions(member.id, approved.get_json()["id"])
    )
    proposal = db.session.scalars(select(StatusProposal)).one()
    assert proposal.status == "closed"
    # Nothing to restore: the member was never suspended.
    restore = api.as_(tree.secretary).post(f"{base}/restoration", json={"reason": "Found"})
    assert restore.status_code == 409


def test_loss_of_probationary_status_has_its_own_endpoints(api, tree, probationary, make_member):
    base = f"/members/{probationary.id}/probation-loss"
    assert api.as_(tree.secretary).post(base, json={"reason": "Not found"}).status_code == 201
    assert api.as_(tree.branch_admin).post(f"{base}/approve", json={}).status_code == 403
    refused = api.as_(tree.admin).post(f"{base}/reject", json={"note": "Search again"})
    assert refused.status_code == 200 and refused.get_json()["status"] == "rejected"
    assert _member(probationary.id).status.value == "active"

    full = make_member(org=tree.branch, stage="full")
    response = api.as_(tree.secretary).post(
        f"/members/{full.id}/probation-loss?lang=en", json={"reason": "Not found"}
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == (
        "Only a probationary member can lose probationary status."
    )


def test_a_full_member_is_still_suspended(api, tree, make_member, freeze):
    freeze("2026-11-30")
    member = make_member(org=tree.branch, stage="full")
    requested = api.as_(tree.secretary).post(
        f"/members/{member.id}/suspension", json={"reason": "Lost"}
    )
    assert requested.get_json()["kind"] == "suspension"


# --- removal after two years of suspension ----------------------------------------------------


def test_a_member_suspended_two_years_is_removed_only_by_request_and_approval(
    api, tree, make_member, freeze
):
    freeze("2026-11-30")
    recent = make_member(org=tree.branch, status="suspended", status_since=date(2025, 1, 10))
    early = api.as_(tree.secretary).post(f"/members/{recent.id}/removal", json={"reason": "x"})
    assert early.status_code == 409

    member = make_member(org=tree.branch, status="suspended", status_since=date(2024, 11, 20))
    base = f"/members/{member.id}/removal"
    assert api.as_(tree.secretary).post(base, json={"reason": "Still lost"}).status_code == 201
    assert api.as_(tree.branch_admin).post(f"{base}/approve", json={}).status_code == 403
    assert _member(member.id).status.value == "suspended"
    assert api.as_(tree.admin).post(f"{base}/approve", json={}).status_code == 200
    assert _member(member.id).status.value == "removed"


# --- a lapse removal needs an education or contact step ---------------------------------------


@pytest.fixture
def case(api, tree, make_member, dues_history, freeze):
    """An open case: assessed Jan..Nov 2026, paid through April."""
    freeze("2026-11-30")
    member = make_member(org=tree.branch, category="other", joined_on=date(2015, 6, 1))
    dues_history(member, first="2026-01", last="2026-11", paid_through="2026-04")
    swept = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"})
    assert swept.status_code == 200
    (found,) = api.as_(tree.secretary).get(f"/lapse-cases?member_id={member.id}").get_json()
    return found


REMOVE = {"decision": "remove", "meeting_on": "2026-11-30", "reason": "Did not change."}


def test_a_removal_decision_without_an_education_or_contact_step_is_409(api, tree, case):
    path = f"/lapse-cases/{case['id']}"
    refused = api.as_(tree.secretary).post(f"{path}/decision", json=REMOVE)
    assert refused.status_code == 409
    body = refused.get_json()
    assert "教育或联系" in body["message"] and "steps" in body["errors"]
    english = api.as_(tree.secretary).post(f"{path}/decision?lang=en", json=REMOVE)
    assert "education or contact step" in english.get_json()["message"]
    assert api.as_(tree.secretary).get(path).get_json()["status"] == "open"

    step = api.as_(tree.secretary).post(f"{path}/steps", json={"kind": "contact", "note": "Called"})
    assert step.status_code == 201
    decided = api.as_(tree.secretary).post(f"{path}/decision", json=REMOVE)
    assert decided.status_code == 200 and decided.get_json()["status"] == "decided"


def test_a_retain_decision_needs_no_step(api, tree, case):
    retained = api.as_(tree.secretary).post(
        f"/lapse-cases/{case['id']}/decision",
        json={"decision": "retain", "meeting_on": "2026-11-30", "reason": "Back in touch"},
    )
    assert retained.status_code == 200 and retained.get_json()["outcome"] == "retained"


# --- datetime fields read a plain date as that day in Asia/Shanghai ---------------------------


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("given", "utc"),
    [
        ("2026-11-20", datetime(2026, 11, 19, 16, 0, tzinfo=UTC)),  # start of the day, +08:00
        ("2026-11-20T09:30:00", datetime(2026, 11, 20, 1, 30, tzinfo=UTC)),  # naive: Shanghai
        ("2026-11-20T09:30:00+00:00", datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
    ],
)
def test_a_steps_at_accepts_a_plain_date(api, tree, case, given, utc):
    response = api.as_(tree.secretary).post(
        f"/lapse-cases/{case['id']}/steps", json={"kind": "education", "at": given}
    )
    assert response.status_code == 201, response.get_json()
    assert _utc(response.get_json()["at"]) == utc


BAD_DATETIMES = [
    "0000-01-01",
    "10000-01-01",
    "2026-02-30",
    "2026-11-20T25:00:00",
    "0001-01-01T00:00:00+08:00",  # before the first representable UTC instant
    "9999-12-31T23:00:00-08:00",  # after the last
    "20 November 2026",
    "",
]


@pytest.mark.parametrize("given", BAD_DATETIMES)
def test_an_impossible_step_at_is_422(api, tree, case, given):
    response = api.as_(tree.secretary).post(
        f"/lapse-cases/{case['id']}/steps", json={"kind": "education", "at": given}
    )
    assert response.status_code == 422
    assert "at" in response.get_json()["errors"]


def test_a_contact_attempts_at_accepts_a_plain_date(api, tree, make_member, freeze):
    freeze("2026-11-30")
    member = make_member(org=tree.branch)
    response = api.as_(tree.secretary).post(
        f"/members/{member.id}/contacts",
        json={"channel": "phone", "outcome": "no_answer", "at": "2026-11-20"},
    )
    assert response.status_code == 201, response.get_json()
    assert _utc(response.get_json()["at"]) == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("given", BAD_DATETIMES)
def test_an_impossible_contact_at_is_422(api, tree, make_member, given):
    member = make_member(org=tree.branch)
    response = api.as_(tree.secretary).post(
        f"/members/{member.id}/contacts",
        json={"channel": "phone", "outcome": "no_answer", "at": given},
    )
    assert response.status_code == 422
    assert "at" in response.get_json()["errors"]


def test_the_case_page_refuses_a_removal_before_any_step(client, tree, case):
    login(client, tree.secretary)
    path = f"/lapse/{case['id']}"
    page, token = page_and_token(client, path)
    assert '<option value="remove" disabled>' in page
    posted = client.post(path, data={"csrf_token": token, "action": "decision", **REMOVE})
    assert posted.status_code == 302
    assert "作出除名决定前" in client.get(path).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LapseCase, case["id"]).status.value == "open"


@pytest.mark.parametrize(
    ("step_at", "meeting_on", "step_status", "decision_status"),
    [
        ("2026-11-20", "2026-11-30", 201, 200),  # educated, then the meeting
        ("2027-06-01", "2026-11-30", 422, 409),  # a step cannot be recorded ahead of time
        ("2026-11-30", "2026-11-30", 201, 200),  # the same day counts
    ],
)
def test_a_removal_needs_an_education_step_that_took_place_before_the_meeting(
    api, case, tree, step_at, meeting_on, step_status, decision_status
):
    step = api.as_(tree.secretary).post(
        f"/lapse-cases/{case['id']}/steps",
        json={"kind": "education", "at": step_at, "note": "talk"},
    )
    assert step.status_code == step_status
    decision = api.as_(tree.secretary).post(
        f"/lapse-cases/{case['id']}/decision",
        json={"decision": "remove", "meeting_on": meeting_on, "reason": "no change"},
    )
    assert decision.status_code == decision_status
