"""Lost contact: the contact sweep, escalation contacts, suspension and restoration."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from flowmember.checkins.models import ContactAttempt
from flowmember.core import months
from flowmember.extensions import db
from flowmember.lapse import sweeps
from flowmember.lapse.models import StatusProposal
from flowmember.members.models import Member

NOV30 = date(2026, 11, 30)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def attempts(member, *when: str, outcome: str = "no_answer") -> None:
    for w in when:
        db.session.add(
            ContactAttempt(member_id=member.id, at=at(w), channel="phone", outcome=outcome)
        )
    db.session.commit()


def bounced_reminder(member, when: str, period: str) -> None:
    from flowmember.reminders.models import Reminder

    db.session.add(
        Reminder(
            member_id=member.id,
            kind="checkin_due",
            period=period,
            status="failed",
            bounced=True,
            sent_at=at(when),
            created_at=at(when),
        )
    )
    db.session.commit()


def flag(member) -> bool:
    db.session.expire_all()
    return db.session.get(Member, member.id).flag_unreachable


@pytest.mark.parametrize(
    ("last_reached", "failures", "expected"),
    [
        ("2026-07-20T00:00:00", ["2026-09-01T00:00:00", "2026-10-01T00:00:00"], True),
        ("2026-08-02T00:00:00", ["2026-09-01T00:00:00", "2026-10-01T00:00:00"], False),  # 2 mo
        ("2026-07-20T00:00:00", ["2026-09-01T00:00:00"], False),  # one failure
        # failures before the last successful contact do not count
        ("2026-07-20T00:00:00", ["2026-06-01T00:00:00", "2026-07-01T00:00:00"], False),
        (None, ["2026-09-01T00:00:00", "2026-10-01T00:00:00"], True),
    ],
)
def test_unreachable_flag(make_member, last_reached, failures, expected):
    member = make_member(
        last_reached_at=at(last_reached) if last_reached else None,
        last_checkin_month=months.parse("2026-06"),
    )
    attempts(member, *failures)
    counts = sweeps.run_contact_sweep(NOV30)
    assert counts["flagged"] == int(expected)
    assert flag(member) is expected


def test_bounced_reminders_count_as_failed_attempts(make_member):
    member = make_member(last_reached_at=at("2026-05-01T00:00:00"))
    attempts(member, "2026-09-01T00:00:00")
    bounced_reminder(member, "2026-10-05T00:00:00", "2026-10")
    assert sweeps.run_contact_sweep(NOV30)["flagged"] == 1
    assert flag(member) is True


def test_reached_again_clears_the_flag_and_sweep_is_idempotent(make_member):
    member = make_member(last_reached_at=at("2026-05-01T00:00:00"))
    attempts(member, "2026-09-01T00:00:00", "2026-10-01T00:00:00")
    assert sweeps.run_contact_sweep(NOV30)["flagged"] == 1
    assert sweeps.run_contact_sweep(NOV30)["flagged"] == 0
    db.session.get(Member, member.id).last_reached_at = at("2026-11-20T00:00:00")
    db.session.commit()
    counts = sweeps.run_contact_sweep(NOV30)
    assert counts["cleared"] == 1 and flag(member) is False


@pytest.mark.parametrize(
    ("stage", "last_reached", "kind"),
    [
        ("full", "2026-04-10T00:00:00", "suspension"),  # May..Oct silent: 6 months
        ("probationary", "2026-04-10T00:00:00", "probation_loss"),
        ("full", "2026-05-10T00:00:00", None),  # 5 months
    ],
)
def test_six_months_out_of_contact_proposes_suspension(make_member, stage, last_reached, kind):
    member = make_member(stage=stage, last_reached_at=at(last_reached))
    attempts(member, "2026-09-01T00:00:00", "2026-10-01T00:00:00")
    sweeps.run_contact_sweep(NOV30)
    sweeps.run_contact_sweep(NOV30)
    rows = db.session.scalars(select(StatusProposal).where(StatusProposal.member_id == member.id))
    assert [p.kind.value for p in rows] == ([kind] if kind else [])
    assert db.session.get(Member, member.id).status.value == "active"  # a proposal only


@pytest.mark.parametrize(
    ("suspended_on", "proposed"),
    [(date(2024, 11, 30), True), (date(2024, 12, 1), False)],
)
def test_two_years_suspended_proposes_removal(make_member, suspended_on, proposed):
    member = make_member(
        status="suspended", status_since=suspended_on, last_reached_at=at("2024-06-01T00:00:00")
    )
    counts = sweeps.run_contact_sweep(NOV30)
    assert counts["proposed_removal"] == int(proposed)
    kinds = db.session.scalars(
        select(StatusProposal.kind).where(StatusProposal.member_id == member.id)
    ).all()
    assert [k.value for k in kinds] == (["removal"] if proposed else [])


def test_contact_sweep_api_and_unreachable_list(api, tree, make_member):
    member = make_member(org=tree.branch, last_reached_at=at("2026-05-01T00:00:00"))
    attempts(member, "2026-09-01T00:00:00", "2026-10-01T00:00:00")
    assert api.as_(tree.secretary).post("/sweeps/contact", json={}).status_code == 403
    response = api.as_(tree.admin).post("/sweeps/contact", json={"as_of": "2026-11-30"})
    assert response.status_code == 200
    assert response.get_json()["flagged"] == 1
    added = api.as_(tree.secretary).post(
        f"/members/{member.id}/escalation-contacts",
        json={"kind": "introducer", "name": "An introducer", "phone": "+8613800000000"},
    )
    assert added.status_code == 201
    listed = api.as_(tree.secretary).get("/lapse/unreachable").get_json()
    assert [row["member_id"] for row in listed] == [member.id]
    assert listed[0]["escalation_contacts"][0]["kind"] == "introducer"


def test_suspension_and_restoration_workflow(api, tree, make_member, freeze):
    freeze("2026-11-30")
    member = make_member(org=tree.branch)
    base = f"/members/{member.id}"
    assert api.as_(tree.secretary).post(f"{base}/suspension/approve", json={}).status_code == 403
    assert api.as_(tree.admin).post(f"{base}/suspension/approve", json={}).status_code == 409
    requested = api.as_(tree.secretary).post(f"{base}/suspension", json={"reason": "Lost 6 mo"})
    assert requested.status_code == 201 and requested.get_json()["status"] == "pending"
    twice = api.as_(tree.secretary).post(f"{base}/suspension", json={"reason": "again"})
    assert twice.status_code == 409
    assert db.session.get(Member, member.id).status.value == "active"
    approved = api.as_(tree.admin).post(f"{base}/suspension/approve", json={})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    db.session.expire_all()
    assert db.session.get(Member, member.id).status.value == "suspended"

    freeze("2027-03-01")
    restored = api.as_(tree.secretary).post(f"{base}/restoration", json={"reason": "Wrote in"})
    assert restored.status_code == 201
    assert api.as_(tree.admin).post(f"{base}/restoration/approve", json={}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Member, member.id).status.value == "active"


def test_restoration_after_two_years_is_409(api, tree, make_member, freeze):
    freeze("2026-11-30")
    member = make_member(org=tree.branch, status="suspended", status_since=date(2024, 11, 30))
    response = api.as_(tree.secretary).post(
        f"/members/{member.id}/restoration", json={"reason": "Wrote in"}
    )
    assert response.status_code == 409
    missing = api.as_(tree.secretary).post(f"/members/{member.id}/restoration", json={})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
