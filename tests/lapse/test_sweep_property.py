"""The lapse and contact sweeps proven against the pure rules on random histories of many members
in several orgs (DOMAIN §8): each member's flags, warnings, case evidence and proposals from the
set-based SQL equal what :mod:`flowmember.lapse.rules` says for that member alone. The same run
checks that no statement of the sweeps and recomputes reads a table uncorrelated."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from flowmember.checkins.models import REACHED_OUTCOMES
from flowmember.checkins.summaries import rebuild_summaries
from flowmember.core import months
from flowmember.core.time import LOCAL_TZ
from flowmember.dues.paid_through import recompute_paid_through
from flowmember.extensions import db
from flowmember.lapse import rules
from flowmember.lapse.models import (
    CRITERIA,
    LapseCase,
    LapseWarning,
    StatusProposal,
)
from flowmember.lapse.sweeps import run_contact_sweep, run_lapse_sweep
from flowmember.members.models import Member
from tests import histories, sqlscope
from tests.conftest import _empty_tables

as_of_dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 30))


def expected_evidence(h: histories.MemberHistory, history: histories.History) -> rules.Evidence:
    return rules.evidence(
        history.as_of,
        joined_on=h.joined_on,
        category=h.category,
        dues=h.dues,
        held=history.held[h.org_id],
        attended=h.attended,
        excused=rules.excused_months(h.org_statuses),
        reported=set(h.checkins),
        valid=h.valid,
        reviewed=h.reviewed,
        tracked_since=h.tracked_since,
        org_since=h.org_since,
        entered=h.entered,
        carried_paid_through=h.carried_paid_through,
        carried_org_life=h.carried_org_life,
    )


def contact_values(h: histories.MemberHistory) -> dict:
    first = max(rules.counting_start(h.joined_on, h.tracked_since, h.org_since), h.entered)
    contact = [m for m in h.checkins] + [histories.local_month(at) for at in h.checkins.values()]
    contact += [histories.local_month(at) for at, o in h.contacts if o in REACHED_OUTCOMES]
    failed = [histories.local_month(at) for at, o in h.contacts if o not in REACHED_OUTCOMES]
    failed += [histories.local_month(at) for at in h.failed_reminders]
    reached = [at for at in h.checkins.values()] + [at for at, o in h.contacts
                                                    if o in REACHED_OUTCOMES]
    last_reached = max(reached, default=None)
    return {
        "last_contact_on": last_reached.astimezone(LOCAL_TZ).date() if last_reached else None,
        "first_month": first,
        "last_contact_month": max(contact, default=None),
        "failed_months": failed,
    }


def _describe(h, **more) -> str:
    return f"member {h.id}: {h}\n" + "\n".join(f"{k}: {v}" for k, v in more.items())


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), as_of=as_of_dates)
def test_sweeps_agree_with_the_rules_for_every_member(app, freeze, seed, as_of):
    freeze(as_of)
    try:
        history = histories.build(random.Random(seed), as_of)
        with sqlscope.capture(db.engine) as statements:
            recompute_paid_through()
            rebuild_summaries()
            counts = run_lapse_sweep(as_of)
            contact = run_contact_sweep(as_of)
            db.session.commit()
        assert sqlscope.check(statements) == []
        _check_lapse(history, counts)
        _check_contact(history, contact)

        # Running both again the same night changes nothing.
        again = run_lapse_sweep(as_of)
        assert (again["opened"], again["warned"], again["resolved"]) == (0, 0, 0)
        assert run_contact_sweep(as_of)["proposed_suspension"] == 0
        db.session.commit()
    finally:
        db.session.rollback()
        _empty_tables()


def _check_lapse(history: histories.History, counts: dict) -> None:
    members = {m.id: m for m in db.session.scalars(select(Member))}
    cases = {c.member_id: c for c in db.session.scalars(
        select(LapseCase).where(LapseCase.status == "open"))}
    warnings: dict[int, set] = {}
    for w in db.session.scalars(select(LapseWarning)):
        warnings.setdefault(w.member_id, set()).add((w.threshold, w.criterion, w.period))
    at_risk = 0
    for h in history.members.values():
        member = members[h.id]
        if h.status != "active":
            assert not member.flag_lapse_risk and h.id not in cases and h.id not in warnings
            continue
        ev = expected_evidence(h, history)
        context = _describe(h, evidence=ev.as_dict())
        at_risk += ev.longest >= rules.WARNING_THRESHOLDS[0]
        assert member.flag_lapse_risk == (ev.longest >= rules.WARNING_THRESHOLDS[0]), context
        assert (h.id in cases) == rules.opens_case(ev), context
        if h.id in cases:
            got = cases[h.id].criteria
            for criterion in CRITERIA:
                run = getattr(ev, criterion)
                want = run if len(run) >= rules.WARNING_THRESHOLDS[0] else []
                assert got[criterion] == [months.to_str(x) for x in want], context
        want_warnings = {
            (threshold, criterion, period)
            for criterion in CRITERIA
            for threshold, period in rules.warnings_due(getattr(ev, criterion))
        }
        assert warnings.get(h.id, set()) == want_warnings, context
    assert counts["at_risk"] == at_risk


def _check_contact(history: histories.History, counts: dict) -> None:
    members = {m.id: m for m in db.session.scalars(select(Member))}
    proposals = {p.member_id: p.kind for p in db.session.scalars(select(StatusProposal))}
    unreachable = 0
    for h in history.members.values():
        member = members[h.id]
        values = contact_values(h)
        if h.status != "active":
            assert not member.flag_unreachable
            removal = h.status == "suspended" and rules.proposes_removal(
                history.as_of,
                suspended_on=h.joined_on,  # status_since
                last_contact_on=values["last_contact_on"],
            )
            assert proposals.get(h.id) == ("removal" if removal else None), _describe(h)
            continue
        values.pop("last_contact_on")
        want = rules.unreachable(history.as_of, **values)
        unreachable += want
        context = _describe(h, values=values, last_reached_at=member.last_reached_at)
        assert member.flag_unreachable == want, context
        proposed = rules.proposes_suspension(
            history.as_of,
            unreachable_now=want,
            first_month=values["first_month"],
            last_contact_month=values["last_contact_month"],
        )
        kind = "probation_loss" if h.stage == "probationary" else "suspension"
        assert proposals.get(h.id) == (kind if proposed else None), context
    assert counts["unreachable"] == unreachable
