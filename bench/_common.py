"""Shared by the benchmarks: a throwaway database for one run, and a timer.

The scripts put the repository's root on ``sys.path`` before importing this module, so the
database comes from the helper the tests use (tests/databases.py)."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from pathlib import Path

from tests.databases import scratch_database


def database(url: str | None, workdir: Path) -> AbstractContextManager[str]:
    """``with database(url, workdir) as db_url:`` without a URL, a SQLite file in ``workdir``;
    with a PostgreSQL URL, a new database next to the one named, dropped at the end."""
    return scratch_database(url, workdir, "flowmember_bench")


def timed(fn) -> tuple[float, int]:
    """Seconds taken by ``fn()`` and the count it returns."""
    start = time.perf_counter()
    count = fn()
    return time.perf_counter() - start, count
