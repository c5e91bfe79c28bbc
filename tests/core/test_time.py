from datetime import UTC, date, datetime

from flowmember.core import time as fm_time


def test_local_date_crosses_midnight_before_utc(freeze):
    # 16:30 UTC on 30 November is already 1 December in Asia/Shanghai.
    freeze(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    assert fm_time.today_local() == date(2026, 12, 1)
    freeze(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))
    assert fm_time.today_local() == date(2026, 11, 30)


def test_naive_values_are_read_as_utc():
    naive = datetime(2026, 1, 1, 12, 0)
    assert fm_time.as_utc(naive) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert fm_time.local_date(naive) == date(2026, 1, 1)


def test_clock_is_restored_after_freeze(freeze):
    freeze("2020-01-01")
    assert fm_time.now_utc().year == 2020
    fm_time.set_clock(None)
    assert fm_time.now_utc().year >= 2026
