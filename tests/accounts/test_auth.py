from datetime import timedelta

import pytest

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from tests.conftest import PASSWORD


def test_token_login_and_use(client, make_user):
    admin = make_user("admin", username="centre-admin")
    response = client.post(
        "/api/v1/auth/token", json={"login": "centre-admin", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 12 * 3600
    me = client.get(
        "/api/v1/auth/whoami", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.get_json()["id"] == admin.id


def test_bad_login_is_401_and_audited(client, make_user):
    user = make_user("secretary", username="branch-sec")
    response = client.post("/api/v1/auth/token", json={"login": "branch-sec", "password": "x"})
    assert response.status_code == 401
    assert response.get_json() == {
        "code": 401,
        "status": "Unauthorized",
        "message": "Invalid login or password.",
    }
    entry = db.session.query(AuditEntry).filter_by(action="auth.login_failed").one()
    assert entry.entity_id == user.id
    assert entry.after == {"login": "branch-sec"}


def test_unknown_login_is_401_and_audited(client, app):
    response = client.post("/api/v1/auth/token", json={"login": "nobody", "password": "x"})
    assert response.status_code == 401
    entry = db.session.query(AuditEntry).filter_by(action="auth.login_failed").one()
    assert entry.entity_id is None and entry.after == {"login": "nobody"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YTpi"}],
)
def test_no_or_bad_token_is_401(client, app, headers):
    response = client.get("/api/v1/orgs", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


def test_token_expires(client, make_user, token_for, freeze):
    freeze("2026-11-21T10:00:00+08:00")
    token = token_for(make_user("admin"))
    headers = {"Authorization": f"Bearer {token}"}
    freeze.tick(hours=11, minutes=59)
    assert client.get("/api/v1/orgs", headers=headers).status_code == 200
    freeze.tick(minutes=1)
    assert client.get("/api/v1/orgs", headers=headers).status_code == 401


def test_token_can_be_revoked(client, make_user, token_for):
    token = token_for(make_user("clerk"))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/orgs", headers=headers).status_code == 401


def test_deactivating_a_user_revokes_their_tokens(api, make_user, make_org):
    top = make_org("committee")
    admin = make_user("admin", top)
    clerk = make_user("clerk", top)
    clerk_api = api.as_(clerk)
    assert clerk_api.get("/orgs").status_code == 200
    assert api.as_(admin).patch(f"/users/{clerk.id}", json={"is_active": False}).status_code == 200
    assert clerk_api.get("/orgs").status_code == 401
    response = api._client.post(
        "/api/v1/auth/token", json={"login": clerk.username, "password": PASSWORD}
    )
    assert response.status_code == 401


def test_malformed_json_is_400(api, make_user):
    admin = make_user("admin")
    response = api.as_(admin).post(
        "/orgs", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == 400 and body["status"] == "Bad Request" and body["message"]


def test_field_error_is_422_naming_the_field(api, make_user):
    admin = make_user("admin")
    response = api.as_(admin).post("/orgs", json={"name": "", "kind": "tribe", "parent_id": 1})
    assert response.status_code == 422
    body = response.get_json()
    assert set(body["errors"]) == {"name", "kind"}
    assert body["message"]


def test_password_is_hashed_with_argon2id(make_user):
    user = make_user("admin")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_production_hash_profile_is_owasp():
    from flowmember.config import Config

    assert (Config.ARGON2_MEMORY_KIB, Config.ARGON2_TIME_COST, Config.ARGON2_PARALLELISM) == (
        19456,
        2,
        1,
    )


def test_login_is_rate_limited(client, settings):
    from flowmember.extensions import limiter

    settings(LOGIN_RATE_LIMIT="10 per minute")
    limiter.reset()
    try:
        statuses = [
            client.post("/api/v1/auth/token", json={"login": "x", "password": "y"}).status_code
            for _ in range(11)
        ]
    finally:
        limiter.reset()
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_token_ttl_is_configurable(client, make_user, settings):
    settings(TOKEN_TTL=timedelta(minutes=5))
    make_user("admin", username="short-lived")
    body = client.post(
        "/api/v1/auth/token", json={"login": "short-lived", "password": PASSWORD}
    ).get_json()
    assert body["expires_in"] == 300


@pytest.mark.parametrize(
    ("path", "member_status", "staff_status"),
    [
        ("/auth/whoami", 200, 200),  # marked for members
        ("/orgs", 403, 200),
        ("/users", 403, 200),
    ],
)
def test_members_are_kept_to_their_own_endpoints(
    api, make_user, make_member, make_member_user, path, member_status, staff_status
):
    member = make_member()
    admin = make_user("admin")
    assert api.as_(make_member_user(member)).get(path).status_code == member_status
    assert api.as_(admin).get(path).status_code == staff_status
