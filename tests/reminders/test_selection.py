"""Reminder selection, by example: members are reminded only for months from the one they came
under the org (DOMAIN §8), owed reduced months are reminded and rendered, and staff hear of
overdue letters through the nearest org that has staff. The property test
(test_selection_property.py) checks the same selection against the rules on random histories."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from flowmember.core import months
from flowmember.extensions import db
from flowmember.reminders.models import Reminder
from flowmember.reminders.selection import staff_recipients
from jobs.runner import run_job

OCT = months.index(2026, 10)
NOV = months.index(2026, 11)
DEC = months.index(2026, 12)


def queued() -> set[tuple[int, str, str]]:
    db.session.expire_all()
    rows = db.session.execute(select(Reminder.member_id, Reminder.kind, Reminder.period))
    return {(m, k.value, p) for m, k, p in rows}


@pytest.fixture
def arrivals(make_org, make_member):
    """Members away from a branch, who came under it at different times."""
    branch = make_org("branch")
    joined = date(2020, 3, 1)
    return {
        "branch": branch,
        "long_here": make_member(org=branch, category="migrant", joined_on=joined),
        # registered in December from an old ledger that vouched for nothing
        "imported": make_member(
            org=branch,
            category="migrant",
            joined_on=joined,
            entered_month=DEC,
            tracked_since_month=DEC,
        ),
        # an import vouching for history back to 2025: reports still start when it entered
        "vouched": make_member(
            org=branch,
            category="graduate",
            joined_on=joined,
            entered_month=DEC,
            tracked_since_month=months.index(2025, 1),
        ),
        # received by transfer in December (tracked here long before, at another org)
        "transferred_in": make_member(
            org=branch, category="graduate", joined_on=joined, org_since_month=DEC
        ),
        # received by transfer in November: November's report is owed here
        "arrived_in_november": make_member(
            org=branch, category="graduate", joined_on=joined, org_since_month=NOV
        ),
    }


def test_no_check_in_reminder_for_months_before_the_member_came_under_the_org(
    app, arrivals, freeze
):
    freeze("2026-12-02T09:00:01+08:00")
    assert run_job("checkin_reminders").status == "ok"
    owing = {arrivals["long_here"].id, arrivals["arrived_in_november"].id}
    assert queued() == {(m, "checkin_missed", "2026-11") for m in owing}

    freeze("2026-12-20T09:00:01+08:00")
    assert run_job("checkin_reminders").status == "ok"
    due = {(m.id, "checkin_due", "2026-12") for k, m in arrivals.items() if k != "branch"}
    assert queued() == {(m, "checkin_missed", "2026-11") for m in owing} | due


def test_staff_list_of_missing_check_ins_starts_when_the_member_came_under_the_org(
    api, make_user, arrivals, freeze
):
    freeze("2026-12-10")
    staff = api.as_(make_user("secretary", arrivals["branch"]))
    branch_id = arrivals["branch"].id

    def listed(month: str) -> set[int]:
        r = staff.get(f"/checkins/missing?org_id={branch_id}&month={month}")
        assert r.status_code == 200, r.get_json()
        return {m["id"] for m in r.get_json()}

    assert listed("2026-11") == {arrivals["long_here"].id, arrivals["arrived_in_november"].id}
    assert listed("2026-12") == {m.id for k, m in arrivals.items() if k != "branch"}


def test_reduced_months_are_reminded_with_the_reduced_amount(
    app, make_org, make_member, make_assessment, freeze, outbox
):
    from flowmember.reminders.dispatch import dispatch

    freeze("2026-11-16T09:30:01+08:00")
    branch = make_org("branch")
    reduced = make_member(org=branch)
    make_assessment(reduced, OCT, status="reduced", amount_fen=150, reduced=True)
    db.session.commit()
    assert run_job("dues_reminders").counts == {"dues_overdue": 1, "dues_due": 0}
    freeze("2026-11-16T12:00:00+08:00")
    dispatch()
    row = db.session.scalars(select(Reminder)).one()
    assert row.status.value == "sent", row.status
    (sms,) = outbox.sms()
    assert "2026-10" in sms["text"] and "1.50" in sms["text"]


def test_staff_recipients_are_the_nearest_org_with_staff(app, make_org, make_user):
    committee = make_org("committee")
    general = make_org("general_branch", parent=committee)
    quiet = make_org("branch", parent=general)  # no staff of its own
    staffed = make_org("branch", parent=general)
    admin = make_user("admin", committee)
    secretary = make_user("secretary", staffed)
    make_user("clerk", quiet)  # not admin or secretary
    gone = make_user("secretary", general)
    gone.is_active_flag = False
    db.session.commit()

    found = staff_recipients({quiet.id, staffed.id, committee.id})

    assert found == {quiet.id: [admin.id], staffed.id: [secretary.id], committee.id: [admin.id]}
    assert staff_recipients(set()) == {}
