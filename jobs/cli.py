"""``flowmember jobs ...``: the scheduler process and one-off runs. A run commits through the
runner (:mod:`jobs.runner`), so these commands need no transaction of their own."""

from __future__ import annotations

import logging
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from flowmember.core.time import LOCAL_TZ
from jobs.registry import BY_ID, JOBS
from jobs.runner import run_job, status
from jobs.scheduler import run_forever


@click.group("jobs")
def jobs_group():
    """The scheduler: ``run`` (the one scheduler process), ``run-once NAME``, ``list``."""


@jobs_group.command("run")
@with_appcontext
def run_command():
    """Run the scheduler (catches up missed runs first; stops on Ctrl+C or SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()
    run_forever(app, echo=lambda line: click.echo(line))


@jobs_group.command("run-once")
@click.argument("name")
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD: the day whose period to run.")
@click.option("--force", is_flag=True, help="Run again even if the period is done.")
@with_appcontext
def run_once_command(name, as_of, force):
    """Run one job now through the same claim and record as the scheduler."""
    if name not in BY_ID:
        raise click.BadParameter(f"choose from {', '.join(BY_ID)}", param_hint="NAME")
    day = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter("expected YYYY-MM-DD", param_hint="--as-of") from None
    outcome = run_job(name, as_of=day, force=force)
    detail = outcome.counts if outcome.status == "ok" else (outcome.reason or outcome.error)
    click.echo(f"{outcome.job_id} {outcome.period}: {outcome.status} {detail or ''}".rstrip())
    if outcome.status == "failed":
        raise SystemExit(1)


@jobs_group.command("list")
@with_appcontext
def list_command():
    """Every job with its schedule, last run and next run."""
    for spec in JOBS:
        s = status(spec)
        flag = " OVERDUE" if s["overdue"] else ""
        next_run = s["next_run_at"].astimezone(LOCAL_TZ)
        click.echo(
            f"{spec.id:18} {s['schedule']:28} last={s['last_period'] or '-'}"
            f" {s['last_status'] or '-'} next={next_run:%Y-%m-%d %H:%M}{flag}"
        )
