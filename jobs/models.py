"""Scheduler: tables (job runs).

One row per (job, period): the row is the claim. A second scheduler started by mistake inserts
the same (job_id, period), hits the unique constraint and skips the work."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flowmember.core.db import JSONType, UTCDateTime, str_enum
from flowmember.core.time import now_utc
from flowmember.extensions import db


class RunStatus(enum.StrEnum):
    running = "running"
    ok = "ok"
    failed = "failed"


class JobRun(db.Model):
    """One run of one job for one period (``2026-11-21`` daily, ``2026-11`` monthly,
    ``2026-11-21T09:35`` for a five-minute bucket)."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The stable id from jobs/registry.py.
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(32))
    status: Mapped[RunStatus] = mapped_column(
        str_enum(RunStatus, "job_run_status"), default=RunStatus.running
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The job's returned counts, e.g. {"enqueued": 12}.
    counts: Mapped[dict | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    #: host:pid of the process that holds (or held) the claim.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    #: How many times this period was claimed (a failed period is retried by the next start).
    attempts: Mapped[int] = mapped_column(Integer, default=1)

    def __repr__(self) -> str:
        return f"<JobRun {self.job_id} {self.period} {self.status}>"
