"""Running a job exactly once per period, recording it, and catching up missed runs.

The claim is a ``job_runs`` row unique on (job_id, period), inserted and committed before the
work. Whoever inserts it runs the job; everyone else skips. On PostgreSQL a session advisory
lock keyed by the job id is also held for the whole run, so two scheduler processes never run
the same job at the same time. A failed period, or one left ``running`` by a process that died,
may be claimed again.

This module is where a job run's transactions begin and end, and the only place: the job
functions (``jobs/*.py``) and the services they call flush and never commit.

1. :func:`claim` commits the claim on its own, so that a second scheduler sees it;
2. :func:`run_job` commits the job's work together with the record of its success (one commit:
   a run is never done without its record, nor recorded done without its work);
3. a job that raises is rolled back entirely, and the record of the failure is committed.

(The reminder dispatcher commits each message it sends, so that a message that left is never
sent again: :mod:`flowmember.reminders.dispatch`.)"""

from __future__ import annotations

import logging
import os
import socket
import traceback
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from flowmember.core.time import LOCAL_TZ, now_utc
from flowmember.extensions import db
from jobs.models import JobRun, RunStatus
from jobs.registry import JOBS, JobSpec, get

log = logging.getLogger(__name__)

#: A run still 'running' after this long belonged to a process that died.
STALE_RUN = timedelta(hours=6)


@dataclass
class Outcome:
    job_id: str
    period: str
    status: str  # ok | failed | skipped
    counts: dict = field(default_factory=dict)
    error: str | None = None
    reason: str | None = None


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lock_key(job_id: str) -> int:
    return zlib.crc32(f"flowmember.job:{job_id}".encode())


@contextmanager
def advisory_lock(job_id: str) -> Iterator[bool]:
    """On PostgreSQL: hold ``pg_try_advisory_lock`` for the job on its own connection (yields
    False when another process holds it). Elsewhere yields True: the claim row suffices."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        yield True
        return
    conn = engine.connect()
    try:
        key = lock_key(job_id)
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    finally:
        conn.close()


def _jsonable(counts) -> dict:
    if not isinstance(counts, dict):
        return {"result": counts if isinstance(counts, int | str | float) else str(counts)}
    out = {}
    for key, value in counts.items():
        if isinstance(value, int | float | str | bool) or value is None:
            out[str(key)] = value
        elif isinstance(value, list | tuple):
            out[str(key)] = [v if isinstance(v, int | float | str) else str(v) for v in value]
        else:
            out[str(key)] = str(value)
    return out


def claim(spec: JobSpec, period: str, *, force: bool = False) -> int | None:
    """Claim (job, period) for this process; the JobRun id, or None when someone else has it
    or it is done. Commits the claim."""
    now = now_utc()
    worker = worker_id()
    run = JobRun(
        job_id=spec.id,
        period=period,
        status=RunStatus.running,
        started_at=now,
        claimed_by=worker,
        attempts=1,
    )
    db.session.add(run)
    try:
        db.session.commit()
        return run.id
    except IntegrityError:
        db.session.rollback()
    existing = db.session.scalar(
        select(JobRun).where(JobRun.job_id == spec.id, JobRun.period == period)
    )
    if existing is None:
        return None
    reclaimable = existing.status == RunStatus.failed
    reclaimable |= existing.status == RunStatus.running and existing.started_at < now - STALE_RUN
    reclaimable |= force and existing.status == RunStatus.ok
    if not reclaimable:
        db.session.rollback()
        return None
    result = db.session.execute(
        update(JobRun)
        .where(
            JobRun.id == existing.id,
            JobRun.status == existing.status,
            JobRun.attempts == existing.attempts,
        )
        .values(
            status=RunStatus.running,
            started_at=now,
            finished_at=None,
            error=None,
            counts=None,
            claimed_by=worker,
            attempts=existing.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return existing.id if result.rowcount == 1 else None


def _record(run_id: int, status: RunStatus, counts: dict | None, error: str | None) -> None:
    """How the run ended, written in the current transaction (the caller commits)."""
    db.session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(status=status, finished_at=now_utc(), counts=counts, error=error)
        .execution_options(synchronize_session=False)
    )


def run_job(
    job: str | JobSpec,
    *,
    at: datetime | None = None,
    as_of: date | None = None,
    force: bool = False,
) -> Outcome:
    """Run one job for the period of ``at`` (default now) or of the date ``as_of``, through the
    claim: at most once per (job, period), recorded in ``job_runs``. The run is one transaction:
    committed with its record when the job returns, rolled back when it raises."""
    spec = get(job) if isinstance(job, str) else job
    at = at or now_utc()
    if as_of is not None and spec.period != "minutes":
        period, argument = spec.period_for(as_of), as_of
    else:
        period, argument = spec.period_for(at), spec.as_of_for(at)
    with advisory_lock(spec.id) as got:
        if not got:
            return Outcome(spec.id, period, "skipped", reason="running in another process")
        run_id = claim(spec, period, force=force)
        if run_id is None:
            return Outcome(spec.id, period, "skipped", reason="already claimed")
        log.info("job %s %s started", spec.id, period)
        try:
            counts = _jsonable(spec.load()(argument) or {})
            _record(run_id, RunStatus.ok, counts, None)
            db.session.commit()  # the job's work and the record of its success, together
        except Exception as exc:
            db.session.rollback()  # nothing of a failed run is kept but the record of it
            error = "".join(traceback.format_exception(exc))[-4000:]
            log.error("job %s %s failed: %s", spec.id, period, exc)
            _record(run_id, RunStatus.failed, None, error)
            db.session.commit()
            return Outcome(spec.id, period, "failed", error=f"{type(exc).__name__}: {exc}")
        log.info("job %s %s ok %s", spec.id, period, counts)
        return Outcome(spec.id, period, "ok", counts)


def fire_times(spec: JobSpec, since: datetime, until: datetime) -> list[datetime]:
    """The cron trigger's fire times in (since, until]."""
    trigger = spec.trigger()
    out: list[datetime] = []
    t = trigger.get_next_fire_time(None, since.astimezone(LOCAL_TZ) + timedelta(microseconds=1))
    while t is not None and t <= until:
        out.append(t)
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return out


def missed_periods(spec: JobSpec, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """(period, expected time) of runs that should have happened and did not succeed, oldest
    first, at most ``spec.catch_up``. A job that never ran catches up only its latest period."""
    now = now or now_utc()
    if spec.catch_up <= 0:
        return []
    expected: dict[str, datetime] = {}
    for t in fire_times(spec, now - spec.lookback(), now):
        expected.setdefault(spec.period_for(t), t)
    if not expected:
        return []
    runs = db.session.execute(
        select(JobRun.period, JobRun.status).where(JobRun.job_id == spec.id)
    ).all()
    done = {p for p, s in runs if s == RunStatus.ok}
    first = min((p for p, _s in runs), default=None)
    missing = [(p, t) for p, t in expected.items() if p not in done]
    if first is None:
        missing = missing[-1:]
    else:
        missing = [(p, t) for p, t in missing if p >= first]
    return missing[-spec.catch_up :]


def catch_up(now: datetime | None = None, specs: list[JobSpec] | None = None) -> list[Outcome]:
    """Run every missed period of every job (oldest first); dispatch-like jobs just run now."""
    now = now or now_utc()
    outcomes: list[Outcome] = []
    for spec in specs if specs is not None else JOBS:
        try:
            if spec.catch_up <= 0:
                outcomes.append(run_job(spec, at=now))
                continue
            for _period, expected in missed_periods(spec, now):
                outcomes.append(run_job(spec, at=expected))
        except Exception as exc:  # e.g. the database is not migrated: the next job may work
            db.session.rollback()
            log.exception("catch-up of %s failed", spec.id)
            outcomes.append(Outcome(spec.id, "-", "failed", error=f"{type(exc).__name__}: {exc}"))
    return outcomes


def status(spec: JobSpec, now: datetime | None = None) -> dict:
    """Last run, next run and whether the job is overdue (its last expected run is more than
    ``grace`` old and did not succeed)."""
    now = now or now_utc()
    last = db.session.scalar(
        select(JobRun).where(JobRun.job_id == spec.id).order_by(JobRun.started_at.desc()).limit(1)
    )
    trigger = spec.trigger()
    next_run = trigger.get_next_fire_time(None, now.astimezone(LOCAL_TZ))
    window = timedelta(hours=1) if spec.period == "minutes" else spec.lookback() + timedelta(days=2)
    expected = fire_times(spec, now - window, now)
    overdue = False
    if expected:
        last_expected = expected[-1]
        if now - last_expected > spec.grace:
            ok = db.session.scalar(
                select(JobRun.id).where(
                    JobRun.job_id == spec.id,
                    JobRun.period >= spec.period_for(last_expected),
                    JobRun.status == RunStatus.ok,
                )
            )
            overdue = ok is None
    return {
        "name": spec.id,
        "schedule": " ".join(f"{k}={v}" for k, v in spec.cron.items()),
        "description": spec.description,
        "period": spec.period,
        "last_period": last.period if last else None,
        "last_started_at": last.started_at if last else None,
        "last_finished_at": last.finished_at if last else None,
        "last_status": last.status.value if last else None,
        "last_counts": last.counts if last else None,
        "last_error": last.error if last else None,
        "next_run_at": next_run.astimezone(UTC) if next_run else None,
        "overdue": overdue,
    }
