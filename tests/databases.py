"""A scratch database for one test session, one migration test or one benchmark run: the one
helper tests/conftest.py, tests/core/test_migrations.py and the bench/ scripts share. It imports
neither pytest nor flowmember, so a benchmark can use it as it is."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(url: str | None, folder: Path, prefix: str) -> Iterator[str]:
    """``with scratch_database(url, folder, prefix) as db_url:`` a database to fill and throw away.

    Without a URL: a SQLite file in ``folder`` (it goes with the folder). With a PostgreSQL
    URL: a new database ``<prefix>_<random>`` next to the one named, dropped on leaving the
    block, so parallel runs never meet. Any other URL is used as it is."""
    if not url:
        yield "sqlite:///" + str(Path(folder) / f"{prefix}.db")
    elif url.startswith("postgresql"):
        with _postgres_database(url, prefix) as created:
            yield created
    else:
        yield url


@contextmanager
def _postgres_database(url: str, prefix: str) -> Iterator[str]:
    base = make_url(url)
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
