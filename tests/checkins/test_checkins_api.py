"""POST /me/checkins and friends: first, amend, duplicate key, replay, consent, bad input."""

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from flowmember.checkins.models import Checkin
from flowmember.core import months
from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member

from .conftest import BEIJING, GUANGZHOU


def _count_checkins() -> int:
    return db.session.scalar(select(func.count()).select_from(Checkin))


def test_first_checkin_is_201_and_updates_the_summary(member_login, grant_consent, freeze):
    freeze("2026-11-21")
    member, me = member_login()
    grant_consent(member)
    r = me.post("/me/checkins", json={"location": BEIJING, "report": "一切正常，按时学习。"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["month"] == "2026-11"
    assert body["revision"] == 1
    assert body["location"]["city_code"] == "110100"
    assert body["location"]["city_name"] == "北京市"
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert member.last_checkin_month == months.parse("2026-11")
    assert member.last_reached_at is not None
    assert member.city_code == "110100"  # the ledger follows the reported location
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "checkin.create"))


def test_second_checkin_in_the_month_amends_the_first(member_login, grant_consent, freeze):
    freeze("2026-11-02")
    member, me = member_login()
    grant_consent(member)
    first = me.post("/me/checkins", json={"location": BEIJING, "report": "first"}).get_json()
    freeze.tick(hours=5)  # (tokens live 12 hours)
    r = me.post("/me/checkins", json={"location": GUANGZHOU, "report": "second"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == first["id"]
    assert body["revision"] == 2
    assert body["report"] == "second"
    assert body["location"]["city_code"] == "440100"
    assert _count_checkins() == 1
    amend = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.amend")).one()
    assert amend.before["report"] == "first" and amend.after["report"] == "second"


def test_midnight_in_shanghai_decides_the_month(member_login, freeze):
    freeze("2026-11-30T23:59:00+08:00")
    member, me = member_login()
    assert me.post("/me/checkins", json={"report": "a"}).get_json()["month"] == "2026-11"
    freeze("2026-12-01T00:01:00+08:00")  # still 30 November in UTC
    r = me.post("/me/checkins", json={"report": "b"})
    assert r.status_code == 201
    assert r.get_json()["month"] == "2026-12"


def test_same_idempotency_key_returns_the_first_response(member_login, freeze):
    freeze("2026-11-21")
    member, me = member_login()
    headers = {"Idempotency-Key": "abc-123"}
    first = me.post("/me/checkins", json={"report": "x"}, headers=headers)
    again = me.post("/me/checkins", json={"report": "x"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert db.session.scalar(select(Checkin.revision)) == 1
    other = me.post("/me/checkins", json={"report": "y"}, headers=headers)
    assert other.status_code == 409
    assert db.session.scalar(select(Checkin.report)) == "x"


def test_the_same_json_in_another_key_order_is_the_same_request(member_login, freeze):
    freeze("2026-11-21")
    _member, me = member_login()
    headers = {"Idempotency-Key": "order-1", "Content-Type": "application/json"}
    first = me.post("/me/checkins", data='{"report": "x", "month": "2026-11"}', headers=headers)
    again = me.post("/me/checkins", data='{"month":"2026-11","report":"x"}', headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert db.session.scalar(select(Checkin.revision)) == 1


def test_client_uuid_replay_changes_nothing(member_login, freeze):
    freeze("2026-11-21")
    member, me = member_login()
    sid = str(uuid.uuid4())
    first = me.post("/me/checkins", json={"report": "offline", "client_uuid": sid})
    assert first.status_code == 201
    freeze.tick(hours=3)
    replay = me.post("/me/checkins", json={"report": "offline", "client_uuid": sid})
    assert replay.status_code == 200
    assert replay.get_json()["revision"] == 1
    assert replay.get_json()["updated_at"] == first.get_json()["updated_at"]
    assert _count_checkins() == 1


def test_client_uuid_of_another_member_is_a_conflict(member_login, freeze):
    freeze("2026-11-21")
    sid = str(uuid.uuid4())
    _, one = member_login()
    _, two = member_login()
    assert one.post("/me/checkins", json={"report": "a", "client_uuid": sid}).status_code == 201
    assert two.post("/me/checkins", json={"report": "b", "client_uuid": sid}).status_code == 409


def test_location_without_consent_is_409_and_nothing_is_written(
    member_login, grant_consent, freeze
):
    freeze("2026-11-21")
    member, me = member_login()
    r = me.post("/me/checkins", json={"location": BEIJING, "report": "x"})
    assert r.status_code == 409
    assert "location" in r.get_json()["errors"]
    assert _count_checkins() == 0
    grant_consent(member)
    grant_consent(member, granted=False)  # withdrawn again
    assert me.post("/me/checkins", json={"location": BEIJING, "report": "x"}).status_code == 409
    assert _count_checkins() == 0


def test_consent_granted_through_the_api_allows_location(member_login, freeze):
    freeze("2026-11-21")
    member, me = member_login()
    assert me.post("/me/consents", json={"purpose": "location", "granted": True}).status_code == 201
    assert me.post("/me/checkins", json={"location": BEIJING, "report": "x"}).status_code == 201


def test_checkin_without_location_needs_no_consent(member_login, freeze):
    freeze("2026-11-21")
    member, me = member_login()
    r = me.post("/me/checkins", json={"report": "只汇报，不报位置"})
    assert r.status_code == 201
    assert r.get_json()["location"] is None


@pytest.mark.parametrize(
    ("location", "field"),
    [
        ({"province_code": "110000", "city_code": "999999"}, "location.city_code"),
        ({"province_code": "990000", "city_code": "110100"}, "location.province_code"),
        ({"province_code": "110000", "city_code": "440100"}, "location.city_code"),
        (
            {"province_code": "440000", "city_code": "440100", "district_code": "110101"},
            "location.district_code",
        ),
    ],
)
def test_bad_division_code_is_422_naming_the_field(
    member_login, grant_consent, freeze, location, field
):
    freeze("2026-11-21")
    member, me = member_login()
    grant_consent(member)
    r = me.post("/me/checkins", json={"location": location, "report": "x"})
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"]
    assert _count_checkins() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"report": ""}, "report"),
        ({}, "report"),
        ({"report": "x" * 2001}, "report"),
        ({"report": "x", "month": "2026-12"}, "month"),
        ({"report": "x", "month": "2026-09"}, "month"),
        ({"report": "x", "month": "November"}, "month"),
        ({"report": "x", "phone": "12345"}, "phone"),
        ({"report": "x", "client_uuid": "not-a-uuid"}, "client_uuid"),
    ],
)
def test_bad_input_is_422_and_nothing_is_written(member_login, freeze, payload, field):
    freeze("2026-11-21")
    member, me = member_login()
    r = me.post("/me/checkins", json=payload)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"]
    assert _count_checkins() == 0


def test_previous_month_within_the_grace_days(member_login, freeze):
    freeze("2026-12-03")
    member, me = member_login()
    r = me.post("/me/checkins", json={"report": "late", "month": "2026-11"})
    assert r.status_code == 201
    assert r.get_json()["month"] == "2026-11"
    db.session.expire_all()
    assert db.session.get(Member, member.id).last_checkin_month == months.parse("2026-11")
    # The current month's check-in moves the summary forward; the late one never moves it back.
    me.post("/me/checkins", json={"report": "now"})
    me.post("/me/checkins", json={"report": "late again", "month": "2026-11"})
    db.session.expire_all()
    assert db.session.get(Member, member.id).last_checkin_month == months.parse("2026-12")


def test_phone_and_employer_update_the_ledger_and_the_login(member_login, freeze):
    freeze("2026-11-21")
    member, me = member_login(employer="Old employer")
    old_phone = member.phone
    r = me.post(
        "/me/checkins",
        json={"report": "x", "phone": "139 0013 9000", "employer": "某外卖配送站点"},
    )
    assert r.status_code == 201
    assert r.get_json()["phone"] == "+8613900139000"
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert member.phone == "+8613900139000"
    assert member.employer == "某外卖配送站点"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "member.update")).one()
    assert entry.before == {"phone": old_phone, "employer": "Old employer"}
    assert entry.after["phone"] == "+8613900139000"
    from flowmember.accounts.models import User

    assert db.session.scalar(select(User.username).where(User.member_id == member.id)) == (
        "+8613900139000"
    )


def test_removed_member_cannot_check_in(member_login, freeze):
    freeze("2026-11-21")
    member, me = member_login(status="removed")
    assert me.post("/me/checkins", json={"report": "x"}).status_code == 409


def test_lists_and_scope(member_login, make_user, make_org, secretary, freeze):
    freeze("2026-12-02")
    member, me = member_login()
    me.post("/me/checkins", json={"report": "nov", "month": "2026-11"})
    me.post("/me/checkins", json={"report": "dec"})
    mine = me.get("/me/checkins")
    assert mine.status_code == 200
    assert [c["month"] for c in mine.get_json()] == ["2026-12", "2026-11"]
    assert me.get("/me/checkins?from=2026-12").get_json()[0]["report"] == "dec"
    staff = me.as_(secretary).get(f"/members/{member.id}/checkins")
    assert staff.status_code == 200 and len(staff.get_json()) == 2
    stranger = make_user("secretary", make_org("branch"))
    assert me.as_(stranger).get(f"/members/{member.id}/checkins").status_code == 404
    assert me.as_(secretary).post("/me/checkins", json={"report": "x"}).status_code == 403
    assert me.get(f"/members/{member.id}/checkins").status_code == 403


def test_status_endpoint(member_login, freeze):
    freeze("2026-11-03")
    member, me = member_login(joined_on=date(2026, 8, 15))
    s = me.get("/me/checkins/status").get_json()
    assert s == {
        "month": "2026-11",
        "checked_in": False,
        "last_checkin_month": None,
        "allowed_months": ["2026-11", "2026-10"],
        "missed_months": 3,
    }
    me.post("/me/checkins", json={"report": "x"})
    assert me.get("/me/checkins/status").get_json()["checked_in"] is True


@pytest.mark.parametrize(
    ("came_under", "missed"),
    [
        ({}, 3),  # tracked since joining in August
        ({"entered_month": months.parse("2026-11"), "tracked_since_month": months.parse("2026-11")},
         0),  # imported this month
        ({"org_since_month": months.parse("2026-10")}, 1),  # received by transfer in October
    ],
)
def test_missed_months_count_from_when_the_member_came_under_the_org(
    member_login, freeze, came_under, missed
):
    freeze("2026-11-03")
    _member, me = member_login(joined_on=date(2026, 8, 15), **came_under)
    assert me.get("/me/checkins/status").get_json()["missed_months"] == missed
