"""Defects a new user found in the sweeps with several branches and members at once, each
reproduced through the API (DOMAIN §8)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from flowmember.checkins.models import Activity, Attendance
from flowmember.core import months
from flowmember.extensions import db
from flowmember.lapse.models import LapseCase, SweepRun
from flowmember.members.models import Member


def _activity(org, month: str, n: int = 0) -> Activity:
    m = months.parse(month)
    act = Activity(
        org_id=org.id, kind="member_meeting", title="meeting", held_on=months.first_day(m),
        month=m, online=False, code=f"c{m}{n}",
    )
    db.session.add(act)
    db.session.flush()
    return act


def _monthly_meetings(org, first="2025-11", last="2026-11") -> dict[str, Activity]:
    acts = {months.to_str(m): _activity(org, months.to_str(m))
            for m in months.span(months.parse(first), months.parse(last))}
    db.session.commit()
    return acts


@pytest.mark.parametrize("as_of", ["2026-12-01", "2027-06-30", "9999-12-31"])
@pytest.mark.parametrize("sweep", ["lapse", "contact"])
def test_a_sweep_in_the_future_is_refused_and_writes_nothing(api, tree, freeze, sweep, as_of):
    freeze("2026-11-30")
    response = api.as_(tree.admin).post(f"/sweeps/{sweep}", json={"as_of": as_of})
    assert response.status_code == 422
    assert "as_of" in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(SweepRun)) == 0


def test_an_earlier_run_never_closes_a_case_opened_by_a_later_run(
    api, tree, make_member, dues_history, freeze
):
    freeze("2026-11-30")
    member = make_member(org=tree.branch, category="other", joined_on=date(2015, 6, 1))
    dues_history(member, first="2026-01", last="2026-11", paid_through="2026-04")
    assert api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"}).get_json()[
        "opened"] == 1
    # Re-run for 15 October: then only May..September (5 months) had been missed.
    again = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-10-15"}).get_json()
    assert again["resolved"] == 0 and again["opened"] == 0
    (case,) = api.as_(tree.secretary).get(f"/lapse-cases?member_id={member.id}").get_json()
    assert case["status"] == "open" and case["opened_on"] == "2026-11-30"


@pytest.mark.parametrize(
    ("came_under", "opened"),
    [
        ({"org_since_month": months.parse("2026-11")}, 0),  # received by transfer this month
        ({"org_since_month": months.parse("2026-06")}, 0),  # June..October: 5 months
        ({"org_since_month": months.parse("2026-05")}, 1),  # May..October: 6 months
        ({"tracked_since_month": months.parse("2026-11"),
          "entered_month": months.parse("2026-11")}, 0),  # imported today
        ({}, 1),  # tracked since joining
    ],
)
def test_months_before_the_member_came_under_the_org_never_count(
    api, tree, make_member, freeze, came_under, opened
):
    freeze("2026-11-30")
    _monthly_meetings(tree.branch)
    member = make_member(org=tree.branch, category="graduate", joined_on=date(2018, 3, 1),
                         **came_under)
    counts = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"}).get_json()
    assert counts["opened"] == opened
    assert db.session.scalar(
        select(func.count()).select_from(LapseCase).where(LapseCase.member_id == member.id)
    ) == opened


@pytest.mark.parametrize(
    ("statuses", "run"),
    [
        # Excused from the only meeting of August: the month does not count, the run breaks.
        ({"2026-08": ["excused"]}, ["2026-09", "2026-10"]),
        # Excused from one of August's two meetings, absent from the other: August counts.
        ({"2026-08": ["excused", "absent"]}, ["2026-05", "2026-06", "2026-07", "2026-08",
                                              "2026-09", "2026-10"]),
        ({"2026-08": ["excused", "excused"]}, ["2026-09", "2026-10"]),
        ({}, ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]),
    ],
)
def test_a_month_excused_from_every_activity_does_not_count(
    api, tree, make_member, freeze, statuses, run
):
    freeze("2026-11-30")
    acts = _monthly_meetings(tree.branch)
    member = make_member(org=tree.branch, category="other", joined_on=date(2018, 3, 1))
    present = acts["2026-04"]
    db.session.add(Attendance(activity_id=present.id, member_id=member.id, status="present"))
    for month, per_activity in statuses.items():
        extra = [acts[month]] + [_activity(tree.branch, month, n) for n in
                                 range(1, len(per_activity))]
        for act, status in zip(extra, per_activity, strict=True):
            db.session.add(Attendance(activity_id=act.id, member_id=member.id, status=status))
    db.session.commit()
    from flowmember.checkins.summaries import rebuild_summaries

    rebuild_summaries()
    db.session.commit()
    api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"})
    cases = api.as_(tree.secretary).get(f"/lapse-cases?member_id={member.id}").get_json()
    if len(run) >= 6:
        assert cases[0]["criteria"]["org_life"] == run
    else:
        assert cases == []
        assert db.session.get(Member, member.id).flag_lapse_risk is (len(run) >= 3)


@pytest.mark.parametrize(
    ("outcomes", "unreachable"),
    [
        (["no_answer", "no_answer"], True),
        (["no_answer", "refused"], False),  # refused: the member was reached
        (["no_answer", "wrong_number", "bounced"], True),
    ],
)
def test_a_refused_contact_means_the_member_was_reached(
    api, tree, make_member, freeze, outcomes, unreachable
):
    freeze("2026-11-30")
    member = make_member(org=tree.branch, category="graduate", joined_on=date(2018, 3, 1))
    for day, outcome in zip(("2026-09-03", "2026-10-03", "2026-10-20"), outcomes, strict=False):
        response = api.as_(tree.secretary).post(
            f"/members/{member.id}/contacts", json={"channel": "phone", "outcome": outcome,
                                                    "at": day})
        assert response.status_code == 201, response.get_json()
    api.as_(tree.admin).post("/sweeps/contact", json={"as_of": "2026-11-30"})
    listed = api.as_(tree.secretary).get("/members?flag=unreachable").get_json()
    assert (member.id in [m["id"] for m in listed]) is unreachable


@pytest.mark.parametrize(
    ("failures", "unreachable"),
    [
        (["2026-08-01T00:00:00+08:00", "2026-10-31T23:59:00+08:00"], True),
        # 31 July 23:59 in Shanghai is before the three silent months (Aug..Oct).
        (["2026-07-31T23:59:00+08:00", "2026-09-15T10:00:00+08:00"], False),
        # November has not ended: its failures wait for the next month's sweep.
        (["2026-11-01T00:00:00+08:00", "2026-09-15T10:00:00+08:00"], False),
    ],
)
def test_only_failures_inside_the_three_silent_months_count(
    api, tree, make_member, freeze, failures, unreachable
):
    freeze("2026-11-30")
    member = make_member(org=tree.branch, category="graduate", joined_on=date(2018, 3, 1))
    for when in failures:
        response = api.as_(tree.secretary).post(
            f"/members/{member.id}/contacts",
            json={"channel": "sms", "outcome": "no_answer", "at": when},
        )
        assert response.status_code == 201, response.get_json()
    api.as_(tree.admin).post("/sweeps/contact", json={"as_of": "2026-11-30"})
    db.session.expire_all()
    assert db.session.get(Member, member.id).flag_unreachable is unreachable

