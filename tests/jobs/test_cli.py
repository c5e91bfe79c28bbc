"""``flowmember jobs run-once / list / run``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import select

from flowmember.extensions import db
from jobs.models import JobRun
from jobs.registry import JOBS


def test_run_once_goes_through_the_claim(cli_runner, freeze, make_member):
    freeze("2026-11-21T12:00:00+08:00")
    make_member(category="migrant")
    first = cli_runner.invoke(
        args=["jobs", "run-once", "checkin_reminders", "--as-of", "2026-11-20"]
    )
    assert first.exit_code == 0, first.output
    assert "checkin_reminders 2026-11-20: ok" in first.output and "'checkin_due': 1" in first.output
    second = cli_runner.invoke(
        args=["jobs", "run-once", "checkin_reminders", "--as-of", "2026-11-20"]
    )
    assert "skipped already claimed" in second.output
    forced = cli_runner.invoke(
        args=["jobs", "run-once", "checkin_reminders", "--as-of", "2026-11-20", "--force"]
    )
    assert "2026-11-20: ok" in forced.output and "'checkin_due': 0" in forced.output
    run = db.session.scalar(select(JobRun))
    assert (run.job_id, run.period, run.attempts) == ("checkin_reminders", "2026-11-20", 2)


def test_run_once_rejects_unknown_jobs_and_bad_dates(cli_runner):
    bad_name = cli_runner.invoke(args=["jobs", "run-once", "send_everything"])
    assert bad_name.exit_code == 2 and "checkin_reminders" in bad_name.output
    bad_date = cli_runner.invoke(args=["jobs", "run-once", "lapse_sweep", "--as-of", "21/11"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    assert db.session.scalar(select(JobRun)) is None


def test_list_shows_every_job(cli_runner, freeze):
    freeze("2026-11-21T12:00:00+08:00")
    result = cli_runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0
    for spec in JOBS:
        assert spec.id in result.output
    assert "next=2026-11-22 09:00" in result.output  # checkin_reminders, Asia/Shanghai


def test_build_scheduler_uses_the_registry_ids_and_safe_defaults(app):
    from jobs.scheduler import build_scheduler

    scheduler = build_scheduler(app)
    assert sorted(j.id for j in scheduler.get_jobs()) == sorted(s.id for s in JOBS)
    defaults = scheduler._job_defaults
    assert defaults["coalesce"] is True and defaults["max_instances"] == 1
    assert defaults["misfire_grace_time"] >= 3600
    assert str(scheduler.timezone) == "Asia/Shanghai"


def test_jobs_run_starts_catches_up_and_stops_on_sigterm(app, tmp_path):
    env = {
        **os.environ,
        "FLOWMEMBER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLOWMEMBER_SMS_PROVIDER": "console",
        "PYTHONUNBUFFERED": "1",
    }
    flowmember = Path(sys.executable).parent / "flowmember"
    proc = subprocess.Popen(
        [str(flowmember), "jobs", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    lines: list[str] = []
    started = threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Scheduler started"):
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(timeout=60), "".join(lines)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=10)
    proc.stdout.close()
    output = "".join(lines)
    assert "Scheduler started with 9 jobs." in output
    assert "catch-up reminder_dispatch" in output
    assert "Scheduler stopped." in output
    db.session.expire_all()
    dispatch_runs = db.session.scalars(
        select(JobRun).where(JobRun.job_id == "reminder_dispatch")
    ).all()
    assert [r.status for r in dispatch_runs] == ["ok"]
