"""Organisation life: activities, attendance one by one and for a whole branch, online codes."""

from datetime import date

import pytest
from sqlalchemy import func, select

from flowmember.checkins.models import Activity, Attendance
from flowmember.core import months
from flowmember.extensions import db
from flowmember.members.models import Member


def _activity(staff, org, **fields):
    body = {
        "org_id": org.id,
        "kind": "theme_day",
        "title": "主题党日：学习党章",
        "held_on": "2026-11-10",
        "online": False,
    }
    body.update(fields)
    r = staff.post("/activities", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _attended(member_id):
    db.session.expire_all()
    return db.session.get(Member, member_id).last_attended_month


def test_create_and_list_activities(api, secretary, branch, make_org, freeze):
    freeze("2026-11-21")
    staff = api.as_(secretary)
    a = _activity(staff, branch)
    assert len(a["code"]) == 6
    _activity(staff, branch, held_on="2026-10-05", kind="lecture")
    listed = staff.get(f"/activities?org_id={branch.id}&from=2026-11-01").get_json()
    assert [x["id"] for x in listed] == [a["id"]]
    assert staff.get(f"/activities/{a['id']}").get_json()["title"] == "主题党日：学习党章"
    other = make_org("branch")
    assert (
        staff.post(
            "/activities",
            json={"org_id": other.id, "kind": "other", "title": "x", "held_on": "2026-11-01"},
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
        ({"held_on": "2026-13-01"}, "held_on"),
    ],
)
def test_bad_activity_is_422(api, secretary, branch, payload, field):
    body = {"org_id": branch.id, "kind": "lecture", "title": "t", "held_on": "2026-11-01"}
    body.update(payload)
    r = api.as_(secretary).post("/activities", json=body)
    assert r.status_code == 422
    assert field in r.get_json()["errors"]


def test_clerk_may_not_create_activities(api, make_user, branch):
    clerk = make_user("clerk", branch)
    body = {"org_id": branch.id, "kind": "lecture", "title": "t", "held_on": "2026-11-01"}
    assert api.as_(clerk).post("/activities", json=body).status_code == 403


def test_attendance_one_by_one_updates_and_recomputes_the_summary(
    api, secretary, branch, make_member, freeze
):
    freeze("2026-11-21")
    staff = api.as_(secretary)
    member = make_member(org=branch)
    oct_ = _activity(staff, branch, held_on="2026-10-10")
    nov = _activity(staff, branch, held_on="2026-11-10")
    url = f"/activities/{nov['id']}/attendance/{member.id}"
    r = staff.put(url, json={"status": "present"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "present"
    assert _attended(member.id) == months.parse("2026-11")
    staff.put(f"/activities/{oct_['id']}/attendance/{member.id}", json={"status": "online"})
    assert _attended(member.id) == months.parse("2026-11")
    # Corrected to absent: the summary falls back to October.
    assert staff.put(url, json={"status": "absent"}).status_code == 200
    assert _attended(member.id) == months.parse("2026-10")
    assert staff.delete(f"/activities/{oct_['id']}/attendance/{member.id}").status_code == 204
    assert _attended(member.id) is None
    assert staff.put(url, json={"status": "late"}).status_code == 422


def test_present_at_a_future_activity_is_409(api, secretary, branch, make_member, freeze):
    freeze("2026-11-21")
    staff = api.as_(secretary)
    member = make_member(org=branch)
    future = _activity(staff, branch, held_on="2026-11-22")
    url = f"/activities/{future['id']}/attendance/{member.id}"
    assert staff.put(url, json={"status": "present"}).status_code == 409
    assert staff.put(url, json={"status": "excused"}).status_code == 200


def test_whole_branch_of_50_in_one_request(api, secretary, branch, make_member, freeze):
    freeze("2026-11-21")
    staff = api.as_(secretary)
    members = [make_member(org=branch) for _ in range(50)]
    a = _activity(staff, branch)
    statuses = ["present", "online", "excused", "absent", "present"]
    entries = [{"member_id": m.id, "status": statuses[i % 5]} for i, m in enumerate(members)]
    r = staff.put(f"/activities/{a['id']}/attendance", json={"entries": entries})
    assert r.status_code == 200, r.get_json()
    assert len(r.get_json()) == 50
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 50
    attended = db.session.scalar(
        select(func.count()).where(Member.last_attended_month == months.parse("2026-11"))
    )
    assert attended == 30  # present + online
    # Sent again with changes: the same 50 rows, updated.
    entries[2]["status"] = "present"
    r = staff.put(f"/activities/{a['id']}/attendance", json={"entries": entries})
    assert r.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 50
    assert _attended(members[2].id) == months.parse("2026-11")
    listed = staff.get(f"/activities/{a['id']}/attendance?page_size=100").get_json()
    assert len(listed) == 50


def test_bulk_is_all_or_nothing_and_names_the_bad_entry(
    api, secretary, branch, make_member, make_org, freeze
):
    freeze("2026-11-21")
    staff = api.as_(secretary)
    members = [make_member(org=branch) for _ in range(4)]
    outsider = make_member(org=make_org("branch"))
    a = _activity(staff, branch)
    entries = [{"member_id": m.id, "status": "present"} for m in members]
    entries.insert(3, {"member_id": outsider.id, "status": "present"})
    r = staff.put(f"/activities/{a['id']}/attendance", json={"entries": entries})
    assert r.status_code == 422
    assert list(r.get_json()["errors"]) == ["entries.3.member_id"]
    entries[3] = {"member_id": members[0].id, "status": "absent"}
    r = staff.put(f"/activities/{a['id']}/attendance", json={"entries": entries})
    assert r.status_code == 422
    assert "entries.3.member_id" in r.get_json()["errors"]
    entries[3] = {"member_id": outsider.id, "status": "maybe"}
    r = staff.put(f"/activities/{a['id']}/attendance", json={"entries": entries})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    assert _attended(members[0].id) is None


def test_members_away_from_their_home_branch_can_be_recorded(
    api, secretary, branch, make_member, make_org, freeze
):
    """A member held by a centre but whose home branch is ours attends our org life."""
    freeze("2026-11-21")
    staff = api.as_(secretary)
    centre = make_org("centre")
    member = make_member(org=centre, home_org_id=branch.id)
    a = _activity(staff, branch)
    r = staff.put(f"/activities/{a['id']}/attendance/{member.id}", json={"status": "present"})
    assert r.status_code == 200


def test_member_sees_activities_and_confirms_online_with_the_code(
    api, secretary, branch, member_login, make_org, make_user, freeze
):
    freeze("2026-11-21")
    staff = api.as_(secretary)
    member, me = member_login()
    online = _activity(staff, branch, online=True, held_on="2026-11-20")
    offline = _activity(staff, branch, held_on="2026-11-19")
    other_branch = make_org("branch")
    elsewhere = _activity(
        api.as_(make_user("secretary", other_branch)), other_branch, held_on="2026-11-19"
    )
    listed = me.get("/me/activities")
    assert listed.status_code == 200
    body = listed.get_json()
    assert [x["id"] for x in body] == [online["id"], offline["id"]]
    assert "code" not in body[0]
    assert body[0]["my_status"] is None
    url = f"/me/activities/{online['id']}/attendance"
    assert me.post(url, json={"code": "WRONG1"}).status_code == 422
    r = me.post(url, json={"code": online["code"].lower()})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "online"
    assert _attended(member.id) == months.parse("2026-11")
    assert me.get("/me/activities").get_json()[0]["my_status"] == "online"
    off = f"/me/activities/{offline['id']}/attendance"
    assert me.post(off, json={"code": offline["code"]}).status_code == 409
    assert (
        me.post(
            f"/me/activities/{elsewhere['id']}/attendance", json={"code": elsewhere["code"]}
        ).status_code
        == 404
    )


def test_online_confirmation_keeps_present(api, secretary, branch, member_login, freeze):
    freeze("2026-11-21")
    staff = api.as_(secretary)
    member, me = member_login()
    a = _activity(staff, branch, online=True, held_on="2026-11-20")
    staff.put(f"/activities/{a['id']}/attendance/{member.id}", json={"status": "present"})
    r = me.post(f"/me/activities/{a['id']}/attendance", json={"code": a["code"]})
    assert r.get_json()["status"] == "present"


def test_activity_scope_for_staff(api, make_user, make_org, branch, secretary):
    a = _activity(api.as_(secretary), branch)
    stranger = make_user("secretary", make_org("branch"))
    assert api.as_(stranger).get(f"/activities/{a['id']}").status_code == 404
    assert api.as_(stranger).get("/activities").get_json() == []
    assert db.session.get(Activity, a["id"]).month == months.of(date(2026, 11, 10))
