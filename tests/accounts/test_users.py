import pytest

from flowmember.accounts.models import User
from flowmember.extensions import db


@pytest.fixture
def orgs(make_org):
    top = make_org("committee")
    return {
        "top": top,
        "a": make_org("branch", parent=top, name="A"),
        "b": make_org("branch", parent=top, name="B"),
    }


def new_user(org_id, **overrides):
    return {
        "username": "new-clerk",
        "password": "twelve-chars-ok",
        "display_name": "A new clerk",
        "role": "clerk",
        "org_id": org_id,
        **overrides,
    }


def test_admin_creates_staff_in_subtree(api, make_user, orgs):
    admin = make_user("admin", orgs["top"])
    response = api.as_(admin).post("/users", json=new_user(orgs["a"].id))
    assert response.status_code == 201
    body = response.get_json()
    assert body["role"] == "clerk" and body["org_id"] == orgs["a"].id
    assert "password" not in body and "password_hash" not in body


@pytest.mark.parametrize(("password", "status"), [("eleven-char", 422), ("twelve-chars", 201)])
def test_password_needs_12_characters(api, make_user, orgs, password, status):
    admin = make_user("admin", orgs["top"])
    response = api.as_(admin).post("/users", json=new_user(orgs["a"].id, password=password))
    assert response.status_code == status
    if status == 422:
        assert "password" in response.get_json()["errors"]


def test_members_are_not_created_as_users(api, make_user, orgs):
    admin = make_user("admin", orgs["top"])
    response = api.as_(admin).post("/users", json=new_user(orgs["a"].id, role="member"))
    assert response.status_code == 422
    assert "role" in response.get_json()["errors"]


def test_duplicate_username_is_409(api, make_user, orgs):
    admin = make_user("admin", orgs["top"])
    assert api.as_(admin).post("/users", json=new_user(orgs["a"].id)).status_code == 201
    response = api.as_(admin).post("/users", json=new_user(orgs["a"].id, username="NEW-CLERK"))
    assert response.status_code == 409


def test_secretary_of_a_cannot_see_user_of_b(api, make_user, orgs):
    secretary = make_user("secretary", orgs["a"])
    other = make_user("clerk", orgs["b"])
    client = api.as_(secretary)
    assert client.get(f"/users/{other.id}").status_code == 404
    assert client.get(f"/users/{secretary.id}").status_code == 200
    assert [u["id"] for u in client.get("/users").get_json()] == [secretary.id]


def test_secretary_cannot_create_users(api, make_user, orgs):
    secretary = make_user("secretary", orgs["a"])
    response = api.as_(secretary).post("/users", json=new_user(orgs["a"].id))
    assert response.status_code == 403
    assert db.session.query(User).filter_by(username="new-clerk").count() == 0


def test_admin_of_branch_cannot_place_user_outside(api, make_user, orgs):
    admin = make_user("admin", orgs["a"])
    response = api.as_(admin).post("/users", json=new_user(orgs["b"].id))
    assert response.status_code == 404


def test_user_changes_own_password_but_not_role(api, make_user, orgs):
    clerk = make_user("clerk", orgs["a"])
    client = api.as_(clerk)
    assert client.patch(f"/users/{clerk.id}", json={"role": "admin"}).status_code == 403
    response = client.patch(f"/users/{clerk.id}", json={"password": "another-long-password"})
    assert response.status_code == 200
    login = api._client.post(
        "/api/v1/auth/token",
        json={"login": clerk.username, "password": "another-long-password"},
    )
    assert login.status_code == 200


def test_audit_log_is_admin_only_and_scoped(api, make_user, orgs):
    admin_a = make_user("admin", orgs["a"])
    make_user("clerk", orgs["b"])
    secretary = make_user("secretary", orgs["a"])
    assert api.as_(secretary).get("/audit").status_code == 403
    entries = api.as_(admin_a).get("/audit?action=user.create").get_json()
    assert entries and all(e["org_id"] == orgs["a"].id for e in entries)
