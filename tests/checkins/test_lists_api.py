"""Staff lists: who has not checked in, who has not attended; the batch reminder hand-off."""

from datetime import date

import pytest

from flowmember.checkins import activities, services
from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.extensions import db


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return {m["id"] for m in response.get_json()}


def test_missing_checkins_this_month_and_a_past_month(api, secretary, branch, make_member, freeze):
    freeze("2026-11-21")
    done = make_member(org=branch, category="migrant")
    owes = make_member(org=branch, category="graduate", last_checkin_month=months.parse("2026-08"))
    make_member(org=branch, category="inflow")  # not a mobile member: owes no monthly report
    make_member(org=branch, category="migrant", status="removed")
    services.submit_checkin(SYSTEM, done, report="ok")
    services.submit_checkin(SYSTEM, owes, report="late", month=None)
    db.session.commit()
    staff = api.as_(secretary)
    # Both checked in this month: nobody missing.
    assert _ids(staff.get(f"/checkins/missing?org_id={branch.id}")) == set()
    # In October neither did.
    assert _ids(staff.get(f"/checkins/missing?org_id={branch.id}&month=2026-10")) == {
        done.id,
        owes.id,
    }
    freeze("2026-12-10")
    staff = api.as_(secretary)  # (a fresh token at the new time)
    body = staff.get(f"/checkins/missing?org_id={branch.id}").get_json()
    assert {m["id"] for m in body} == {done.id, owes.id}
    assert body[0]["last_checkin_month"] == "2026-11"
    assert body[0]["missed_months"] == 0


def test_missing_checkins_scope(api, make_user, make_org, branch):
    stranger = make_user("secretary", make_org("branch"))
    assert api.as_(stranger).get(f"/checkins/missing?org_id={branch.id}").status_code == 404


@pytest.mark.parametrize(
    ("province", "last_attended", "listed"),
    [
        ("420000", "2026-10", False),  # in-province, attended this quarter
        ("420000", "2026-09", True),  # in-province, last quarter only
        ("440000", "2026-07", False),  # out-of-province, attended this half-year
        ("440000", "2026-06", True),
        (None, "2026-09", True),  # unknown location: quarterly
        ("440000", None, True),
    ],
)
def test_missing_attendance_by_province(
    api, secretary, branch, make_member, freeze, settings, province, last_attended, listed
):
    freeze("2026-11-21")
    settings(HOME_PROVINCE_CODE="420000")
    member = make_member(
        org=branch,
        province_code=province,
        city_code=province[:2] + "0100" if province else None,
        last_attended_month=months.parse(last_attended) if last_attended else None,
    )
    ids = _ids(api.as_(secretary).get(f"/attendance/missing?org_id={branch.id}"))
    assert (member.id in ids) is listed


def test_missing_attendance_follows_recorded_attendance(
    api, secretary, branch, make_member, freeze
):
    freeze("2026-11-21")
    member = make_member(org=branch)
    staff = api.as_(secretary)
    assert member.id in _ids(staff.get("/attendance/missing"))
    activity = activities.create_activity(
        SYSTEM, org_id=branch.id, kind="lecture", title="党课", held_on=date(2026, 10, 3)
    )
    activities.set_attendance(SYSTEM, activity, member.id, "present")
    db.session.commit()
    assert member.id not in _ids(staff.get("/attendance/missing"))


def test_batch_reminder_hand_off(api, secretary, branch, make_member, freeze):
    from sqlalchemy import select

    from flowmember.reminders.models import Notice

    freeze("2026-11-21")
    owing = [make_member(org=branch, category="migrant") for _ in range(3)]
    services.submit_checkin(SYSTEM, owing[0], report="ok")
    db.session.commit()
    r = api.as_(secretary).post(
        "/checkins/missing/remind", json={"org_id": branch.id, "month": "2026-11"}
    )
    assert r.status_code == 202, r.get_json()
    assert r.get_json() == {"count": 2, "month": "2026-11"}
    notice = db.session.scalars(select(Notice)).one()
    assert "2026-11" in notice.text
    r = api.as_(secretary).post("/checkins/missing/remind", json={"month": "2026-12"})
    assert r.status_code == 422


def test_batch_reminder_for_missing_org_life(api, secretary, branch, make_member, freeze):
    from sqlalchemy import func, select

    from flowmember.reminders.models import Notice

    freeze("2026-11-21")
    make_member(org=branch)
    make_member(org=branch, last_attended_month=months.parse("2026-10"))
    r = api.as_(secretary).post("/attendance/missing/remind", json={"org_id": branch.id})
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["count"] == 1
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 1
