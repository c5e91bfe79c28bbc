"""Configuration. Every key can be set from the environment with the ``FLOWMEMBER_`` prefix,
e.g. ``FLOWMEMBER_DATABASE_URL=postgresql+psycopg://user@host/db`` (values that read as JSON,
``10`` or ``true``, arrive as numbers and booleans).

Every setting the code reads is declared here, with its default and what it does."""

from __future__ import annotations

import os
from datetime import timedelta


class Config:
    # --- the app ----------------------------------------------------------------------------
    #: Where the data lives; create_app makes it SQLALCHEMY_DATABASE_URI. Empty: SQLite under
    #: the instance folder.
    DATABASE_URL: str = ""
    #: Signs the session cookie and CSRF tokens; empty: a key generated once per instance folder
    #: (development). Set it in production.
    SECRET_KEY: str = ""
    #: The interface's default language and the languages a user may choose (Flask-Babel);
    #: months and dates are computed in Asia/Shanghai (flowmember.core.time), whatever this says.
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    #: Lifetime of API bearer tokens.
    TOKEN_TTL = timedelta(hours=12)
    #: Argon2id parameters: the OWASP profile (19 MiB, t=2, p=1).
    ARGON2_MEMORY_KIB = 19456
    ARGON2_TIME_COST = 2
    ARGON2_PARALLELISM = 1
    #: The shortest password a staff user may set.
    PASSWORD_MIN_LENGTH = 12
    #: SQLAlchemy engine options (create_app adds a busy timeout on SQLite).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # CSRF is checked explicitly on web forms and on cookie-authenticated API calls.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None
    #: Where Flask-Limiter counts (one process: memory; several workers: e.g. redis://).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Attempts per client address at the login page, POST /api/v1/auth/token and
    #: POST /api/v1/auth/activate.
    LOGIN_RATE_LIMIT = "10 per minute"
    #: The province (GB/T 2260 code, e.g. "420000") of this deployment's orgs: a member who
    #: reports a location outside it is out-of-province (org life twice a year instead of
    #: quarterly); None: everyone counts as in-province.
    HOME_PROVINCE_CODE: str | None = None

    # --- dues payments ------------------------------------------------------------------------
    #: Signs the sandbox payment provider's callbacks; empty: a fixed development secret
    #: (flowmember.dues.provider). Set it wherever the sandbox is reachable by others.
    SANDBOX_PAY_SECRET: str = ""

    # --- reminders: links and channels (flowmember.reminders.channels) ---------------------------
    #: Base URL used in links sent in reminders.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    #: Email over SMTP.
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    #: STARTTLS after connecting / TLS from the start (SMTPS).
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_FROM = "FlowMember <noreply@flowmember.local>"
    #: Seconds before an SMTP connection or command gives up.
    MAIL_TIMEOUT = 10
    #: "file" (development: one JSON line per message in SMS_OUTBOX_FILE), "console" (the log)
    #: or "http" (the SMS gateway at SMS_GATEWAY_URL).
    SMS_PROVIDER = "file"
    #: The HTTP gateway (SMS_PROVIDER "http"): its URL, the secret that signs each request, and
    #: seconds before a request gives up.
    SMS_GATEWAY_URL: str = ""
    SMS_GATEWAY_SECRET: str = ""
    SMS_GATEWAY_TIMEOUT = 10
    #: The "file" provider's outbox; empty: outbox/sms.jsonl under the instance folder.
    SMS_OUTBOX_FILE: str = ""
    #: "sandbox" (development: JSON lines in WECHAT_OUTBOX_FILE) or "api" (WeChat's subscribe
    #: messages, with WECHAT_APPID and WECHAT_SECRET at WECHAT_API_BASE).
    WECHAT_PROVIDER = "sandbox"
    WECHAT_APPID: str = ""
    WECHAT_SECRET: str = ""
    WECHAT_API_BASE = "https://api.weixin.qq.com"
    #: The sandbox's outbox; empty: outbox/wechat.jsonl under the instance folder.
    WECHAT_OUTBOX_FILE: str = ""
    #: Sandbox only: openids that refuse messages (a list, or a comma-separated string) and
    #: messages per minute before it answers "rate limited" (0: no limit), to rehearse failures.
    WECHAT_SANDBOX_REFUSED: tuple | str = ()
    WECHAT_SANDBOX_RATE_LIMIT = 0

    # --- flask-smorest / OpenAPI -----------------------------------------------------------------
    API_TITLE = "FlowMember"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            }
        },
        "security": [{"bearerAuth": []}],
    }
    #: Where Alembic's scripts live; default: ``migrations/`` beside the package checkout.
    MIGRATIONS_DIR: str = ""


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    # Tests hash many passwords; the profile is lowered only here.
    ARGON2_MEMORY_KIB = 1024
    ARGON2_TIME_COST = 1
    LOGIN_RATE_LIMIT = "100000 per minute"
    SERVER_NAME = None
    # A SELECT joining a table it never relates to warns; the test suite turns warnings into
    # errors (pyproject filterwarnings).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        **Config.SQLALCHEMY_ENGINE_OPTIONS,
        "enable_from_linting": True,
    }


def default_sqlite_url(instance_path: str) -> str:
    os.makedirs(instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(instance_path, "flowmember.db")
