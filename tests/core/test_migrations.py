"""One schema path: `flowmember db upgrade` builds exactly the models' schema on SQLite and
PostgreSQL, and downgrades cleanly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from flowmember import create_app
from flowmember.extensions import db
from tests.conftest import POSTGRES_URL, _postgres_database, _testing_config


def _fresh_url(backend, tmp_path):
    if backend == "postgresql":
        return _postgres_database()
    return "sqlite:///" + str(tmp_path / "migrated.db"), None


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def migrated_app(request, tmp_path):
    url, drop = _fresh_url(request.param, tmp_path)
    app = create_app({**_testing_config(), "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


def test_upgrade_matches_the_models(migrated_app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_downgrade_removes_every_table(migrated_app):
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
