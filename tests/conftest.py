"""Test fixtures. Every test that uses the ``app`` fixture runs on SQLite, and again on
PostgreSQL when FLOWMEMBER_TEST_POSTGRES_URL is set (each test session gets its own database
there, dropped at the end, so parallel runs never meet)."""

from __future__ import annotations

import itertools
import os
import random
import re
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import g, request_started
from hypothesis import settings as hypothesis_settings

from flowmember import create_app
from flowmember.config import TestingConfig
from flowmember.core import time as fm_time
from flowmember.extensions import db
from tests.databases import scratch_database

POSTGRES_URL = os.environ.get("FLOWMEMBER_TEST_POSTGRES_URL")

# Property tests: the same examples on every CI run (a failure there is reproducible), fresh
# ones on a developer's machine.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def database_for(backend: str, folder: Path) -> AbstractContextManager[str]:
    """``with database_for(backend, folder) as url:`` a scratch database on ``backend``: a
    SQLite file in ``folder``, or a new database next to the one in FLOWMEMBER_TEST_POSTGRES_URL,
    dropped on leaving the block."""
    return scratch_database(
        POSTGRES_URL if backend == "postgresql" else None, folder, "flowmember_test"
    )


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def _app(backend, tmp_path_factory):
    config = _testing_config()
    if backend == "postgresql":
        # Throwaway data: no need to wait for the disk on every commit.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    with database_for(backend, tmp_path_factory.mktemp("db")) as url:
        app = create_app({**config, "DATABASE_URL": url})
        app.instance_path = str(tmp_path_factory.mktemp("instance"))
        # Tests keep an app context pushed, which requests then share: give each request a
        # fresh ``g`` as it would have in production (no stale actor or CSRF token between
        # requests).
        request_started.connect(_fresh_g, app)
        with app.app_context():
            db.create_all()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _fresh_g(sender, **extra) -> None:
    g.__dict__.clear()


def _testing_config() -> dict:
    return {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}


@pytest.fixture
def app(_app):
    """The app, inside an app context; every table is emptied after the test."""
    ctx = _app.app_context()
    ctx.push()
    yield _app
    db.session.remove()
    _empty_tables()
    ctx.pop()


def _empty_tables() -> None:
    # DELETE is much cheaper than TRUNCATE for the handful of rows a test writes.
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def settings(app):
    """``settings(KEY=value, ...)``: app config for one test, restored afterwards."""
    saved: dict = {}
    missing = object()

    def set_(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key, missing))
            app.config[key] = value

    yield set_
    for key, value in saved.items():
        if value is missing:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli_runner(app):
    return app.test_cli_runner()


# --- time -----------------------------------------------------------------------------------


class Freezer:
    """Controls :func:`flowmember.core.time.now_utc` in a test."""

    def __init__(self):
        self.now: datetime | None = None

    def __call__(self, when: datetime | date | str) -> Freezer:
        if isinstance(when, str):
            when = date.fromisoformat(when) if len(when) == 10 else datetime.fromisoformat(when)
        if not isinstance(when, datetime):
            # A bare date: noon in Asia/Shanghai on that day.
            when = datetime(when.year, when.month, when.day, 12, tzinfo=fm_time.LOCAL_TZ)
        if when.tzinfo is None:
            when = when.replace(tzinfo=fm_time.LOCAL_TZ)
        self.now = when.astimezone(UTC)
        fm_time.set_clock(lambda: self.now)
        return self

    def tick(self, **delta) -> None:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)


@pytest.fixture
def freeze():
    """``freeze("2026-11-30")`` or ``freeze("2026-11-30T23:30:00+08:00")``; restored after."""
    freezer = Freezer()
    yield freezer
    fm_time.set_clock(None)


# --- factories ------------------------------------------------------------------------------

_seq = itertools.count(1)
PASSWORD = "a-long-test-password"


@pytest.fixture
def make_org(app):
    from flowmember.core.auth import SYSTEM
    from flowmember.orgs.services import create_org

    def make(kind: str = "branch", parent=None, name: str | None = None, code: str | None = None):
        if parent is None and kind not in ("committee", "centre"):
            parent = make(kind="committee")
        org = create_org(
            SYSTEM,
            name=name or f"{kind} {next(_seq)}",
            kind=kind,
            parent_id=parent.id if parent is not None else None,
            code=code,
        )
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app, make_org):
    from flowmember.accounts.services import create_user
    from flowmember.core.auth import SYSTEM

    def make(role: str = "admin", org=None, username: str | None = None, **extra):
        org = org or make_org("committee")
        user = create_user(
            SYSTEM,
            username=username or f"{role}{next(_seq)}",
            password=PASSWORD,
            display_name=extra.pop("display_name", f"A {role}"),
            role=role,
            org_id=org.id,
            **extra,
        )
        db.session.commit()
        return user

    return make


def id_number_for(birth: date, n: int | None = None, region: str = "110101") -> str:
    from flowmember.members.identity import build_id_number

    return build_id_number(region, birth, n if n is not None else next(_seq))


@pytest.fixture
def make_member(app, make_org):
    """``make_member(org=branch, category="migrant", joined_on=date(2024, 3, 1), ...)``: a member
    tracked since joining unless ``tracked_since_month`` / ``entered_month`` say otherwise.

    Builds the row directly so every domain's tests can use it; the members package's own
    tests go through its service and API."""
    from flowmember.core import months
    from flowmember.members.models import Member

    rng = random.Random(7)

    def make(org=None, **overrides):
        n = next(_seq)
        birth = overrides.pop("birth_date", date(1995, 1 + n % 12, 1 + n % 28))
        fields = {
            "name": f"Member {n}",
            "gender": "male" if n % 2 else "female",
            "birth_date": birth,
            "id_number": id_number_for(birth, n),
            "phone": f"+86138{rng.randrange(10**8):08d}",
            "category": "graduate",
            "stage": "full",
            "joined_on": date(2020, 1, 1),
            "org_id": (org or make_org("branch")).id,
        }
        fields.update(overrides)
        # A member whose whole history is in FlowMember: tracked since joining.
        joined = months.of(fields["joined_on"])
        fields.setdefault("entered_month", joined)
        fields.setdefault("tracked_since_month", joined)
        member = Member(**fields)
        db.session.add(member)
        db.session.commit()
        return member

    return make


@pytest.fixture
def make_assessment(app):
    """``make_assessment(member, month, status="unpaid", fen=2000, **columns)``: one month of
    dues written as a row, charged and owed ``fen`` unless ``amount_fen`` says otherwise; added
    to the session, not committed. The dues package's own tests assess through its service."""
    from flowmember.dues.models import DuesAssessment

    def make(member, month: int, status: str = "unpaid", fen: int = 2000, **columns):
        row = DuesAssessment(
            member_id=member.id,
            month=month,
            org_id=member.org_id,
            charged_fen=fen,
            amount_fen=columns.pop("amount_fen", fen),
            status=status,
            rule="test",
            **columns,
        )
        db.session.add(row)
        return row

    return make


@pytest.fixture
def token_for(client):
    """A bearer token for a user (logs in through the API)."""

    def token(user, password: str = PASSWORD) -> str:
        response = client.post(
            "/api/v1/auth/token", json={"login": user.username, "password": password}
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    return token


class ApiClient:
    """``api.as_(user).post("/members", json=...)``: prefixes /api/v1 and sends the token."""

    def __init__(self, client, token_for, user=None):
        self._client = client
        self._token_for = token_for
        self._headers = {}
        if user is not None:
            self._headers = {"Authorization": f"Bearer {token_for(user)}"}

    def as_(self, user) -> ApiClient:
        return ApiClient(self._client, self._token_for, user)

    def _call(self, method: str, path: str, **kwargs):
        headers = {**self._headers, **kwargs.pop("headers", {})}
        return self._client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, **kw):
        return self._call("POST", path, **kw)

    def put(self, path, **kw):
        return self._call("PUT", path, **kw)

    def patch(self, path, **kw):
        return self._call("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self._call("DELETE", path, **kw)


@pytest.fixture
def api(client, token_for):
    return ApiClient(client, token_for)


@pytest.fixture
def make_member_user(app):
    """A member login (role member, login = the member's phone) for /me tests, made by the
    service activation uses."""
    from flowmember.accounts.services import create_member_login

    def make(member, password: str = PASSWORD):
        user = create_member_login(member, password)
        db.session.commit()
        return user

    return make


# --- concurrency ------------------------------------------------------------------------------


def run_together(app, calls: list[Callable]) -> list:
    """Run each ``call(client)`` in its own thread, all released at once; each thread has its
    own app context, test client and database connection. Their results, in order (None where a
    call raised)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def work(i: int, call: Callable) -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            try:
                results[i] = call(client)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


# --- pages ------------------------------------------------------------------------------------

#: The session's CSRF token in a page: a form's hidden field or the layout's meta tag.
_CSRF_TOKEN = re.compile(r'name="csrf[_-]token" (?:value|content)="([^"]+)"')


def page_and_token(client, path: str) -> tuple[str, str]:
    """GET ``path``: its HTML and the session's CSRF token in it."""
    html = client.get(path).get_data(as_text=True)
    return html, _CSRF_TOKEN.search(html).group(1)


def csrf_token(client, path: str) -> str:
    """The session's CSRF token, read from the page at ``path``; logging in or out starts a new
    session, so read it again after either."""
    return page_and_token(client, path)[1]


def login(client, user, password: str = PASSWORD) -> None:
    """Log ``user`` in through the login form, as a browser does (a session cookie)."""
    response = client.post(
        "/login",
        data={
            "login": user.username,
            "password": password,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


# --- browser ----------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_login(page, user, lands_on: str, path: str = "/login") -> None:
    """Log ``user`` in through the login page in Chromium and wait for the page it lands on
    (a glob: ``"**/dashboard"`` for staff, ``"**/m"`` for a member, or the ``next`` in ``path``)."""
    page.goto(path)
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lands_on)


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port for the length of one test."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium, live_server):
    """A page in a 360 x 740 phone viewport, zh_CN, pointed at the live server."""
    context = chromium.new_context(
        viewport={"width": 360, "height": 740},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        base_url=live_server,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server
    )
    page = context.new_page()
    yield page
    context.close()
