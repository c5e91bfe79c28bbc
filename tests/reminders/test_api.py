"""GET /reminders, /me/reminders, POST /notices (+ preview), GET /notices/{id}, GET /jobs."""

from __future__ import annotations

import pytest

from flowmember.extensions import db
from flowmember.reminders import services
from flowmember.reminders.dispatch import dispatch


@pytest.fixture
def tree(make_org, make_user, make_member):
    committee = make_org("committee")
    branch = make_org("branch", parent=committee)
    other_branch = make_org("branch", parent=committee)
    outside = make_org("committee")
    return {
        "committee": committee,
        "branch": branch,
        "admin": make_user("admin", committee),
        "secretary": make_user("secretary", branch),
        "clerk": make_user("clerk", branch),
        "outsider": make_user("admin", outside),
        "migrant": make_member(org=branch, category="migrant"),
        "graduate": make_member(org=branch, category="graduate", flag_unreachable=True),
        "elsewhere": make_member(org=other_branch, category="migrant"),
        "suspended": make_member(org=branch, category="migrant", status="suspended"),
        "outside_member": make_member(org=outside),
    }


def test_staff_see_reminders_in_their_subtree(api, tree):
    for key in ("migrant", "elsewhere", "outside_member"):
        services.enqueue(tree[key].id, "checkin_due", "2026-11")
    db.session.commit()

    response = api.as_(tree["secretary"]).get("/reminders")
    assert response.status_code == 200
    (row,) = response.get_json()
    assert row["member_id"] == tree["migrant"].id
    assert {"kind", "period", "channel", "status", "sent_at"} <= row.keys()
    assert (row["kind"], row["period"], row["status"]) == ("checkin_due", "2026-11", "queued")

    admin_rows = api.as_(tree["admin"]).get("/reminders").get_json()
    assert {r["member_id"] for r in admin_rows} == {tree["migrant"].id, tree["elsewhere"].id}
    filtered = api.as_(tree["admin"]).get(f"/reminders?member_id={tree['elsewhere'].id}")
    assert [r["member_id"] for r in filtered.get_json()] == [tree["elsewhere"].id]
    assert api.as_(tree["admin"]).get("/reminders?kind=dues_due").get_json() == []
    assert api.as_(tree["admin"]).get("/reminders?kind=nonsense").status_code == 422


def test_reminder_detail_shows_each_delivery_and_hides_other_trees(api, tree, outbox, freeze):
    freeze("2026-11-21T12:00:00+08:00")
    services.enqueue(tree["migrant"].id, "checkin_due", "2026-11")
    db.session.commit()
    dispatch()
    (row,) = api.as_(tree["secretary"]).get("/reminders?status=sent").get_json()
    assert row["channel"] == "sms" and row["sent_at"].startswith("2026-11-21T04:00:00")

    detail = api.as_(tree["secretary"]).get(f"/reminders/{row['id']}").get_json()
    assert [(d["channel"], d["status"]) for d in detail["deliveries"]] == [("sms", "sent")]
    assert api.as_(tree["outsider"]).get(f"/reminders/{row['id']}").status_code == 404


def test_members_see_their_own_reminders_only(api, tree, make_member_user):
    services.enqueue(tree["migrant"].id, "checkin_due", "2026-11")
    services.enqueue(tree["graduate"].id, "checkin_due", "2026-11")
    db.session.commit()
    login = make_member_user(tree["migrant"])

    response = api.as_(login).get("/me/reminders")
    assert response.status_code == 200
    assert [(r["kind"], r["period"], r["status"]) for r in response.get_json()] == [
        ("checkin_due", "2026-11", "queued")
    ]
    assert api.as_(login).get("/reminders").status_code == 403
    assert api.as_(tree["secretary"]).get("/me/reminders").status_code == 403


def test_member_sets_channel_order(api, tree, make_member_user):
    login = make_member_user(tree["migrant"])
    assert api.as_(login).get("/me/reminder-preferences").get_json()["channels"] == [
        "sms",
        "email",
    ]
    response = api.as_(login).put(
        "/me/reminder-preferences", json={"channels": ["wechat", "sms"], "wechat_openid": "oA1"}
    )
    assert response.status_code == 200
    assert response.get_json() == {"channels": ["wechat", "sms"], "wechat_openid": "oA1"}
    bad = api.as_(login).put("/me/reminder-preferences", json={"channels": ["fax"]})
    assert bad.status_code == 422 and "channels" in bad.get_json()["errors"]


def test_notice_preview_counts_recipients(api, tree):
    as_secretary = api.as_(tree["secretary"])
    branch = tree["branch"].id
    cases = [
        ({}, 2),  # active members of the branch (suspended left out)
        ({"category": "graduate"}, 1),
        ({"flag": "unreachable"}, 1),
        ({"status": "suspended"}, 1),
        ({"member_ids": [tree["migrant"].id, tree["elsewhere"].id]}, 1),  # other branch: out
    ]
    for flt, expected in cases:
        response = as_secretary.post("/notices/preview", json={"org_id": branch, "filter": flt})
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"recipients": expected}, flt
    committee = api.as_(tree["admin"]).post(
        "/notices/preview", json={"org_id": tree["committee"].id}
    )
    assert committee.get_json() == {"recipients": 3}
    dry = api.as_(tree["admin"]).post(
        "/notices?dry_run=1", json={"org_id": tree["committee"].id, "text": "hello"}
    )
    assert dry.status_code == 200 and dry.get_json() == {"recipients": 3}
    assert api.as_(tree["admin"]).get("/notices").get_json() == []


def test_post_notice_queues_one_reminder_per_member_and_reports_delivery(api, tree, outbox, freeze):
    freeze("2026-11-21T12:00:00+08:00")
    response = api.as_(tree["secretary"]).post(
        "/notices",
        json={
            "org_id": tree["branch"].id,
            "filter": {},
            "text": "Branch meeting on Sunday 9:00",
            "channels": ["sms"],
        },
    )
    assert response.status_code == 202, response.get_json()
    notice = response.get_json()
    assert notice["recipients"] == 2
    assert notice["counts"] == {"queued": 2, "sent": 0, "failed": 0, "skipped": 0}

    dispatch()
    dispatch()

    after = api.as_(tree["secretary"]).get(f"/notices/{notice['id']}").get_json()
    assert after["counts"] == {"queued": 0, "sent": 2, "failed": 0, "skipped": 0}
    texts = [line["text"] for line in outbox.sms()]
    assert len(texts) == 2 and all("Branch meeting on Sunday 9:00" in t for t in texts)
    listed = api.as_(tree["secretary"]).get(f"/reminders?notice_id={notice['id']}").get_json()
    assert len(listed) == 2
    assert api.as_(tree["outsider"]).get(f"/notices/{notice['id']}").status_code == 404
    assert [n["id"] for n in api.as_(tree["admin"]).get("/notices").get_json()] == [notice["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"filter": {}, "text": "hi"}, "org_id"),
        ({"org_id": None, "text": ""}, "text"),
        ({"text": "hi", "channels": ["fax"]}, "channels"),
        ({"text": "hi", "filter": {"category": "nobody"}}, "filter"),
        ({"text": "x" * 501}, "text"),
    ],
)
def test_bad_notice_is_a_422_naming_the_field(api, tree, body, field):
    body = (
        {"org_id": tree["branch"].id, **body}
        if "org_id" not in body or body["org_id"] is not None
        else {**body, "org_id": tree["branch"].id}
    )
    if field == "org_id":
        body.pop("org_id")
    response = api.as_(tree["secretary"]).post("/notices", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert api.as_(tree["admin"]).get("/notices").get_json() == []


def test_notice_roles_and_scope(api, tree):
    body = {"org_id": tree["branch"].id, "text": "hi"}
    assert api.as_(tree["clerk"]).post("/notices", json=body).status_code == 403
    assert api.as_(tree["outsider"]).post("/notices", json=body).status_code == 404


def test_enqueue_batch_leaves_out_members_outside_scope(app, tree):
    notice = services.enqueue_batch(
        tree["secretary"],
        member_ids=[tree["migrant"].id, tree["outside_member"].id],
        text="Please check in",
    )
    db.session.commit()
    assert notice.recipients == 1
    assert services.notice_counts(notice.id)["queued"] == 1


def test_get_jobs_lists_every_job(api, tree, freeze):
    from jobs.runner import run_job

    freeze("2026-11-21T09:00:05+08:00")
    run_job("checkin_reminders")
    response = api.as_(tree["admin"]).get("/jobs")
    assert response.status_code == 200
    jobs = {j["name"]: j for j in response.get_json()}
    assert "reminder_dispatch" in jobs and "dues_assessment" in jobs
    row = jobs["checkin_reminders"]
    assert row["last_status"] == "ok"
    assert row["last_counts"] == {"checkin_due": 4, "checkin_missed": 0}  # all active, away
    assert row["next_run_at"] == "2026-11-22T01:00:00+00:00"
    assert row["overdue"] is False
    assert {"schedule", "last_started_at", "last_finished_at"} <= row.keys()
    assert jobs["lapse_sweep"]["overdue"] is True  # expected at 01:00 and never ran
    assert api.as_(tree["secretary"]).get("/jobs").status_code == 403
