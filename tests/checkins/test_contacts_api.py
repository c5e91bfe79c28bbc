"""Contact attempts logged by staff: POST/GET /members/{id}/contacts."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from flowmember.checkins.models import ContactAttempt
from flowmember.extensions import db
from flowmember.members.models import Member


def _member(member_id: int) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member_id)


def test_reached_attempt_moves_last_reached_forward_only(
    api, secretary, make_member, branch, freeze
):
    freeze("2026-11-21T10:00:00+08:00")
    member = make_member(org=branch)
    staff = api.as_(secretary)
    r = staff.post(
        f"/members/{member.id}/contacts",
        json={"channel": "phone", "outcome": "reached", "note": "在深圳打工，一切好"},
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["at"] == "2026-11-21T02:00:00+00:00"
    assert _member(member.id).last_reached_at == datetime(2026, 11, 21, 2, tzinfo=UTC)
    # An earlier reached attempt, logged later, does not move it back.
    r = staff.post(
        f"/members/{member.id}/contacts",
        json={"channel": "visit", "outcome": "reached", "at": "2026-11-01T09:00:00+08:00"},
    )
    assert r.status_code == 201
    assert _member(member.id).last_reached_at == datetime(2026, 11, 21, 2, tzinfo=UTC)
    listed = staff.get(f"/members/{member.id}/contacts").get_json()
    assert [c["channel"] for c in listed] == ["phone", "visit"]


@pytest.mark.parametrize("outcome", ["no_answer", "wrong_number", "bounced"])
def test_unsuccessful_attempts_do_not_count_as_reached(
    api, secretary, make_member, branch, outcome
):
    member = make_member(org=branch)
    r = api.as_(secretary).post(
        f"/members/{member.id}/contacts", json={"channel": "sms", "outcome": outcome}
    )
    assert r.status_code == 201
    assert _member(member.id).last_reached_at is None


def test_a_refusal_means_the_member_was_reached(api, secretary, make_member, branch, freeze):
    """DOMAIN §8: a "refused" outcome means the member was reached (not lost)."""
    from flowmember.checkins.summaries import rebuild_summaries

    freeze("2026-11-21T10:00:00+08:00")
    member = make_member(org=branch)
    r = api.as_(secretary).post(
        f"/members/{member.id}/contacts", json={"channel": "phone", "outcome": "refused"}
    )
    assert r.status_code == 201
    assert _member(member.id).last_reached_at == datetime(2026, 11, 21, 2, tzinfo=UTC)
    assert rebuild_summaries(check_only=True)["total_mismatches"] == 0


def test_time_without_offset_is_read_as_shanghai(api, secretary, make_member, branch, freeze):
    freeze("2026-11-21T10:00:00+08:00")
    member = make_member(org=branch)
    r = api.as_(secretary).post(
        f"/members/{member.id}/contacts",
        json={"channel": "wechat", "outcome": "reached", "at": "2026-11-20T08:00:00"},
    )
    assert r.get_json()["at"] == "2026-11-20T00:00:00+00:00"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "pigeon", "outcome": "reached"}, "channel"),
        ({"channel": "phone", "outcome": "maybe"}, "outcome"),
        ({"outcome": "reached"}, "channel"),
        ({"channel": "phone", "outcome": "reached", "at": "2026-11-22T10:00:00+08:00"}, "at"),
    ],
)
def test_bad_contact_is_422(api, secretary, make_member, branch, freeze, payload, field):
    freeze("2026-11-21T10:00:00+08:00")
    member = make_member(org=branch)
    r = api.as_(secretary).post(f"/members/{member.id}/contacts", json=payload)
    assert r.status_code == 422
    assert field in r.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(ContactAttempt)) == 0


def test_contacts_outside_the_subtree_are_404(api, make_user, make_org, make_member, branch):
    member = make_member(org=branch)
    stranger = make_user("secretary", make_org("branch"))
    body = {"channel": "phone", "outcome": "reached"}
    assert api.as_(stranger).post(f"/members/{member.id}/contacts", json=body).status_code == 404
    assert api.as_(stranger).get(f"/members/{member.id}/contacts").status_code == 404
