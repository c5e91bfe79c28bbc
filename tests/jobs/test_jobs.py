"""The real jobs, run through the same claim-and-record path as the scheduler."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from sqlalchemy import select

from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.extensions import db
from flowmember.reminders.models import Reminder
from jobs.registry import get
from jobs.runner import catch_up, run_job

OCT = months.index(2026, 10)
NOV = months.index(2026, 11)


def needs(module: str, name: str):
    try:
        if hasattr(importlib.import_module(module), name):
            return
    except ImportError:
        pass
    pytest.skip(f"{module}.{name} is not there yet")


def reminders() -> list[tuple[int, str, str]]:
    db.session.expire_all()
    rows = db.session.execute(select(Reminder.member_id, Reminder.kind, Reminder.period))
    return sorted((m, k.value, p) for m, k, p in rows)


@pytest.fixture
def away(make_org, make_member):
    branch = make_org("branch")
    return {
        "owing": make_member(org=branch, category="migrant", last_checkin_month=OCT),
        "never": make_member(org=branch, category="graduate", last_checkin_month=None),
        "done": make_member(org=branch, category="graduate", last_checkin_month=NOV),
        "local": make_member(org=branch, category="inflow", last_checkin_month=None),
        "suspended": make_member(org=branch, category="migrant", status="suspended"),
        "new": make_member(org=branch, category="migrant", joined_on=date(2026, 12, 1)),
    }


@pytest.mark.parametrize(
    ("day", "expected_kind", "expected_period"),
    [
        ("2026-11-19", None, None),
        ("2026-11-20", "checkin_due", "2026-11"),
        ("2026-12-05", "checkin_missed", "2026-11"),
        ("2026-12-06", None, None),
    ],
)
def test_checkin_reminders_job(app, away, freeze, day, expected_kind, expected_period):
    freeze(day + "T09:00:01+08:00")
    outcome = run_job("checkin_reminders")
    assert outcome.status == "ok"
    again = run_job("checkin_reminders", force=True)  # a re-run adds nothing
    assert again.status == "ok" and sum(again.counts.values()) == 0
    if expected_kind is None:
        assert reminders() == []
        return
    owing = {away["owing"].id, away["never"].id}
    assert reminders() == sorted((m, expected_kind, expected_period) for m in owing)
    assert outcome.counts[expected_kind] == len(owing)


def test_a_missed_day_of_reminders_is_caught_up_the_next_day(app, away, freeze):
    freeze("2026-11-30T09:00:01+08:00")
    run_job("checkin_reminders")
    # the scheduler is down on 1 December; it starts on the 2nd at 11:00
    freeze("2026-12-02T11:00:00+08:00")
    outcomes = catch_up(specs=[get("checkin_reminders")])
    assert [(o.period, o.status) for o in outcomes] == [("2026-12-01", "ok"), ("2026-12-02", "ok")]
    missed = [r for r in reminders() if r[1] == "checkin_missed"]
    assert missed == sorted(
        (m, "checkin_missed", "2026-11") for m in (away["owing"].id, away["never"].id)
    )


def test_dues_reminders_job(app, make_org, make_member, make_assessment, freeze, outbox):
    needs("flowmember.dues.models", "DuesAssessment")
    from flowmember.reminders.dispatch import dispatch

    freeze("2026-11-15T09:30:01+08:00")
    branch = make_org("branch")
    behind = make_member(org=branch, name="Behind On Dues")
    current = make_member(org=branch)
    paid = make_member(org=branch)
    reduced = make_member(org=branch)  # a reduction was granted; the reduced amount is owed
    make_assessment(behind, OCT, fen=1250)
    make_assessment(behind, NOV, fen=1250)
    make_assessment(current, NOV)
    make_assessment(paid, NOV, status="paid")
    make_assessment(reduced, OCT, status="reduced", fen=100)
    db.session.commit()

    outcome = run_job("dues_reminders")

    assert outcome.status == "ok"
    assert outcome.counts == {"dues_overdue": 2, "dues_due": 1}
    assert reminders() == sorted(
        [
            (behind.id, "dues_overdue", "2026-11"),
            (current.id, "dues_due", "2026-11"),
            (reduced.id, "dues_overdue", "2026-11"),
        ]
    )
    dispatch()
    texts = {line["to"]: line["text"] for line in outbox.sms()}
    assert "2026-10" in texts[behind.phone] and "25.00" in texts[behind.phone]
    assert "Behind On Dues" in texts[behind.phone]
    assert "20.00" in texts[current.phone]


def test_dues_assessment_job_assesses_missed_months(app, make_org, make_member, freeze):
    needs("flowmember.dues.services", "assess_month")
    from flowmember.dues import services as dues

    freeze("2026-09-01T00:30:01+08:00")
    member = make_member(org=make_org("branch"), joined_on=date(2025, 1, 1))
    dues.set_base(SYSTEM, member.id, 2026, {"base": "4000.00", "kind": "employed"})
    db.session.commit()
    first = run_job("dues_assessment")
    assert first.status == "ok" and first.counts["months"] == ["2026-09"]
    # October's run was missed; November's catches it up
    freeze("2026-11-01T00:30:01+08:00")
    second = run_job("dues_assessment")
    assert second.status == "ok"
    assert second.counts["months"] == ["2026-10", "2026-11"]
    assert second.counts["assessed"] == 2


def test_lapse_warnings_become_reminders(app, make_org, make_member, freeze):
    from flowmember.lapse.models import LapseWarning
    from flowmember.reminders.selection import enqueue_lapse_warnings

    freeze("2026-11-21")
    member = make_member(org=make_org("branch"))
    gone = make_member(org=make_org("branch"), status="removed")
    rows = [
        (member, 3, "dues", "2026-10"),
        (member, 3, "reports", "2026-10"),
        (member, 5, "dues", "2026-10"),
        (member, 3, "dues", "2025-01"),  # too old
        (gone, 3, "dues", "2026-10"),  # no longer active
    ]
    for who, threshold, criterion, period in rows:
        db.session.add(
            LapseWarning(member_id=who.id, threshold=threshold, criterion=criterion, period=period)
        )
    db.session.commit()

    assert enqueue_lapse_warnings(date(2026, 11, 21)) == 2
    assert enqueue_lapse_warnings(date(2026, 11, 21)) == 0
    r3 = db.session.scalar(select(Reminder).where(Reminder.kind == "lapse_warning_3"))
    assert r3.period == "2026-10" and r3.context == {"criteria": ["dues", "reports"]}


@pytest.mark.parametrize(
    ("job", "module", "name"),
    [
        ("lapse_sweep", "flowmember.lapse.sweeps", "run_lapse_sweep"),
        ("contact_sweep", "flowmember.lapse.sweeps", "run_contact_sweep"),
        ("location_purge", "flowmember.checkins.services", "purge_location_history"),
        ("reconciliation", "flowmember.dues.reports", "reconcile"),
        ("transfer_overdue", "flowmember.transfers.queries", "overdue"),
    ],
)
def test_each_job_runs_on_an_empty_database(app, freeze, job, module, name):
    needs(module, name)
    freeze("2026-11-21T12:00:00+08:00")
    outcome = run_job(job)
    assert outcome.status == "ok", outcome.error
    assert isinstance(outcome.counts, dict)
