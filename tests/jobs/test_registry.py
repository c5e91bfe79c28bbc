from datetime import date, datetime

import pytest

from flowmember.core.time import LOCAL_TZ
from jobs.registry import BY_ID, JOBS, JobSpec

EXPECTED_IDS = [
    "dues_assessment",
    "lapse_sweep",
    "contact_sweep",
    "location_purge",
    "reconciliation",
    "transfer_overdue",
    "checkin_reminders",
    "dues_reminders",
    "reminder_dispatch",
]


def test_job_ids_are_stable_and_unique():
    assert [spec.id for spec in JOBS] == EXPECTED_IDS
    assert len(BY_ID) == len(JOBS)


@pytest.mark.parametrize("spec", JOBS, ids=lambda s: s.id)
def test_every_job_has_a_cron_trigger_and_a_module(spec):
    import importlib

    module = importlib.import_module(spec.func.partition(":")[0])
    assert callable(getattr(module, spec.func.partition(":")[2]))
    fire = spec.trigger().get_next_fire_time(None, datetime(2026, 11, 21, tzinfo=LOCAL_TZ))
    assert fire is not None and fire.tzinfo is not None


@pytest.mark.parametrize(
    ("period", "every", "at", "expected"),
    [
        ("day", 0, datetime(2026, 11, 21, 23, 59, tzinfo=LOCAL_TZ), "2026-11-21"),
        # 16:30 UTC on the 21st is already the 22nd in Asia/Shanghai
        ("day", 0, datetime.fromisoformat("2026-11-21T16:30:00+00:00"), "2026-11-22"),
        ("day", 0, date(2026, 11, 21), "2026-11-21"),
        ("month", 0, datetime(2026, 12, 31, 23, 0, tzinfo=LOCAL_TZ), "2026-12"),
        ("month", 0, datetime(2027, 1, 1, 0, 30, tzinfo=LOCAL_TZ), "2027-01"),
        ("minutes", 5, datetime(2026, 11, 21, 9, 34, 59, tzinfo=LOCAL_TZ), "2026-11-21T09:30"),
        ("minutes", 5, datetime(2026, 11, 21, 9, 35, tzinfo=LOCAL_TZ), "2026-11-21T09:35"),
    ],
)
def test_period_of_a_run(period, every, at, expected):
    spec = JobSpec("x", "tests.jobs.sample_jobs:count", {"hour": 9}, period=period, every=every)
    assert spec.period_for(at) == expected
