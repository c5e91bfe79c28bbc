"""Values the database cannot hold are a clear 4xx on both backends, never a 500, and change
nothing: ids beyond its integer range, numbers beyond 64 bits, NUL characters in text."""

import pytest
from sqlalchemy import func, select

from flowmember.checkins.models import Activity
from flowmember.extensions import db

BIG = 2**31
HUGE = 10**20


@pytest.fixture
def admin_api(api, make_org, make_user):
    committee = make_org("committee")
    return api.as_(make_user("admin", committee)), make_org("branch", parent=committee)


@pytest.mark.parametrize(
    "path",
    [
        f"/members/{BIG}",
        f"/members/{HUGE}",
        f"/transfers/{BIG}/letter",
        f"/lapse-cases/{BIG}",
        f"/orgs/{BIG}",
    ],
)
def test_an_id_beyond_the_databases_range_is_not_found(admin_api, path):
    api, _ = admin_api
    assert api.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/members?org_id={BIG}",
        f"/members?org_id={HUGE}",
        f"/members?page={HUGE}",
        f"/lapse-cases?org_id={BIG}",
        f"/stats/overview?org_id={BIG}",
        f"/reminders?member_id={HUGE}",
    ],
)
def test_a_number_beyond_range_in_a_query_is_refused_or_finds_nothing(admin_api, path):
    api, _ = admin_api
    response = api.get(path)
    # SQLite holds 64-bit integers and simply finds nothing; PostgreSQL's INTEGER cannot hold
    # the value, which is a 4xx. Never a 500.
    answer = (response.status_code, response.get_json())
    assert answer[0] in (404, 422) or answer == (200, []), answer


@pytest.mark.parametrize("org_id", [BIG, HUGE])
def test_a_number_beyond_range_in_a_body_is_a_4xx_and_writes_nothing(admin_api, org_id):
    api, _ = admin_api
    body = {"org_id": org_id, "kind": "member_meeting", "title": "t", "held_on": "2026-11-02",
            "online": False}
    response = api.post("/activities", json=body)
    assert 400 <= response.status_code < 500, response.get_json()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_a_nul_character_in_json_is_a_422_and_writes_nothing(admin_api):
    api, branch = admin_api
    body = {"org_id": branch.id, "kind": "member_meeting", "title": "a\u0000b",
            "held_on": "2026-11-02", "online": False}
    response = api.post("/activities", json=body)
    assert response.status_code == 422
    assert response.get_json()["code"] == 422
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_a_nul_character_in_a_query_is_a_422(admin_api):
    api, _ = admin_api
    assert api.get("/members?q=a%00b").status_code == 422


def test_a_nul_character_on_a_page_is_a_422(client, make_user, make_org):
    from tests.conftest import login

    login(client, make_user("admin", make_org("committee")))
    assert client.get("/members?q=a%00b").status_code == 422
