"""Every job on the demo data, the way `python3 dev.py serve` runs them."""

from __future__ import annotations

from sqlalchemy import select

from flowmember.extensions import db
from flowmember.reminders.models import Reminder
from jobs.registry import JOBS
from jobs.runner import run_job


def test_every_job_runs_on_the_demo_and_staff_hear_of_overdue_letters(app, freeze, outbox):
    from flowmember.demo import load_demo

    freeze("2026-11-21T09:00:00+08:00")
    load_demo(member_count=60)
    freeze("2026-11-21T10:00:00+08:00")

    outcomes = {spec.id: run_job(spec) for spec in JOBS}

    assert {job: o.status for job, o in outcomes.items()} == {s.id: "ok" for s in JOBS}
    overdue = outcomes["transfer_overdue"].counts
    assert overdue["letters_expired"] + overdue["receipts_overdue"] >= 2
    staff = db.session.scalars(select(Reminder).where(Reminder.user_id.is_not(None))).all()
    letters = [r for r in staff if r.period.startswith("transfer-") and r.period != "transfer-demo"]
    assert letters and all(r.context["letter_no"] for r in letters)
    assert {r.kind.value for r in letters} <= {"letter_expiring", "receipt_overdue"}
    assert all(r.status == "sent" and r.channel == "inbox" for r in letters)
    # a second pass of every job (a second scheduler) does nothing twice
    assert {run_job(spec).status for spec in JOBS} == {"skipped"}
