"""FlowMember: keeping track of mobile party members."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from flowmember.config import Config, default_sqlite_url

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app. Opens no connection, starts no thread, runs no migration."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    app.config.from_prefixed_env("FLOWMEMBER")
    if isinstance(config, dict):  # explicit settings win over the environment
        app.config.update(config)
    _finish_config(app)

    from flowmember import extensions as ext
    from flowmember import models  # noqa: F401  (all tables on the metadata)

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=app.config["MIGRATIONS_DIR"])
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.api.init_app(app)

    from flowmember.core import i18n, requests, sqlite
    from flowmember.web import nav

    sqlite.init_app(app)
    i18n.init_app(app)
    requests.init_app(app)
    nav.init_app(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _finish_config(app: Flask) -> None:
    cfg = app.config
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg.get("DATABASE_URL") or default_sqlite_url(
        app.instance_path
    )
    options = cfg["SQLALCHEMY_ENGINE_OPTIONS"] = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["connect_args"] = {"timeout": 15, **options.get("connect_args", {})}
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(app.instance_path)
    if not cfg.get("MIGRATIONS_DIR"):
        checkout = PACKAGE_DIR.parent / "migrations"
        cfg["MIGRATIONS_DIR"] = str(checkout if checkout.is_dir() else Path.cwd() / "migrations")


def _instance_secret(instance_path: str) -> str:
    """A secret key generated once per instance folder, for development; set
    FLOWMEMBER_SECRET_KEY in production."""
    os.makedirs(instance_path, exist_ok=True)
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


DOMAINS = ("members", "checkins", "dues", "transfers", "lapse", "reminders", "stats")


def _register_blueprints(app: Flask) -> None:
    import importlib

    from flowmember.accounts.api import blp as accounts_api
    from flowmember.extensions import api
    from flowmember.orgs.api import blp as orgs_api
    from flowmember.web import docs
    from flowmember.web.views import bp as web

    api.register_blueprint(accounts_api)
    api.register_blueprint(orgs_api)
    app.register_blueprint(docs.bp)
    app.register_blueprint(web)
    for domain in DOMAINS:
        api.register_blueprint(importlib.import_module(f"flowmember.{domain}.api").blp)
        app.register_blueprint(importlib.import_module(f"flowmember.{domain}.views").bp)


def _register_commands(app: Flask) -> None:
    from flowmember import cli

    cli.register(app)
