"""Pages: the member's check-in pages and the staff pages (session login, CSRF-checked forms)."""

from sqlalchemy import func, select

from flowmember.checkins import activities, services
from flowmember.checkins.models import Attendance, Checkin, ContactAttempt
from flowmember.core.auth import SYSTEM
from flowmember.extensions import db
from tests.conftest import csrf_token, login

from .conftest import BEIJING


def test_checkin_page_api_and_list_with_the_session(
    client, make_member, make_member_user, branch, grant_consent, freeze
):
    freeze("2026-11-21")
    member = make_member(org=branch, category="migrant")
    user = make_member_user(member)
    login(client, user)
    page = client.get("/m/checkin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="checkin-form"' in html and 'data-month="2026-11"' in html
    assert 'id="consent-box" class="consent" >' in html  # shown: no consent yet
    assert "js/checkin.js" in html
    token = csrf_token(client, "/m/checkin")
    body = {"report": "页面提交", "location": BEIJING}
    # The page's script calls the API with the cookie and X-CSRFToken; without it: refused.
    refused = client.post("/api/v1/me/checkins", json=body)
    assert refused.status_code == 400
    assert "JSON" not in refused.get_json()["message"]  # the token is missing, not the JSON
    headers = {"X-CSRFToken": token}
    r = client.post("/api/v1/me/checkins", json=body, headers=headers)
    assert r.status_code == 409, r.get_json()
    grant_consent(member)
    keyed = {**headers, "Idempotency-Key": "page-1"}
    first = client.post("/api/v1/me/checkins", json=body, headers=keyed)
    assert first.status_code == 201
    repeat = client.post("/api/v1/me/checkins", json=body, headers=keyed)
    assert repeat.status_code == 201 and repeat.get_json() == first.get_json()
    bad = {**body, "location": {"province_code": "110000", "city_code": "440100"}}
    r = client.post("/api/v1/me/checkins", json=bad, headers=headers)
    assert r.status_code == 422 and "location.city_code" in r.get_json()["errors"]
    amended = client.post("/api/v1/me/checkins", json=body, headers=headers)
    assert amended.status_code == 200 and amended.get_json()["revision"] == 2
    listed = client.get("/m/checkins").get_data(as_text=True)
    assert 'data-month="2026-11"' in listed and "页面提交" in listed and "北京市" in listed
    again = client.get("/m/checkin").get_data(as_text=True)
    assert 'id="checkin-done"' in again and 'data-consent="yes"' in again


def test_staff_cannot_open_member_pages_and_members_not_staff_pages(
    client, secretary, make_member, make_member_user, branch
):
    login(client, secretary)
    assert client.get("/m/checkin").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/activities")})
    member = make_member(org=branch)
    login(client, make_member_user(member))
    assert client.get("/activities").status_code == 403
    assert client.get(f"/members/{member.id}/contacts").status_code == 403


def test_contact_form_on_the_member_contacts_page(client, secretary, make_member, branch, freeze):
    freeze("2026-11-21")
    member = make_member(org=branch)
    login(client, secretary)
    token = csrf_token(client, "/login")
    r = client.post(
        f"/members/{member.id}/contacts",
        data={"csrf_token": token, "channel": "phone", "outcome": "reached", "note": "已联系"},
    )
    assert r.status_code == 302
    assert db.session.scalar(select(ContactAttempt.note)) == "已联系"
    assert "已联系" in client.get(f"/members/{member.id}/contacts").get_data(as_text=True)
    # Without the CSRF token nothing is written.
    r = client.post(f"/members/{member.id}/contacts", data={"channel": "sms", "outcome": "reached"})
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ContactAttempt)) == 1


def test_attendance_grid_saves_the_whole_branch_in_one_form(
    client, secretary, make_member, branch, freeze
):
    freeze("2026-11-21")
    members = [make_member(org=branch) for _ in range(12)]
    login(client, secretary)
    token = csrf_token(client, "/login")
    r = client.post(
        "/activities",
        data={
            "csrf_token": token,
            "org_id": branch.id,
            "kind": "member_meeting",
            "title": "支部党员大会",
            "held_on": "2026-11-20",
        },
    )
    assert r.status_code == 302
    grid_url = r.headers["Location"]
    grid = client.get(grid_url).get_data(as_text=True)
    assert grid.count('type="radio"') == 12 * 4
    form = {"csrf_token": token}
    form.update({f"status-{m.id}": "present" for m in members[:10]})
    form[f"status-{members[10].id}"] = "excused"
    assert client.post(grid_url, data=form).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 11
    assert "checked" in client.get(grid_url).get_data(as_text=True)


def test_missing_page_and_reminder_button(client, secretary, make_member, branch, freeze):
    from flowmember.reminders.models import Notice

    freeze("2026-11-21")
    owing = make_member(org=branch, category="graduate")
    done = make_member(org=branch, category="graduate")
    services.submit_checkin(SYSTEM, done, report="ok")
    db.session.commit()
    login(client, secretary)
    token = csrf_token(client, "/login")
    html = client.get(f"/checkins/missing?org_id={branch.id}").get_data(as_text=True)
    assert f'data-member="{owing.id}"' in html and f'data-member="{done.id}"' not in html
    assert 'id="remind-form"' in html
    r = client.post(
        "/checkins/missing", data={"csrf_token": token, "org_id": branch.id, "month": "2026-11"}
    )
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 1
    assert client.get(f"/attendance/missing?org_id={branch.id}").status_code == 200


def test_member_confirms_online_attendance_on_the_page(
    client, make_member, make_member_user, branch, freeze
):
    freeze("2026-11-21")
    member = make_member(org=branch)
    activity = activities.create_activity(
        SYSTEM,
        org_id=branch.id,
        kind="lecture",
        title="线上党课",
        held_on=freeze.now.date(),
        online=True,
    )
    db.session.commit()
    login(client, make_member_user(member))
    token = csrf_token(client, "/login")
    assert "线上党课" in client.get("/m/activities").get_data(as_text=True)
    r = client.post(
        "/m/activities",
        data={"csrf_token": token, "activity_id": activity.id, "code": activity.code},
    )
    assert r.status_code == 302
    assert db.session.scalar(select(Attendance.status)).value == "online"
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 0
