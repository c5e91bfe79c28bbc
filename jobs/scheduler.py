"""The one scheduler process (``flowmember jobs run``): APScheduler 3.x BlockingScheduler in
Asia/Shanghai with coalescing, a misfire grace of hours, one instance per job and the registry's
stable ids. Missed runs are caught up before it starts. The web app never starts a scheduler."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from flowmember.core.time import LOCAL_TZ
from flowmember.extensions import db
from jobs.registry import JOBS, JobSpec
from jobs.runner import catch_up, run_job

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 6 * 3600


def _run_in_app(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            outcome = run_job(job_id)
            log.info(
                "%s %s: %s %s",
                job_id,
                outcome.period,
                outcome.status,
                outcome.counts or outcome.reason or outcome.error or "",
            )
        finally:
            db.session.remove()


def build_scheduler(app: Flask, specs: list[JobSpec] | None = None) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone=LOCAL_TZ,
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            "max_instances": 1,
        },
    )
    for spec in specs if specs is not None else JOBS:
        scheduler.add_job(
            _run_in_app,
            trigger=spec.trigger(),
            args=[app, spec.id],
            id=spec.id,
            name=spec.id,
            replace_existing=True,
        )
    return scheduler


def run_forever(app: Flask, echo: Callable[[str], None] = print) -> None:
    """Catch up missed runs, then run the scheduler until SIGINT / SIGTERM."""
    with app.app_context():
        try:
            for outcome in catch_up():
                echo(
                    f"catch-up {outcome.job_id} {outcome.period}: {outcome.status}"
                    + (f" {outcome.error}" if outcome.error else "")
                )
        finally:
            db.session.remove()
    scheduler = build_scheduler(app)
    stop_requested = threading.Event()

    def stop(signum, frame):
        echo(f"Stopping the scheduler (signal {signum}).")
        stop_requested.set()
        if scheduler.running:
            scheduler.shutdown(wait=False)

    def started(event):
        echo(f"Scheduler started with {len(scheduler.get_jobs())} jobs.")
        if stop_requested.is_set():  # the signal came before the scheduler was running
            scheduler.shutdown(wait=False)

    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not stop_requested.is_set():
            scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    echo("Scheduler stopped.")
