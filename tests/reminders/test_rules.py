from datetime import UTC, date, datetime, timedelta

import pytest

from flowmember.core import months
from flowmember.core.time import LOCAL_TZ
from flowmember.reminders import rules

NOV = months.index(2026, 11)
OCT = months.index(2026, 10)


@pytest.mark.parametrize(
    ("today", "last", "first", "expected"),
    [
        # checkin_due from the 20th, for the current month
        (date(2026, 11, 19), OCT, None, []),
        (date(2026, 11, 20), OCT, None, [("checkin_due", "2026-11")]),
        (date(2026, 11, 30), None, None, [("checkin_due", "2026-11")]),
        (date(2026, 11, 20), NOV, None, []),
        # joined after the month: nothing owed for it
        (date(2026, 11, 25), None, NOV + 1, []),
        (date(2026, 11, 25), None, NOV, [("checkin_due", "2026-11")]),
        # checkin_missed for last month on the 1st to 5th
        (date(2026, 12, 1), OCT, None, [("checkin_missed", "2026-11")]),
        (date(2026, 12, 5), OCT, None, [("checkin_missed", "2026-11")]),
        (date(2026, 12, 6), OCT, None, []),
        (date(2026, 12, 1), NOV, None, []),
        (date(2026, 12, 3), None, NOV + 1, []),
        # across the year boundary
        (date(2027, 1, 2), OCT, None, [("checkin_missed", "2026-12")]),
    ],
)
def test_checkin_reminders(today, last, first, expected):
    assert rules.checkin_reminders(today, last, first) == expected


@pytest.mark.parametrize(
    ("today", "unpaid", "expected"),
    [
        (date(2026, 11, 14), [NOV], None),
        (date(2026, 11, 15), [NOV], ("dues_due", "2026-11")),
        (date(2026, 11, 30), [], None),
        (date(2026, 11, 1), [OCT], ("dues_overdue", "2026-11")),
        (date(2026, 11, 20), [OCT, NOV], ("dues_overdue", "2026-11")),
        (date(2026, 11, 20), [NOV + 1], None),
    ],
)
def test_dues_reminder(today, unpaid, expected):
    assert rules.dues_reminder(today, unpaid) == expected


def local(h, m, s=0, day=21):
    return datetime(2026, 11, day, h, m, s, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("at", "quiet"),
    [
        (local(21, 59, 59), False),
        (local(22, 0), True),
        (local(23, 59), True),
        (local(0, 0), True),
        (local(7, 59, 59), True),
        (local(8, 0), False),
        (local(12, 0), False),
        # UTC input is judged in Asia/Shanghai: 14:00 UTC is 22:00 there
        (datetime(2026, 11, 21, 13, 59, tzinfo=UTC), False),
        (datetime(2026, 11, 21, 14, 0, tzinfo=UTC), True),
    ],
)
def test_quiet_hours(at, quiet):
    assert rules.in_quiet_hours(at) is quiet


@pytest.mark.parametrize(
    ("at", "end"),
    [
        (local(22, 0), local(8, 0, day=22)),
        (local(23, 30), local(8, 0, day=22)),
        (local(0, 10, day=22), local(8, 0, day=22)),
        (local(7, 59, day=22), local(8, 0, day=22)),
    ],
)
def test_quiet_hours_end(at, end):
    assert rules.quiet_hours_end(at) == end


@pytest.mark.parametrize(
    ("tries", "delay"),
    [(1, 60), (2, 120), (3, 240), (7, 3600), (20, 3600)],
)
def test_backoff_doubles_up_to_an_hour(tries, delay):
    assert rules.backoff(tries) == timedelta(seconds=delay)


@pytest.mark.parametrize(
    ("preferred", "reach", "expected"),
    [
        (None, {"phone": True, "email": True, "wechat": False}, ["sms", "email"]),
        (["wechat", "sms"], {"phone": True, "email": True, "wechat": True}, ["wechat", "sms"]),
        (["wechat", "sms", "email"], {"phone": True, "email": False, "wechat": False}, ["sms"]),
        (["email"], {"phone": True, "email": False, "wechat": False}, []),
        (["sms", "sms", "inbox"], {"phone": True, "email": True, "wechat": True}, ["sms"]),
    ],
)
def test_channel_order(preferred, reach, expected):
    assert rules.channel_order(preferred, **reach) == expected
