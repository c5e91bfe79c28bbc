"""Two scheduler processes on one database: every job period runs once and every member gets
exactly one reminder per kind and period."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from flowmember.extensions import db
from flowmember.reminders.models import Reminder, ReminderDelivery
from jobs.models import JobRun
from jobs.registry import JobSpec
from jobs.runner import run_job
from tests.jobs import sample_jobs

GATED = JobSpec("sample_gated", "tests.jobs.sample_jobs:wait_for_gate", {"hour": 9})


def in_own_context(app, fn, results, errors):
    def target():
        try:
            with app.app_context():
                try:
                    results.append(fn())
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    return threading.Thread(target=target)


def test_a_job_running_elsewhere_is_not_run_again(app, backend, freeze):
    freeze("2026-11-21T09:00:01+08:00")
    results, errors = [], []
    holder = in_own_context(app, lambda: run_job(GATED), results, errors)
    holder.start()
    assert sample_jobs.entered.wait(timeout=30)

    second = run_job(GATED)  # a second scheduler, while the first still runs

    sample_jobs.gate.set()
    holder.join(timeout=30)
    assert not errors
    assert second.status == "skipped"
    # PostgreSQL: the advisory lock held for the run; SQLite: the committed claim row
    expected = "running in another process" if backend == "postgresql" else "already claimed"
    assert second.reason == expected
    assert [r.status for r in results] == ["ok"]
    assert len(sample_jobs.calls) == 1


def test_two_schedulers_against_the_same_postgresql(
    app, backend, make_member, freeze, tmp_path, settings
):
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL: concurrent writers and advisory locks")
    import json

    freeze("2026-11-21T09:00:05+08:00")  # from the 20th: check-in due
    members = [make_member(category="migrant") for _ in range(30)]
    sms_file = tmp_path / "sms.jsonl"
    settings(SMS_PROVIDER="file", SMS_OUTBOX_FILE=str(sms_file))
    barrier = threading.Barrier(2)

    def scheduler():
        from flowmember.reminders.dispatch import dispatch

        barrier.wait(timeout=30)
        outcomes = [run_job("checkin_reminders"), run_job("reminder_dispatch")]
        dispatch()  # and a dispatch outside the job claim: rows are claimed one by one
        return outcomes

    results, errors = [], []
    threads = [in_own_context(app, scheduler, results, errors) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors

    statuses = sorted(o.status for outcomes in results for o in outcomes[:1])
    assert statuses == ["ok", "skipped"]
    runs = db.session.execute(
        select(JobRun.job_id, JobRun.period, JobRun.status).order_by(JobRun.job_id)
    ).all()
    assert [(j, p, s.value) for j, p, s in runs if j == "checkin_reminders"] == [
        ("checkin_reminders", "2026-11-21", "ok")
    ]
    assert len([r for r in runs if r[0] == "reminder_dispatch"]) == 1

    per_member = db.session.execute(
        select(Reminder.member_id, func.count()).group_by(Reminder.member_id)
    ).all()
    assert sorted(per_member) == sorted((m.id, 1) for m in members)
    assert db.session.scalar(
        select(func.count()).select_from(Reminder).where(Reminder.status == "sent")
    ) == len(members)
    assert db.session.scalar(
        select(func.count()).select_from(ReminderDelivery).where(ReminderDelivery.status == "sent")
    ) == len(members)
    lines = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert sorted(line["to"] for line in lines) == sorted(m.phone for m in members)


def test_two_scheduler_processes_at_once_on_postgresql(app, backend, make_member, tmp_path):
    """Two real ``flowmember jobs run-once`` processes started together on one database."""
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL: concurrent writers and advisory locks")
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    members = [make_member(category="graduate") for _ in range(25)]
    sms_file = tmp_path / "sms.jsonl"
    flowmember = Path(sys.executable).parent / "flowmember"
    env = {
        **os.environ,
        "FLOWMEMBER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLOWMEMBER_SMS_PROVIDER": "file",
        "FLOWMEMBER_SMS_OUTBOX_FILE": str(sms_file),
    }
    script = (
        f"'{flowmember}' jobs run-once checkin_reminders --as-of 2026-11-20 && "
        f"'{flowmember}' jobs run-once reminder_dispatch"
    )
    procs = [
        subprocess.Popen(
            ["sh", "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs

    enqueue_lines = [
        line
        for out in outputs
        for line in out.splitlines()
        if line.startswith("checkin_reminders 2026-11-20")
    ]
    assert sorted(line.split(": ")[1].split(" ")[0] for line in enqueue_lines) == [
        "ok",
        "skipped",
    ]
    db.session.expire_all()
    runs = db.session.execute(
        select(JobRun.job_id, JobRun.period).where(JobRun.job_id == "checkin_reminders")
    ).all()
    assert runs == [("checkin_reminders", "2026-11-20")]
    per_member = db.session.execute(
        select(Reminder.member_id, Reminder.kind, Reminder.period, func.count()).group_by(
            Reminder.member_id, Reminder.kind, Reminder.period
        )
    ).all()
    assert sorted(per_member) == sorted((m.id, "checkin_due", "2026-11", 1) for m in members)
    # every reminder was handled by exactly one process: one outcome each (sent, or deferred
    # when the real clock of the subprocesses is inside the SMS quiet hours), never two sends
    per_reminder = db.session.execute(
        select(ReminderDelivery.reminder_id, func.count())
        .where(ReminderDelivery.status.in_(["sent", "deferred"]))
        .group_by(ReminderDelivery.reminder_id)
    ).all()
    assert len(per_reminder) == len(members) and {n for _r, n in per_reminder} == {1}
    sent = (
        [json.loads(line)["to"] for line in sms_file.read_text().splitlines()]
        if (sms_file.exists())
        else []
    )
    assert len(sent) == len(set(sent))
