"""FlowMember: keeping track of mobile party members."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from flowmember.config import Config, default_sqlite_url
from flowmember.core.api import BoundedIntConverter, bounded_int_schema

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app. Opens no connection, starts no thread, runs no migration."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    app.config.from_prefixed_env("FLOWMEMBER")
    if isinstance(config, dict):  # explicit settings win over the environment
        app.config.update(config)
    _finish_config(app)

    # Imported here, when an app is built, never when the package is imported.
    from flowmember import commands, models  # noqa: F401  (models: every table on the metadata)
    from flowmember import extensions as ext
    from flowmember.core import auth, i18n, sqlite, transaction
    from flowmember.members.models import Member
    from flowmember.orgs.models import Org
    from flowmember.web import headers, identity, nav

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=app.config["MIGRATIONS_DIR"])
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.api.init_app(app)
    ext.api.register_converter(BoundedIntConverter, bounded_int_schema)

    auth.bind_models(org=Org, member=Member)
    sqlite.init_app(app)
    headers.init_app(app)
    transaction.init_app(app)
    i18n.init_app(app)
    identity.init_app(app)
    nav.init_app(app)
    _register_blueprints(app)
    commands.register(app)
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


def _register_blueprints(app: Flask) -> None:
    """Every blueprint, in one list: the API's (under /api/v1) and the pages'."""
    from flowmember.accounts.api import blp as accounts_api
    from flowmember.checkins.api import blp as checkins_api
    from flowmember.checkins.views import bp as checkins_pages
    from flowmember.dues.api import blp as dues_api
    from flowmember.dues.views import bp as dues_pages
    from flowmember.extensions import api
    from flowmember.lapse.api import blp as lapse_api
    from flowmember.lapse.views import bp as lapse_pages
    from flowmember.members.api import blp as members_api
    from flowmember.members.views import bp as members_pages
    from flowmember.orgs.api import blp as orgs_api
    from flowmember.reminders.api import blp as reminders_api
    from flowmember.reminders.views import bp as reminders_pages
    from flowmember.stats.api import blp as stats_api
    from flowmember.transfers.api import blp as transfers_api
    from flowmember.transfers.views import bp as transfers_pages
    from flowmember.web.docs import bp as docs_assets
    from flowmember.web.views import bp as web_pages

    for blp in (
        accounts_api,
        orgs_api,
        members_api,
        checkins_api,
        dues_api,
        transfers_api,
        lapse_api,
        reminders_api,
        stats_api,
    ):
        api.register_blueprint(blp)
    for bp in (
        docs_assets,
        web_pages,
        members_pages,
        checkins_pages,
        dues_pages,
        transfers_pages,
        lapse_pages,
        reminders_pages,
    ):
        app.register_blueprint(bp)
