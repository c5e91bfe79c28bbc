"""Shared by the benchmarks: a throwaway database for one run.

Without a URL: a SQLite file in the given folder. With a PostgreSQL URL: a new database next to
the one named, which the returned ``drop`` removes at the end."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgres_database(url: str) -> tuple[str, Callable[[], None]]:
    base = make_url(url)
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    name = f"flowmember_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def database(url: str | None, workdir: Path) -> tuple[str, Callable[[], None] | None]:
    if not url:
        return "sqlite:///" + str(Path(workdir) / "bench.db"), None
    if url.startswith("postgresql"):
        return postgres_database(url)
    return url, None


def timed(fn) -> tuple[float, int]:
    """Seconds taken by ``fn()`` and the count it returns."""
    start = time.perf_counter()
    count = fn()
    return time.perf_counter() - start, count
