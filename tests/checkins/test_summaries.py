"""The per-member summary columns equal a rebuild from history, after any sequence of writes."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from flowmember.checkins import activities, services
from flowmember.checkins.models import Attendance
from flowmember.checkins.summaries import SUMMARY_COLUMNS, rebuild_summaries
from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.core.errors import NotFound
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.members import services as member_services
from flowmember.members.models import Member

MEMBERS = 3
ACTIVITIES = 4

step = st.one_of(
    st.tuples(st.just("checkin"), st.integers(0, MEMBERS - 1), st.booleans()),
    st.tuples(
        st.just("attend"),
        st.integers(0, ACTIVITIES - 1),
        st.integers(0, MEMBERS - 1),
        st.sampled_from(["present", "online", "excused", "absent"]),
    ),
    st.tuples(st.just("unattend"), st.integers(0, ACTIVITIES - 1), st.integers(0, MEMBERS - 1)),
    st.tuples(
        st.just("contact"),
        st.integers(0, MEMBERS - 1),
        st.sampled_from(["reached", "no_answer", "bounced", "refused"]),
        st.integers(0, 2000),
    ),
    # the last org-life month an old ledger vouches for, recorded (or cleared) on the member
    st.tuples(
        st.just("carry"), st.integers(0, MEMBERS - 1), st.one_of(st.none(), st.integers(0, 30))
    ),
    st.tuples(st.just("tick"), st.integers(1, 40)),
)


def _summary(member_ids):
    db.session.expire_all()
    return {
        m.id: tuple(getattr(m, c) for c in SUMMARY_COLUMNS)
        for m in db.session.scalars(select(Member).where(Member.id.in_(member_ids)))
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(step, min_size=1, max_size=25),
    held=st.lists(st.integers(0, 500), min_size=ACTIVITIES, max_size=ACTIVITIES),
)
def test_summaries_equal_a_rebuild_after_random_writes(
    app, make_org, make_member, freeze, steps, held
):
    freeze("2025-06-10")
    branch = make_org("branch")
    members = [make_member(org=branch, category="migrant") for _ in range(MEMBERS)]
    start = today_local()
    acts = [
        activities.create_activity(
            SYSTEM,
            org_id=branch.id,
            kind="member_meeting",
            title=f"meeting {i}",
            held_on=start - timedelta(days=d),
        )
        for i, d in enumerate(held)
    ]
    db.session.commit()
    for op in steps:
        kind = op[0]
        if kind == "checkin":
            _, m, previous = op
            month = None
            if previous and today_local().day <= 5:
                month = months.of(today_local()) - 1
            services.submit_checkin(SYSTEM, members[m], report="r", month=month)
        elif kind == "attend":
            _, a, m, status = op
            if acts[a].held_on <= today_local():
                activities.set_attendance(SYSTEM, acts[a], members[m].id, status)
        elif kind == "unattend":
            _, a, m = op
            try:
                activities.delete_attendance(SYSTEM, acts[a], members[m].id)
            except NotFound:
                pass
        elif kind == "contact":
            _, m, outcome, minutes_ago = op
            from flowmember.core.time import now_utc

            services.record_contact(
                SYSTEM,
                members[m],
                channel="phone",
                outcome=outcome,
                at=now_utc() - timedelta(minutes=minutes_ago),
            )
        elif kind == "carry":
            _, m, back = op
            month = None if back is None else months.of(today_local()) - back
            member_services.update_member(SYSTEM, members[m], {"last_org_life": month})
        else:
            freeze.tick(days=op[1])
        db.session.commit()
    ids = [m.id for m in members]
    before = _summary(ids)
    report = rebuild_summaries(check_only=True)
    assert report["total_mismatches"] == 0, report
    # And a real rebuild changes nothing.
    rebuild_summaries()
    db.session.commit()
    assert _summary(ids) == before


def test_rebuild_repairs_tampered_columns_and_cli_reports(
    app, make_org, make_member, freeze, cli_runner
):
    freeze("2026-11-21")
    branch = make_org("branch")
    member = make_member(org=branch)
    services.submit_checkin(SYSTEM, member, report="r")
    act = activities.create_activity(
        SYSTEM, org_id=branch.id, kind="lecture", title="t", held_on=date(2026, 10, 1)
    )
    activities.set_attendance(SYSTEM, act, member.id, "present")
    db.session.commit()
    expected = _summary([member.id])
    assert cli_runner.invoke(args=["summaries", "rebuild", "--check"]).exit_code == 0

    db.session.execute(
        update(Member).values(last_checkin_month=None, last_attended_month=1, last_reached_at=None)
    )
    db.session.commit()
    result = cli_runner.invoke(args=["summaries", "rebuild", "--check"])
    assert result.exit_code == 1
    assert "last_checkin_month: 1 differ" in result.output
    assert _summary([member.id]) != expected  # --check changes nothing

    result = cli_runner.invoke(args=["summaries", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "all summaries now agree" in result.output
    assert _summary([member.id]) == expected
    assert rebuild_summaries(check_only=True)["total_mismatches"] == 0
    assert db.session.scalar(select(Attendance.status)).value == "present"


def test_last_attended_is_the_later_of_attendance_and_the_carried_org_life_month(
    app, make_org, make_member, freeze
):
    freeze("2026-11-21")
    branch = make_org("branch")
    member = make_member(org=branch)
    act = activities.create_activity(
        SYSTEM, org_id=branch.id, kind="lecture", title="t", held_on=date(2026, 6, 3)
    )
    activities.set_attendance(SYSTEM, act, member.id, "present")
    db.session.commit()
    assert _summary([member.id])[member.id][1] == months.index(2026, 6)
    # an old ledger vouches for org life in September: later than June, so it counts
    member_services.update_member(SYSTEM, member, {"last_org_life": months.index(2026, 9)})
    db.session.commit()
    assert _summary([member.id])[member.id][1] == months.index(2026, 9)
    # attendance after the carried month wins again; removing it falls back to the carried one
    later = activities.create_activity(
        SYSTEM, org_id=branch.id, kind="lecture", title="t", held_on=date(2026, 10, 8)
    )
    activities.set_attendance(SYSTEM, later, member.id, "online")
    db.session.commit()
    assert _summary([member.id])[member.id][1] == months.index(2026, 10)
    activities.delete_attendance(SYSTEM, later, member.id)
    db.session.commit()
    assert _summary([member.id])[member.id][1] == months.index(2026, 9)
    # an earlier carried month never hides later attendance
    member_services.update_member(SYSTEM, member, {"last_org_life": months.index(2026, 2)})
    db.session.commit()
    assert _summary([member.id])[member.id][1] == months.index(2026, 6)
    assert rebuild_summaries(check_only=True)["total_mismatches"] == 0


def test_rebuild_check_proves_paid_through(app, make_org, make_member, freeze, cli_runner):
    """``summaries rebuild --check`` compares paid_through_month with the dues assessments and
    the carried paid-through month, and the repair restores it."""
    from flowmember.dues import payments
    from flowmember.dues import services as dues

    freeze("2026-11-21")
    branch = make_org("branch")
    paying = make_member(org=branch)
    carried = make_member(org=branch, joined_on=date(2024, 1, 1))
    behind = make_member(org=branch)
    for member in (paying, carried, behind):
        dues.set_base(SYSTEM, member.id, 2026, {"base": "4000.00", "kind": "employed"})
    member_services.update_member(SYSTEM, carried, {"dues_paid_through": months.index(2026, 9)})
    for month in (months.index(2026, 9), months.index(2026, 10)):
        dues.assess_month(SYSTEM, month)
    sep, oct_ = months.index(2026, 9), months.index(2026, 10)
    payments.record_payment(
        SYSTEM, paying.id, months_=[sep, oct_], amount=Decimal("80.00"), method="cash"
    )
    payments.record_payment(
        SYSTEM, behind.id, months_=[oct_], amount=Decimal("40.00"), method="cash"
    )
    db.session.commit()
    expected = {
        paying.id: months.index(2026, 10),
        carried.id: months.index(2026, 9),
        behind.id: None,  # September unpaid: October paid does not count
    }
    assert {i: v[3] for i, v in _summary(list(expected)).items()} == expected
    assert rebuild_summaries(check_only=True)["total_mismatches"] == 0

    db.session.execute(update(Member).values(paid_through_month=months.index(2026, 10)))
    db.session.commit()
    result = cli_runner.invoke(args=["summaries", "rebuild", "--check"])
    assert result.exit_code == 1
    assert "paid_through_month: 2 differ" in result.output
    result = cli_runner.invoke(args=["summaries", "rebuild"])
    assert result.exit_code == 0, result.output
    assert {i: v[3] for i, v in _summary(list(expected)).items()} == expected
