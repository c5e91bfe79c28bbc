"""The app as a whole: health, OpenAPI, docs without CDN, languages, the audit guard."""

import re

import pytest

from flowmember.core.audit import AppendOnlyError, AuditEntry, record
from flowmember.extensions import db


def test_health(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_openapi_document_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/orgs", "/api/v1/users", "/api/v1/audit"):
        assert path in spec["paths"]


def test_docs_page_loads_no_external_asset(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(u.startswith("/api/v1/docs/assets/") for u in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        response.close()


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("en-US,en;q=0.9", "Log in"), ("zh-CN,zh;q=0.9", "登录"), ("", "登录"), ("fr", "登录")],
)
def test_login_page_language(client, accept, expected):
    page = client.get("/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f"<h1>{expected}</h1>" in page


def test_audit_entries_are_append_only(app):
    entry = record(None, "test.event", entity_type="orgs", entity_id=1)
    db.session.commit()
    entry.action = "changed"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
