from datetime import UTC, date, datetime, timedelta

import pytest

from flowmember.core import months
from flowmember.core.time import LOCAL_TZ
from flowmember.lapse import rules as lapse_rules
from flowmember.reminders import rules

NOV = months.index(2026, 11)
OCT = months.index(2026, 10)
MAY_2020 = months.index(2020, 5)


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
    got = rules.checkin_reminders(
        today, status="active", category="migrant", last_checkin_month=last, first_month=first
    )
    assert got == expected


@pytest.mark.parametrize(
    ("status", "category", "expected"),
    [
        ("active", "graduate", [("checkin_due", "2026-11")]),
        ("active", "migrant", [("checkin_due", "2026-11")]),
        ("active", "inflow", []),  # living here: no monthly report owed
        ("active", "other", []),
        ("suspended", "migrant", []),
        ("removed", "graduate", []),
    ],
)
def test_only_active_members_away_are_reminded_to_check_in(status, category, expected):
    got = rules.checkin_reminders(
        date(2026, 11, 20),
        status=status,
        category=category,
        last_checkin_month=None,
        first_month=None,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("joined", "tracked", "org_since", "entered", "first"),
    [
        (date(2020, 5, 9), MAY_2020, None, MAY_2020, MAY_2020),
        # imported this month, vouching for nothing: reports are owed from this month
        (date(2020, 5, 9), NOV, None, NOV, NOV),
        # an import vouching for history: still no report before the record entered FlowMember
        (date(2020, 5, 9), months.index(2025, 1), None, NOV, NOV),
        # received by transfer in October: nothing owed to this org before
        (date(2020, 5, 9), months.index(2020, 5), OCT, months.index(2020, 5), OCT),
        # joined after everything else
        (date(2026, 11, 2), OCT, None, OCT, NOV),
    ],
)
def test_reports_first_month(joined, tracked, org_since, entered, first):
    got = lapse_rules.reports_first_month(
        joined, tracked_since_month=tracked, org_since_month=org_since, entered_month=entered
    )
    assert got == first


@pytest.mark.parametrize(
    ("checkins", "month", "first", "listed"),
    [
        ([], OCT, None, True),
        ([OCT], OCT, None, False),
        # a check-in for a later month does not fill the gap on the list of that month ...
        ([NOV], OCT, None, True),
        # ... but an earlier one does not either
        ([OCT - 1], OCT, None, True),
        # not owed yet
        ([], OCT, NOV, False),
        ([], NOV, NOV, True),
    ],
)
def test_missing_checkin(checkins, month, first, listed):
    got = rules.missing_checkin(
        checkins, month, status="active", category="graduate", first_month=first
    )
    assert got is listed
    assert not rules.missing_checkin(
        checkins, month, status="active", category="inflow", first_month=first
    )


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
    assert rules.dues_reminder(today, unpaid, status="active") == expected
    assert rules.dues_reminder(today, unpaid, status="suspended") is None


@pytest.mark.parametrize(
    ("today", "warnings", "expected"),
    [
        (
            date(2026, 11, 21),
            [(3, "dues", "2026-10"), (3, "reports", "2026-10"), (5, "dues", "2026-10")],
            {
                ("lapse_warning_3", "2026-10"): ["dues", "reports"],
                ("lapse_warning_5", "2026-10"): ["dues"],
            },
        ),
        # the last three months before the current one are caught up; older ones are not
        (date(2026, 11, 1), [(3, "dues", "2026-08")], {("lapse_warning_3", "2026-08"): ["dues"]}),
        (date(2026, 11, 1), [(3, "dues", "2026-07")], {}),
        # across the year boundary
        (
            date(2027, 1, 3),
            [(5, "org_life", "2026-10")],
            {("lapse_warning_5", "2026-10"): ["org_life"]},
        ),
        (date(2026, 11, 21), [(6, "dues", "2026-10")], {}),
    ],
)
def test_lapse_warning_reminders(today, warnings, expected):
    assert rules.lapse_warning_reminders(today, warnings, status="active") == expected
    assert rules.lapse_warning_reminders(today, warnings, status="removed") == {}


@pytest.mark.parametrize(
    ("today", "expires", "kind"),
    [
        (date(2026, 11, 21), date(2026, 11, 21), "receipt_overdue"),  # valid through that day
        (date(2026, 11, 22), date(2026, 11, 21), "letter_expiring"),
        (date(2026, 11, 22), None, "receipt_overdue"),
    ],
)
def test_transfer_reminder_kind(today, expires, kind):
    assert rules.transfer_reminder_kind(today, expires) == kind


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
