"""The declarative job registry: ``{id, function, cron trigger}`` per job, with the period each
run covers and how far back a missed run is caught up.

Ids are stable: they are the scheduler's job ids and the ``job_runs.job_id`` of every run."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from flowmember.core import months
from flowmember.core.time import LOCAL_TZ


@dataclass(frozen=True)
class JobSpec:
    id: str
    #: ``module:function`` taking ``as_of`` (a date; a datetime for ``minutes`` jobs) and
    #: returning a dict of counts.
    func: str
    #: CronTrigger fields, Asia/Shanghai.
    cron: dict
    #: What one run covers: "day", "month" or "minutes" (a bucket of ``every`` minutes).
    period: str = "day"
    every: int = 0
    #: How many missed periods are run at scheduler start (0: none, just the next run).
    catch_up: int = 7
    #: How long after its expected time a run may be missing before the job reads as overdue.
    grace: timedelta = field(default=timedelta(hours=2))
    description: str = ""

    def trigger(self) -> CronTrigger:
        return CronTrigger(timezone=LOCAL_TZ, **self.cron)

    def load(self):
        module, _, name = self.func.partition(":")
        return getattr(importlib.import_module(module), name)

    def period_for(self, at: datetime | date) -> str:
        """The period a run at ``at`` (aware datetime, or a date) covers."""
        if isinstance(at, datetime):
            local = at.astimezone(LOCAL_TZ)
        else:
            local = datetime(at.year, at.month, at.day, tzinfo=LOCAL_TZ)
        if self.period == "month":
            return months.to_str(months.of(local.date()))
        if self.period == "minutes":
            minute = local.minute - local.minute % max(self.every, 1)
            return local.replace(minute=minute).strftime("%Y-%m-%dT%H:%M")
        return local.date().isoformat()

    def as_of_for(self, at: datetime):
        """The argument the job function gets for a run at ``at``."""
        if self.period == "minutes":
            return at
        return at.astimezone(LOCAL_TZ).date()

    def lookback(self) -> timedelta:
        """How far back to look for missed runs."""
        if self.period == "month":
            return timedelta(days=31 * (self.catch_up + 1))
        if self.period == "minutes":
            return timedelta(minutes=max(self.every, 1) * 2 + 1)
        return timedelta(days=self.catch_up + 1)


JOBS: list[JobSpec] = [
    JobSpec(
        "dues_assessment",
        "jobs.dues_assessment:run",
        {"day": 1, "hour": 0, "minute": 30},
        period="month",
        catch_up=12,
        grace=timedelta(hours=12),
        description="Assess the month's dues for every member (and any month not yet assessed).",
    ),
    JobSpec(
        "lapse_sweep",
        "jobs.lapse_sweep:run",
        {"hour": 1, "minute": 0},
        description="Open and resolve six-month lapse cases; queue the 3- and 5-month warnings.",
    ),
    JobSpec(
        "contact_sweep",
        "jobs.contact_sweep:run",
        {"hour": 1, "minute": 30},
        description="Flag members out of contact for 3 months; clear the flag when reached.",
    ),
    JobSpec(
        "location_purge",
        "jobs.location_purge:run",
        {"hour": 3, "minute": 0},
        description="Delete location history older than 24 months.",
    ),
    JobSpec(
        "reconciliation",
        "jobs.reconciliation:run",
        {"hour": 4, "minute": 0},
        description="Reconcile dues payments with the books; expire unpaid online orders.",
    ),
    JobSpec(
        "transfer_overdue",
        "jobs.transfer_overdue:run",
        {"hour": 8, "minute": 30},
        description="Remind staff of expired letters and overdue receipts.",
    ),
    JobSpec(
        "checkin_reminders",
        "jobs.checkin_reminders:run",
        {"hour": 9, "minute": 0},
        description="Queue check-in due (from the 20th) and missed (1st to 5th) reminders.",
    ),
    JobSpec(
        "dues_reminders",
        "jobs.dues_reminders:run",
        {"hour": 9, "minute": 30},
        description="Queue dues due (from the 15th) and overdue reminders.",
    ),
    JobSpec(
        "reminder_dispatch",
        "jobs.reminder_dispatch:run",
        {"minute": "*/5"},
        period="minutes",
        every=5,
        catch_up=0,
        grace=timedelta(minutes=30),
        description="Send queued reminders.",
    ),
]

BY_ID: dict[str, JobSpec] = {spec.id: spec for spec in JOBS}


def get(job_id: str) -> JobSpec:
    try:
        return BY_ID[job_id]
    except KeyError:
        raise KeyError(f"no job {job_id!r}; jobs: {', '.join(BY_ID)}") from None
