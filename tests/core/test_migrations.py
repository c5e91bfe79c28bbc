"""One schema path: `flowmember db upgrade` builds exactly the models' schema on SQLite and
PostgreSQL, and downgrades cleanly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from flowmember import create_app
from flowmember.extensions import db
from tests.conftest import BACKENDS, _testing_config, database_for


@pytest.fixture(params=BACKENDS)
def migrated_app(request, tmp_path):
    with database_for(request.param, tmp_path) as url:
        app = create_app({**_testing_config(), "DATABASE_URL": url})
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


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
