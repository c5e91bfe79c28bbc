"""Configuration. Every key can be set from the environment with the ``FLOWMEMBER_`` prefix,
e.g. ``FLOWMEMBER_DATABASE_URL=postgresql+psycopg://user@host/db``."""

from __future__ import annotations

import os
from datetime import timedelta


class Config:
    #: Empty means SQLite under the instance folder (see create_app).
    DATABASE_URL: str = ""
    SECRET_KEY: str = ""
    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    #: Lifetime of API bearer tokens.
    TOKEN_TTL = timedelta(hours=12)
    #: Argon2id parameters: the OWASP profile (19 MiB, t=2, p=1).
    ARGON2_MEMORY_KIB = 19456
    ARGON2_TIME_COST = 2
    ARGON2_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 12
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # CSRF is checked explicitly on web forms and on cookie-authenticated API calls.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    # flask-smorest / OpenAPI
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
    #: Base URL used in links sent in reminders.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"


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
