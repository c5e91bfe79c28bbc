"""No redirect leaves the site, and every answer carries the security headers."""

import pytest

from tests.conftest import PASSWORD, csrf_token


@pytest.mark.parametrize(
    "raw_next",  # as written in the link's query string
    ["//evil.example", "/%09/evil.example", "/%5Cevil.example", "%2F%2Fevil.example",
     "https://evil.example/", "/%20/evil.example", "javascript:alert(1)", "/%0D%0A/evil.example"],
)
def test_login_never_redirects_off_site(client, make_user, raw_next):
    user = make_user("admin")
    token = csrf_token(client, "/login")
    response = client.post(
        f"/login?next={raw_next}",
        data={"csrf_token": token, "login": user.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location and "javascript" not in location


@pytest.mark.parametrize("raw_next", ["//evil.example", "/%09/evil.example", "https://evil.example"])
def test_the_language_switch_never_redirects_off_site(client, raw_next):
    response = client.get(f"/lang/en?next={raw_next}")
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_an_on_site_next_is_followed(client, make_user):
    user = make_user("admin")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", query_string={"next": "/members?page=2"},
        data={"csrf_token": token, "login": user.username, "password": PASSWORD},
    )
    assert response.headers["Location"].endswith("/members?page=2")


@pytest.mark.parametrize("path", ["/login", "/api/v1/health", "/no-such-page"])
def test_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
