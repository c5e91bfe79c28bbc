"""The lapse sweep over the summary columns: thresholds, valid reasons, idempotence, resolution."""

from datetime import date

import pytest
from sqlalchemy import func, select

from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.extensions import db
from flowmember.lapse import services, sweeps
from flowmember.lapse.models import CaseStatus, LapseCase, LapseWarning, ValidReason
from flowmember.members.models import Member

NOV30 = date(2026, 11, 30)


def cases(member=None):
    stmt = select(LapseCase).order_by(LapseCase.id)
    if member is not None:
        stmt = stmt.where(LapseCase.member_id == member.id)
    return db.session.scalars(stmt).all()


def warnings(member):
    rows = db.session.scalars(
        select(LapseWarning)
        .where(LapseWarning.member_id == member.id)
        .order_by(LapseWarning.threshold)
    ).all()
    return [(w.threshold, w.criterion, w.period) for w in rows]


@pytest.mark.parametrize(
    ("paid_through", "opened", "expected_warnings", "risk"),
    [
        ("2026-04", 1, [], True),  # May..Oct = 6: case
        ("2026-05", 0, [(3, "dues", "2026-08"), (5, "dues", "2026-10")], True),  # 5 months
        ("2026-07", 0, [(3, "dues", "2026-10")], True),  # 3 months
        ("2026-08", 0, [], False),  # 2 months
        ("2026-10", 0, [], False),
    ],
)
def test_thresholds(make_member, dues_history, paid_through, opened, expected_warnings, risk):
    member = make_member(category="other")
    dues_history(member, paid_through=paid_through)
    counts = sweeps.run_lapse_sweep(NOV30)
    assert counts["opened"] == opened
    assert counts["warned"] == len(expected_warnings)
    assert warnings(member) == expected_warnings
    assert db.session.get(Member, member.id).flag_lapse_risk is risk


def test_sweep_is_idempotent(make_member, dues_history):
    lapsed = make_member(category="other")
    warned = make_member(category="other")
    dues_history(lapsed, paid_through="2026-04")
    dues_history(warned, paid_through="2026-06")
    first = sweeps.run_lapse_sweep(NOV30)
    second = sweeps.run_lapse_sweep(NOV30)
    third = sweeps.run_lapse_sweep(date(2026, 11, 15))
    assert first == {"opened": 1, "resolved": 0, "warned": 1, "at_risk": 2}
    assert second == {"opened": 0, "resolved": 0, "warned": 0, "at_risk": 2}
    assert third["opened"] == 0 and third["warned"] == 0
    assert len(cases()) == 1
    assert db.session.scalar(select(func.count()).select_from(LapseWarning)) == 1


def test_case_evidence_is_the_months(make_member, dues_history):
    member = make_member(category="other")
    dues_history(member, paid_through="2026-04")
    sweeps.run_lapse_sweep(NOV30)
    (case,) = cases(member)
    assert case.status == CaseStatus.open
    assert case.opened_on == NOV30
    assert case.criteria == {
        "dues": ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"],
        "org_life": [],
        "reports": [],
    }


@pytest.mark.parametrize(
    ("reason_months", "opened"),
    [
        (("2026-08", "2026-08"), 0),  # illness in August breaks May..Oct
        (("2026-04", "2026-04"), 1),  # before the run: still May..Oct
        (("2026-10", "2026-12"), 0),  # leave covering the last judged month
    ],
)
def test_valid_reason_breaks_the_run(make_member, dues_history, reason_months, opened):
    member = make_member(category="other")
    dues_history(member, paid_through="2026-03")
    first, last = (months.parse(x) for x in reason_months)
    services.add_valid_reason(SYSTEM, member.id, kind="illness", from_month=first, to_month=last)
    db.session.commit()
    assert sweeps.run_lapse_sweep(NOV30)["opened"] == opened


def test_exemption_breaks_the_run(make_member, dues_history):
    from flowmember.members.models import MemberExemption

    member = make_member(category="other")
    dues_history(member, paid_through="2026-03")
    db.session.add(
        MemberExemption(
            member_id=member.id, starts_on=date(2026, 7, 20), ends_on=None, reason="long-term ill"
        )
    )
    db.session.commit()
    assert sweeps.run_lapse_sweep(NOV30)["opened"] == 0
    assert db.session.get(Member, member.id).flag_lapse_risk is False


def test_a_paid_month_inside_the_run_breaks_it(make_member, dues_history):
    member = make_member(category="other")
    statuses = {
        months.to_str(m): "unpaid"
        for m in months.span(months.parse("2026-01"), months.parse("2026-11"))
    }
    statuses["2026-07"] = "paid"
    dues_history(member, statuses)
    assert db.session.get(Member, member.id).paid_through_month is None  # summary: since Jan
    assert sweeps.run_lapse_sweep(NOV30)["opened"] == 0
    assert warnings(member) == [(3, "dues", "2026-10")]  # Aug..Oct


@pytest.mark.parametrize(
    ("joined_on", "opened", "risk"),
    [(date(2026, 7, 10), 0, True), (date(2026, 5, 31), 1, True), (date(2026, 9, 1), 0, False)],
)
def test_member_who_joined_recently(make_member, dues_history, joined_on, opened, risk):
    member = make_member(category="other", joined_on=joined_on)
    dues_history(member, first=months.to_str(months.of(joined_on)))
    assert sweeps.run_lapse_sweep(NOV30)["opened"] == opened
    assert db.session.get(Member, member.id).flag_lapse_risk is risk


def test_year_boundary(make_member, dues_history, freeze):
    member = make_member(category="other")
    dues_history(member, first="2026-01", last="2027-02", paid_through="2026-07")
    freeze("2027-01-31")
    assert sweeps.run_lapse_sweep(date(2027, 1, 31))["opened"] == 0  # Aug..Dec = 5
    freeze("2027-02-01")
    assert sweeps.run_lapse_sweep(date(2027, 2, 1))["opened"] == 1  # Aug..Jan = 6
    (case,) = cases(member)
    assert case.criteria["dues"][0] == "2026-08" and case.criteria["dues"][-1] == "2027-01"


def test_reports_criterion_for_members_away(make_member):
    last_checkin = months.parse("2026-04")
    away = make_member(category="migrant", last_checkin_month=last_checkin)
    home = make_member(category="inflow", last_checkin_month=last_checkin)
    assert sweeps.run_lapse_sweep(NOV30)["opened"] == 1
    (case,) = cases(away)
    assert case.criteria["reports"] == [
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
    ]
    assert cases(home) == []


def test_org_life_counts_only_months_with_activities(make_org, make_member):
    from flowmember.checkins.models import Activity

    busy = make_org("branch")
    quiet = make_org("branch")
    for m in months.span(months.parse("2025-11"), months.parse("2026-11")):
        db.session.add(
            Activity(
                org_id=busy.id,
                kind="member_meeting",
                title="meeting",
                held_on=months.first_day(m),
                month=m,
                online=False,
                code=f"b{m}",
            )
        )
        if m != months.parse("2026-08"):
            db.session.add(
                Activity(
                    org_id=quiet.id,
                    kind="lecture",
                    title="lecture",
                    held_on=months.first_day(m),
                    month=m,
                    online=False,
                    code=f"q{m}",
                )
            )
    db.session.commit()
    attended = months.parse("2026-04")
    absent = make_member(org=busy, category="other", last_attended_month=attended)
    excused_by_gap = make_member(org=quiet, category="other", last_attended_month=attended)
    assert sweeps.run_lapse_sweep(NOV30)["opened"] == 1
    (case,) = cases(absent)
    assert case.criteria["org_life"][0] == "2026-05"
    assert len(case.criteria["org_life"]) == 6
    assert cases(excused_by_gap) == []
    assert warnings(excused_by_gap) == []  # Sep..Oct only: 2 months
    gaps = services.org_gaps(SYSTEM, NOV30)
    assert {"org_id": quiet.id, "name": quiet.name, "months": ["2026-08"]} in gaps
    assert busy.id not in [g["org_id"] for g in gaps]


def test_caught_up_resolves_an_open_case_but_not_a_decided_one(make_member, dues_history):
    caught_up = make_member(category="migrant", last_checkin_month=months.parse("2026-04"))
    decided = make_member(category="migrant", last_checkin_month=months.parse("2026-04"))
    sweeps.run_lapse_sweep(NOV30)
    (decided_case,) = cases(decided)
    decided_case.status = CaseStatus.decided
    db.session.get(Member, caught_up.id).last_checkin_month = months.parse("2026-11")
    db.session.get(Member, decided.id).last_checkin_month = months.parse("2026-11")
    db.session.commit()
    counts = sweeps.run_lapse_sweep(NOV30)
    assert counts["resolved"] == 1 and counts["opened"] == 0
    (case,) = cases(caught_up)
    assert case.status == CaseStatus.closed and case.outcome.value == "resolved"
    assert [s.kind for s in case.steps] == ["resolved"]
    assert cases(decided)[0].status == CaseStatus.decided


def test_retained_member_is_not_reopened_for_the_same_months(make_member, tree, freeze):
    freeze("2026-11-30")
    member = make_member(
        org=tree.branch, category="migrant", last_checkin_month=months.parse("2026-04")
    )
    sweeps.run_lapse_sweep(NOV30)
    (case,) = cases(member)
    services.decide(
        tree.secretary,
        case.id,
        decision="retain",
        meeting_on=NOV30,
        reason="Working offshore; will report.",
    )
    db.session.commit()
    assert sweeps.run_lapse_sweep(NOV30)["opened"] == 0
    freeze("2027-05-01")
    assert sweeps.run_lapse_sweep(date(2027, 5, 1))["opened"] == 0  # Dec..Apr = 5
    freeze("2027-06-01")
    assert sweeps.run_lapse_sweep(date(2027, 6, 1))["opened"] == 1  # Dec..May = 6
    assert len(cases(member)) == 2


def test_only_active_members_are_swept(make_member):
    member = make_member(
        category="migrant",
        status="suspended",
        flag_lapse_risk=True,
        last_checkin_month=months.parse("2025-01"),
    )
    assert sweeps.run_lapse_sweep(NOV30)["opened"] == 0
    assert db.session.get(Member, member.id).flag_lapse_risk is False


def test_valid_reason_rows_are_scoped(make_member, tree):
    member = make_member(org=tree.branch)
    services.add_valid_reason(
        tree.secretary,
        member.id,
        kind="leave",
        from_month=months.parse("2026-01"),
        to_month=months.parse("2026-02"),
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ValidReason)) == 1


def test_evidence_lists_every_criterion_at_risk(make_member, dues_history):
    member = make_member(category="graduate", last_checkin_month=months.parse("2026-07"))
    dues_history(member, paid_through="2026-04")
    sweeps.run_lapse_sweep(NOV30)
    (case,) = cases(member)
    assert case.criteria["dues"] == [
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
    ]
    assert case.criteria["reports"] == ["2026-08", "2026-09", "2026-10"]


def test_short_runs_are_not_evidence(make_member, dues_history):
    member = make_member(category="graduate", last_checkin_month=months.parse("2026-08"))
    dues_history(member, paid_through="2026-04")
    sweeps.run_lapse_sweep(NOV30)
    (case,) = cases(member)
    assert case.criteria["reports"] == []  # Sep..Oct: 2 months, below the warning level
