"""The member ledger through the API: POST/GET/PATCH /members, the audited ID read, status
events, exemptions, invitations and activation, /me and consents, divisions."""

from datetime import date

import pytest
from sqlalchemy import select

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member

BIRTH = date(1996, 5, 17)


def test_create_member_returns_the_member_object_with_masked_id(api, secretary, branch):
    body = {
        "name": "A member",
        "gender": "female",
        "id_number": "11010519491231002x",
        "phone": "13800138000",
        "category": "migrant",
        "stage": "full",
        "joined_on": "1975-07-01",
        "org_id": branch.id,
        "away_since": "2026-01-10",
        "location": {"province_code": "420000", "city_code": "420100", "district_code": "420102"},
    }
    r = api.as_(secretary).post("/members", json=body)
    assert r.status_code == 201, r.get_json()
    m = r.get_json()
    assert m["id_number"] == "110105********002X"
    assert m["phone"] == "+8613800138000"
    assert m["birth_date"] == "1949-12-31"
    assert m["status"] == "active"
    assert m["flags"] == {"lapse_risk": False, "unreachable": False}
    assert m["last_checkin_month"] is None and m["paid_through"] is None
    assert m["location"] == {
        "province_code": "420000",
        "province_name": "湖北省",
        "city_code": "420100",
        "city_name": "武汉市",
        "district_code": "420102",
        "district_name": "江岸区",
    }
    row = db.session.get(Member, m["id"])
    assert row.id_number == "11010519491231002X"
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "member.create")).one()
    assert audit.after["id_number"] == "110105********002X"  # never the full number in the log


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "110105194912310021"}, "id_number"),  # wrong check digit
        ({"id_number": "11010519491231002"}, "id_number"),  # too short
        ({"id_number": "110105194913310021"}, "id_number"),  # month 13, check digit right
        ({"birth_date": "1996-05-18"}, "birth_date"),  # disagrees with the ID number
        ({"phone": "garbage"}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"gender": "x"}, "gender"),
        ({"category": "tourist"}, "category"),
        ({"joined_on": "2019-13-01"}, "joined_on"),
        ({"full_on": "2018-01-01"}, "full_on"),  # before joined_on
        ({"email": "not-an-email"}, "email"),
        ({"graduation_year": 1800}, "graduation_year"),
        (
            {"location": {"province_code": "990000", "city_code": "420100"}},
            "location.province_code",
        ),
        ({"location": {"province_code": "110000", "city_code": "420100"}}, "location.city_code"),
        (
            {
                "location": {
                    "province_code": "420000",
                    "city_code": "420100",
                    "district_code": "110101",
                }
            },
            "location.district_code",
        ),
    ],
)
def test_bad_fields_are_422_naming_the_field_and_nothing_is_written(
    api, secretary, branch, member_payload, overrides, field
):
    r = api.as_(secretary).post("/members", json=member_payload(branch, **overrides))
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]
    nested = {f"{k}.{sub}" for k, v in errors.items() if isinstance(v, dict) for sub in v}
    flat = set(errors) | nested
    assert field in flat
    assert db.session.scalar(select(Member.id)) is None


def test_birth_date_that_agrees_is_accepted(api, secretary, branch, member_payload):
    body = member_payload(branch, birth_date="1996-05-17")
    assert api.as_(secretary).post("/members", json=body).status_code == 201


def test_every_bad_field_is_reported_at_once(api, secretary, branch, member_payload):
    body = member_payload(branch, id_number="110105194912310021", phone="nope")
    errors = api.as_(secretary).post("/members", json=body).get_json()["errors"]
    assert {"id_number", "phone"} <= set(errors)


def test_duplicate_current_id_number_is_409_but_a_past_record_may_repeat(
    api, secretary, branch, member_payload
):
    body = member_payload(branch)
    client = api.as_(secretary)
    first = client.post("/members", json=body)
    assert first.status_code == 201
    again = client.post("/members", json=body)
    assert again.status_code == 409
    assert "id_number" in again.get_json()["errors"]
    member_id = first.get_json()["id"]
    # A deceased (or removed, through its workflow) record no longer holds the ID number.
    r = client.post(
        f"/members/{member_id}/status-events",
        json={"status": "deceased", "on": "2026-03-01", "reason": "Death certificate"},
    )
    assert r.status_code == 201, r.get_json()
    assert client.post("/members", json=body).status_code == 201


def test_org_outside_the_callers_subtree_is_404(api, make_org, make_user, member_payload):
    mine, other = make_org("branch"), make_org("branch")
    secretary = make_user("secretary", mine)
    r = api.as_(secretary).post("/members", json=member_payload(other))
    assert r.status_code == 404


def test_clerk_may_read_but_not_create(api, make_user, branch, member_payload):
    clerk = make_user("clerk", branch)
    assert api.as_(clerk).post("/members", json=member_payload(branch)).status_code == 403
    assert api.as_(clerk).get("/members").status_code == 200


def test_member_outside_scope_is_404(api, make_org, make_user, make_member):
    mine, other = make_org("branch"), make_org("branch")
    secretary = make_user("secretary", mine)
    stranger = make_member(org=other)
    assert api.as_(secretary).get(f"/members/{stranger.id}").status_code == 404
    assert api.as_(secretary).patch(f"/members/{stranger.id}", json={}).status_code == 404


def test_list_filters_and_search(api, make_org, make_user, make_member):
    committee = make_org("committee")
    b1 = make_org("branch", parent=committee)
    b2 = make_org("branch", parent=committee)
    group = make_org("group", parent=b1)
    admin = make_user("admin", committee)
    m1 = make_member(org=b1, name="张三", phone="+8613900000001", category="migrant")
    m2 = make_member(org=group, name="李四", phone="+8613900000002", flag_lapse_risk=True)
    m3 = make_member(org=b2, name="王五", phone="+8613900000003", flag_unreachable=True)
    make_member(org=b2, name="赵六", status="removed")
    client = api.as_(admin)

    def ids(query):
        r = client.get("/members" + query)
        assert r.status_code == 200, r.get_json()
        return [m["id"] for m in r.get_json()]

    assert ids("") == [m1.id, m2.id, m3.id]  # current records only by default
    assert len(ids("?status=all")) == 4
    assert ids(f"?org_id={b1.id}") == [m1.id, m2.id]  # the org's subtree
    assert ids("?category=migrant") == [m1.id]
    assert ids("?flag=lapse_risk") == [m2.id]
    assert ids("?flag=unreachable") == [m3.id]
    assert ids("?q=李") == [m2.id]
    assert ids("?q=0000003") == [m3.id]
    r = client.get("/members?page_size=2")
    assert len(r.get_json()) == 2
    assert '"total": 3' in r.headers["X-Pagination"]
    assert client.get("/members?flag=nonsense").status_code == 422


def test_patch_changes_fields_and_validates(api, secretary, branch, make_member):
    member = make_member(org=branch)
    client = api.as_(secretary)
    r = client.patch(f"/members/{member.id}", json={"phone": "+44 20 7946 0958", "retired": True})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["phone"] == "+442079460958"
    assert r.get_json()["retired"] is True
    r = client.patch(f"/members/{member.id}", json={"phone": "rubbish"})
    assert r.status_code == 422 and "phone" in r.get_json()["errors"]
    assert db.session.get(Member, member.id).phone == "+442079460958"


def test_full_id_number_needs_a_reason_and_is_audited(api, secretary, branch, make_member):
    member = make_member(org=branch)
    client = api.as_(secretary)
    assert client.get(f"/members/{member.id}").get_json()["id_number"].count("*") == 8
    assert client.get(f"/members/{member.id}/id-number").status_code == 422
    r = client.get(f"/members/{member.id}/id-number?reason=Dues+certificate")
    assert r.status_code == 200
    assert r.get_json()["id_number"] == member.id_number
    posted = client.post(f"/members/{member.id}/id-number", json={"reason": "Transfer letter"})
    assert posted.status_code == 200 and posted.get_json()["id_number"] == member.id_number
    assert client.post(f"/members/{member.id}/id-number", json={}).status_code == 422
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "member.id_number_read")
        .order_by(AuditEntry.id)
    ).first()
    assert (entry.actor_id, entry.entity_id, entry.reason) == (
        secretary.id,
        member.id,
        "Dues certificate",
    )


@pytest.mark.parametrize(
    ("steps", "last_status"),
    [
        # Suspension, removal and restoration have their workflows (DOMAIN §8): 409 here.
        ([("suspended", 409), ("deceased", 201), ("active", 201)], 200),  # death, corrected
        ([("removed", 409), ("deceased", 201)], None),
        ([("deceased", 201), ("suspended", 409)], None),
        ([("active", 409)], None),  # already active
    ],
)
def test_status_events(api, secretary, branch, make_member, steps, last_status):
    member = make_member(org=branch)
    client = api.as_(secretary)
    for status, code in steps:
        r = client.post(
            f"/members/{member.id}/status-events",
            json={"status": status, "on": "2026-05-01", "reason": "Decided by the branch"},
        )
        assert r.status_code == code, r.get_json()
    events = client.get(f"/members/{member.id}/status-events").get_json()
    assert len(events) == sum(1 for _, c in steps if c == 201)
    if events:
        assert events[0]["approver_id"] == secretary.id
        assert events[0]["on"] == "2026-05-01"


def test_status_event_needs_a_reason(api, secretary, branch, make_member):
    member = make_member(org=branch)
    r = api.as_(secretary).post(
        f"/members/{member.id}/status-events", json={"status": "deceased", "on": "2026-05-01"}
    )
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]


def test_exemptions_through_the_api_and_is_exempt(api, secretary, branch, make_member):
    from flowmember.core import months
    from flowmember.members.services import is_exempt

    member = make_member(org=branch)
    client = api.as_(secretary)
    r = client.post(
        f"/members/{member.id}/exemptions",
        json={"starts_on": "2026-03-20", "ends_on": "2026-06-10", "reason": "Long-term illness"},
    )
    assert r.status_code == 201, r.get_json()
    bad = client.post(
        f"/members/{member.id}/exemptions",
        json={"starts_on": "2026-03-20", "ends_on": "2026-03-01", "reason": "Wrong order"},
    )
    assert bad.status_code == 422 and "ends_on" in bad.get_json()["errors"]
    assert len(client.get(f"/members/{member.id}/exemptions").get_json()) == 1
    assert [is_exempt(member.id, months.index(2026, m)) for m in range(2, 8)] == [
        False,
        True,
        True,
        True,
        True,
        False,
    ]


def test_invitation_activation_and_me(api, client, secretary, branch, make_member, freeze):
    freeze("2026-11-30")
    member = make_member(org=branch, phone="+8613712345678")
    r = api.as_(secretary).post(f"/members/{member.id}/invitation")
    assert r.status_code == 201
    code = r.get_json()["code"]
    assert r.get_json()["expires_at"].startswith("2026-12-07")
    weak = client.post("/api/v1/auth/activate", json={"code": code, "password": "short"})
    assert weak.status_code == 422 and "password" in weak.get_json()["errors"]
    r = client.post(
        "/api/v1/auth/activate", json={"code": code.lower(), "password": "a-long-member-password"}
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["login"] == "+8613712345678"
    again = client.post(
        "/api/v1/auth/activate", json={"code": code, "password": "a-long-member-password"}
    )
    assert again.status_code == 422 and "code" in again.get_json()["errors"]
    # The member logs in with the phone as typed on a Chinese keypad.
    token = client.post(
        "/api/v1/auth/token", json={"login": "13712345678", "password": "a-long-member-password"}
    ).get_json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["id_number"] == member.id_number  # unmasked only here
    staff_me = api.as_(secretary).get("/me")
    assert staff_me.status_code == 403
    member_list = client.get("/api/v1/members", headers={"Authorization": f"Bearer {token}"})
    assert member_list.status_code == 403


def test_expired_invitation_is_rejected(api, client, secretary, branch, make_member, freeze):
    freeze("2026-11-01")
    member = make_member(org=branch)
    code = api.as_(secretary).post(f"/members/{member.id}/invitation").get_json()["code"]
    freeze.tick(days=7, seconds=1)
    r = client.post("/api/v1/auth/activate", json={"code": code, "password": "long-enough-pass"})
    assert r.status_code == 422


def test_consent_gates_location_and_withdrawal_clears_it(
    api, branch, make_member, make_member_user
):
    from flowmember.members.models import MemberLocation

    member = make_member(org=branch)
    me = api.as_(make_member_user(member))
    where = {"province_code": "440000", "city_code": "440100"}
    assert me.put("/me/location", json=where).status_code == 409
    state = me.get("/me/consents").get_json()[0]
    assert state["granted"] is False and state["current_text_version"] == "location-v1"
    r = me.post("/me/consents", json={"purpose": "location", "granted": True})
    assert r.status_code == 201
    assert r.get_json()["text_version"] == "location-v1"
    r = me.put("/me/location", json=where)
    assert r.status_code == 200
    assert r.get_json()["location"]["city_name"] == "广州市"
    bad = me.put("/me/location", json={"province_code": "440000", "city_code": "110100"})
    assert bad.status_code == 422 and "location.city_code" in bad.get_json()["errors"]
    withdraw = me.post("/me/consents", json={"purpose": "location", "granted": False})
    assert withdraw.status_code == 201
    assert me.get("/me").get_json()["location"] is None
    assert db.session.scalar(select(MemberLocation.id)) is None
    assert me.put("/me/location", json=where).status_code == 409
    assert me.post("/me/consents", json={"purpose": "gps", "granted": True}).status_code == 422


def test_divisions_endpoint(api, branch, make_member, make_member_user, secretary):
    me = api.as_(make_member_user(make_member(org=branch)))
    provinces = me.get("/divisions").get_json()
    assert len(provinces) == 31
    assert {"code": "110000", "name": "北京市", "name_en": "Beijing City"} in provinces
    beijing = api.as_(secretary).get("/divisions?parent=110000").get_json()
    assert [c["code"] for c in beijing] == ["110100"]  # the municipality is its own "city"
    districts = {d["name"] for d in me.get("/divisions?parent=110100").get_json()}
    assert districts >= {"东城区", "海淀区"}
    assert me.get("/divisions?parent=999999").status_code == 422
