"""Each job runs at most once per period, every run is recorded, and a missed run is caught up."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from flowmember.extensions import db
from jobs.models import JobRun
from jobs.registry import JobSpec
from jobs.runner import catch_up, missed_periods, run_job, status
from tests.jobs import sample_jobs

DAILY = JobSpec("sample_daily", "tests.jobs.sample_jobs:count", {"hour": 9, "minute": 0})
BOOM = JobSpec("sample_boom", "tests.jobs.sample_jobs:boom", {"hour": 9})
FLAKY = JobSpec("sample_flaky", "tests.jobs.sample_jobs:flaky", {"hour": 9})
MONTHLY = JobSpec(
    "sample_monthly",
    "tests.jobs.sample_jobs:count",
    {"day": 1, "hour": 0, "minute": 30},
    period="month",
    catch_up=12,
)


def runs(job_id: str) -> list[tuple[str, str]]:
    db.session.expire_all()
    stmt = select(JobRun.period, JobRun.status).where(JobRun.job_id == job_id)
    return [(p, s.value) for p, s in db.session.execute(stmt.order_by(JobRun.period))]


def test_a_period_runs_once_and_is_recorded(app, freeze):
    freeze("2026-11-21T09:00:05+08:00")
    first = run_job(DAILY)
    second = run_job(DAILY)
    assert (first.status, first.period, first.counts) == ("ok", "2026-11-21", {"calls": 1})
    assert (second.status, second.reason) == ("skipped", "already claimed")
    assert sample_jobs.calls == [date(2026, 11, 21)]
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "sample_daily"))
    assert run.status == "ok" and run.counts == {"calls": 1} and run.error is None
    assert run.started_at == freeze.now and run.finished_at == freeze.now
    assert run.claimed_by and run.attempts == 1


def test_a_failed_run_records_the_error_and_may_be_claimed_again(app, freeze):
    freeze("2026-11-21T09:00:00+08:00")
    outcome = run_job(BOOM)
    assert outcome.status == "failed" and "the provider is down" in outcome.error
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "sample_boom"))
    assert run.status == "failed" and "RuntimeError: the provider is down" in run.error

    sample_jobs.calls.clear()
    first = run_job(FLAKY)
    assert first.status == "failed"
    again = run_job(FLAKY)
    assert again.status == "ok"
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "sample_flaky"))
    assert run.status == "ok" and run.attempts == 2 and run.error is None


def test_force_reruns_a_done_period(app, freeze):
    freeze("2026-11-21T10:00:00+08:00")
    run_job(DAILY)
    assert run_job(DAILY, force=True).status == "ok"
    assert len(sample_jobs.calls) == 2
    assert runs("sample_daily") == [("2026-11-21", "ok")]


def test_as_of_decides_the_period(app, freeze):
    freeze("2026-11-21T10:00:00+08:00")
    outcome = run_job(DAILY, as_of=date(2026, 11, 3))
    assert outcome.period == "2026-11-03" and sample_jobs.calls == [date(2026, 11, 3)]


def test_a_day_missed_is_caught_up_the_next_day(app, freeze):
    freeze("2026-11-20T09:00:01+08:00")
    run_job(DAILY)
    # the scheduler was down from the evening of the 20th until after 09:00 on the 22nd
    freeze("2026-11-22T11:00:00+08:00")
    assert [p for p, _t in missed_periods(DAILY)] == ["2026-11-21", "2026-11-22"]

    outcomes = catch_up(specs=[DAILY])

    assert [(o.period, o.status) for o in outcomes] == [("2026-11-21", "ok"), ("2026-11-22", "ok")]
    assert sample_jobs.calls == [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)]
    assert runs("sample_daily") == [
        ("2026-11-20", "ok"),
        ("2026-11-21", "ok"),
        ("2026-11-22", "ok"),
    ]
    # a second catch-up (a second scheduler starting) finds nothing to do
    assert catch_up(specs=[DAILY]) == []


def test_before_todays_run_time_only_yesterday_is_missed(app, freeze):
    freeze("2026-11-20T09:00:01+08:00")
    run_job(DAILY)
    freeze("2026-11-22T08:59:00+08:00")
    assert [p for p, _t in missed_periods(DAILY)] == ["2026-11-21"]


def test_catch_up_is_bounded_and_a_new_job_runs_only_its_latest_period(app, freeze):
    freeze("2026-11-22T11:00:00+08:00")
    assert [p for p, _t in missed_periods(DAILY)] == ["2026-11-22"]
    freeze("2026-10-01T09:00:01+08:00")
    run_job(DAILY)
    freeze("2026-11-22T11:00:00+08:00")
    missed = [p for p, _t in missed_periods(DAILY)]
    assert len(missed) == DAILY.catch_up and missed[-1] == "2026-11-22"


def test_failed_periods_are_retried_by_catch_up(app, freeze):
    freeze("2026-11-21T09:00:01+08:00")
    assert run_job(FLAKY).status == "failed"
    freeze("2026-11-21T12:00:00+08:00")
    assert [(o.period, o.status) for o in catch_up(specs=[FLAKY])] == [("2026-11-21", "ok")]


def test_monthly_job_catches_up_missed_months(app, freeze):
    freeze("2026-09-01T00:30:01+08:00")
    run_job(MONTHLY)
    freeze("2026-11-15T12:00:00+08:00")
    assert [o.period for o in catch_up(specs=[MONTHLY])] == ["2026-10", "2026-11"]
    assert sample_jobs.calls[1:] == [date(2026, 10, 1), date(2026, 11, 1)]


def test_status_shows_last_and_next_run_and_flags_overdue(app, freeze):
    freeze("2026-11-21T09:00:01+08:00")
    run_job(DAILY)
    freeze("2026-11-21T20:00:00+08:00")
    s = status(DAILY)
    assert s["last_status"] == "ok" and s["last_counts"] == {"calls": 1}
    assert s["next_run_at"] == datetime.fromisoformat("2026-11-22T09:00:00+08:00")
    assert s["overdue"] is False
    # the next day, within the grace of two hours: not yet overdue
    freeze("2026-11-22T10:59:00+08:00")
    assert status(DAILY)["overdue"] is False
    freeze("2026-11-22T11:00:01+08:00")
    assert status(DAILY)["overdue"] is True
    run_job(DAILY)
    assert status(DAILY)["overdue"] is False


def test_a_failed_last_run_is_overdue_after_the_grace(app, freeze):
    freeze("2026-11-21T09:00:01+08:00")
    run_job(BOOM)
    freeze("2026-11-21T11:30:00+08:00")
    s = status(BOOM)
    assert s["last_status"] == "failed" and s["overdue"] is True
    assert "the provider is down" in s["last_error"]


def test_stale_running_claim_is_taken_over(app, freeze):
    freeze("2026-11-21T09:00:00+08:00")
    db.session.add(
        JobRun(
            job_id="sample_daily",
            period="2026-11-21",
            status="running",
            started_at=freeze.now,
            claimed_by="dead:1",
        )
    )
    db.session.commit()
    freeze.tick(hours=1)
    assert run_job(DAILY).status == "skipped"
    freeze.tick(hours=6)
    assert run_job(DAILY, as_of=date(2026, 11, 21)).status == "ok"
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "sample_daily"))
    assert run.attempts == 2 and run.claimed_by != "dead:1"
