"""A page session ends for good: after logout a copied session cookie opens nothing, and a
password change or a deactivation ends every session of the user."""

import pytest

from flowmember.accounts.services import update_user
from flowmember.core.auth import SYSTEM
from flowmember.extensions import db
from tests.conftest import csrf_token, login


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _opens_dashboard(app, cookie: str) -> bool:
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/dashboard").status_code == 200


def test_a_copied_session_cookie_is_dead_after_logout(app, client, make_user):
    login(client, make_user("admin"))
    cookie = _cookie(client)
    assert _opens_dashboard(app, cookie)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    assert not _opens_dashboard(app, cookie)
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    "changes", [{"password": "another-long-password"}, {"is_active": False}]
)
def test_a_password_change_or_deactivation_ends_every_session(app, client, make_user, changes):
    user = make_user("secretary")
    login(client, user)
    cookie = _cookie(client)
    assert _opens_dashboard(app, cookie)
    update_user(SYSTEM, user.id, changes)
    db.session.commit()
    assert not _opens_dashboard(app, cookie)


def test_a_new_login_after_logout_works(client, make_user):
    user = make_user("admin")
    login(client, user)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(client, user)
    assert client.get("/dashboard").status_code == 200
