"""Random histories of many members in several orgs, written as rows, for the property tests that
prove the set-based statements against the pure rules.

A history is drawn from a ``random.Random`` (hypothesis hands one in, so a failure replays): an
org tree (a committee, a general branch and branches), 20+ members who joined at different
times, some received by transfer or registered from a paper letter (``org_since_month``), some
imported (a late ``entered_month``, with or without a vouched earlier tracking start and its
history), suspended or removed; dues assessments in every status, org-life activities with
attendance (present, online, excused, absent or nothing recorded), check-ins, contact attempts,
failed and bounced reminders, valid reasons, exemptions (some open-ended), retained cases and
restorations. Each member's own slice of it is kept as plain values (:class:`MemberHistory`),
which is what the pure rules take."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert

from flowmember.checkins.models import Activity, Attendance, Checkin, ContactAttempt
from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.core.time import LOCAL_TZ
from flowmember.dues.models import DuesAssessment
from flowmember.extensions import db
from flowmember.lapse.models import LapseCase, StatusRequest, ValidReason
from flowmember.members.models import Member, MemberExemption
from flowmember.orgs.services import create_org
from flowmember.reminders.models import Reminder

CATEGORIES = ("graduate", "migrant", "inflow", "other")
DUES_STATUSES = ("paid", "paid", "unpaid", "unpaid", "unpaid", "exempt", "reduced")
ATTENDANCE = ("present", "online", "excused", "excused", "absent", None, None)
OUTCOMES = ("reached", "refused", "no_answer", "no_answer", "wrong_number", "bounced")
#: How far back a history reaches, in months before the sweep's month.
SPAN = 20


def local_at(month: int, rng: random.Random) -> datetime:
    """A UTC instant inside the local month, often right at its edges."""
    first = months.first_day(month)
    last = months.last_day(month)
    pick = rng.random()
    if pick < 0.2:
        local = datetime.combine(first, time(0, 0), LOCAL_TZ)
    elif pick < 0.4:
        local = datetime.combine(last, time(23, 59), LOCAL_TZ)
    else:
        day = first + timedelta(days=rng.randrange((last - first).days + 1))
        local = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), LOCAL_TZ)
    return local.astimezone(UTC)


def local_month(at: datetime) -> int:
    return months.of(at.astimezone(LOCAL_TZ).date())


@dataclass
class MemberHistory:
    """One member's slice of a history, as plain values."""

    id: int
    org_id: int
    category: str
    stage: str
    status: str
    joined_on: date
    entered: int
    tracked_since: int
    org_since: int | None
    carried_paid_through: int | None
    carried_org_life: int | None
    dues: dict[int, str] = field(default_factory=dict)
    checkins: dict[int, datetime] = field(default_factory=dict)  # month -> submitted at
    attended: set[int] = field(default_factory=set)
    #: month -> the member's status at each activity of their org that month
    org_statuses: dict[int, list[str | None]] = field(default_factory=dict)
    valid: list[tuple[int, int | None]] = field(default_factory=list)
    #: months of a retaining review or a restoration
    reviewed: list[int] = field(default_factory=list)
    contacts: list[tuple[datetime, str]] = field(default_factory=list)
    failed_reminders: list[datetime] = field(default_factory=list)


@dataclass
class History:
    as_of: date
    orgs: list[int]
    members: dict[int, MemberHistory]
    held: dict[int, set[int]]  # org id -> months with an activity


def build(rng: random.Random, as_of: date, n_members: int = 24) -> History:
    """Write a random history into the database (committed) and return it as values."""
    now = months.of(as_of)
    first = now - SPAN
    committee = create_org(SYSTEM, name=f"C{rng.random()}", kind="committee", parent_id=None)
    general = create_org(SYSTEM, name=f"G{rng.random()}", kind="general_branch",
                         parent_id=committee.id)
    branches = [
        create_org(SYSTEM, name=f"B{i}{rng.random()}", kind="branch",
                   parent_id=(general if i % 2 else committee).id)
        for i in range(3)
    ]
    db.session.flush()
    org_ids = [b.id for b in branches] + [general.id]

    # Org life: each org holds 0-2 activities a month (some orgs are idle for a while).
    activities: list[dict] = []
    held: dict[int, set[int]] = {o: set() for o in org_ids}
    for org_id in org_ids:
        idle = rng.random() < 0.25
        for month in months.span(first, now):
            count = 0 if idle and rng.random() < 0.7 else rng.choice((0, 1, 1, 1, 2))
            for _ in range(count):
                day = months.first_day(month) + timedelta(
                    days=rng.randrange((months.last_day(month) - months.first_day(month)).days + 1)
                )
                activities.append(
                    {"org_id": org_id, "kind": "member_meeting", "title": "t", "held_on": day,
                     "month": month, "online": False, "code": "c"}
                )
                held[org_id].add(month)
    returning = insert(Activity).returning(Activity.id, Activity.org_id, Activity.month)
    act_rows = db.session.execute(returning, activities).all() if activities else []
    by_org_month: dict[tuple[int, int], list[int]] = {}
    for act_id, org_id, month in act_rows:
        by_org_month.setdefault((org_id, month), []).append(act_id)

    member_rows, histories = [], []
    for i in range(n_members):
        joined = months.first_day(rng.randrange(first - 6, now + 1)) + timedelta(
            days=rng.randrange(28)
        )
        joined_m = months.of(joined)
        kind = rng.random()
        entered, tracked, org_since, carried_pt, carried_ol = joined_m, joined_m, None, None, None
        if kind < 0.2:  # imported lately without history
            entered = tracked = max(joined_m, rng.randrange(now - 8, now + 1))
        elif kind < 0.35:  # imported with a vouched earlier tracking start and its history
            entered = max(joined_m, rng.randrange(now - 4, now + 1))
            tracked = max(joined_m, entered - rng.randrange(0, 14))
            carried_pt = rng.randrange(tracked - 2, now + 1)
            carried_ol = rng.randrange(tracked - 2, now + 1)
        elif kind < 0.5:  # received by transfer or registered from a paper letter
            org_since = rng.randrange(max(joined_m, first), now + 1)
            if rng.random() < 0.5:
                carried_pt = rng.randrange(org_since - 3, org_since + 1)
        status = rng.choice(("active",) * 8 + ("suspended", "removed"))
        h = MemberHistory(
            id=0, org_id=rng.choice(org_ids), category=rng.choice(CATEGORIES),
            stage=rng.choice(("full", "full", "probationary")), status=status, joined_on=joined,
            entered=entered, tracked_since=tracked, org_since=org_since,
            carried_paid_through=carried_pt, carried_org_life=carried_ol,
        )
        birth = date(1990, 1 + i % 12, 1 + i % 28)
        member_rows.append({
            "name": f"M{i}", "gender": "male", "birth_date": birth,
            "id_number": f"11010119900101{i:04d}", "phone": f"+86138{i:08d}",
            "category": h.category, "stage": h.stage, "status": status, "joined_on": joined,
            "org_id": h.org_id, "entered_month": entered, "tracked_since_month": tracked,
            "org_since_month": org_since, "carried_paid_through_month": carried_pt,
            "carried_org_life_month": carried_ol, "status_since": joined,
        })
        histories.append(h)
    ids = db.session.scalars(insert(Member).returning(Member.id, sort_by_parameter_order=True),
                             member_rows).all()

    assessments, checkins, attendances, contacts, reminders = [], [], [], [], []
    valid_reasons, exemptions, cases, requests = [], [], [], []
    for member_id, h in zip(ids, histories, strict=True):
        h.id = member_id
        # Dues: assessed from some month on, in every status; sometimes a gap (never assessed).
        start = max(months.of(h.joined_on), first + rng.randrange(0, 6))
        for month in months.span(start, now):
            if rng.random() < 0.08:
                continue
            h.dues[month] = rng.choice(DUES_STATUSES) if rng.random() < 0.6 else (
                "paid" if rng.random() < 0.5 else "unpaid")
        # Runs: sometimes the member stops doing everything from some month on.
        stop = rng.randrange(first, now + 2)
        for month in months.span(max(h.tracked_since, first), now):
            for act_id in by_org_month.get((h.org_id, month), []):
                status = rng.choice(ATTENDANCE) if month < stop else rng.choice(
                    ("absent", None, None, "excused"))
                h.org_statuses.setdefault(month, []).append(status)
                if status is not None:
                    attendances.append({"activity_id": act_id, "member_id": member_id,
                                        "status": status})
                if status in ("present", "online"):
                    h.attended.add(month)
            if rng.random() < (0.75 if month < stop else 0.05) and month >= h.entered:
                at = local_at(month, rng) if month < now else local_at(now, rng)
                h.checkins[month] = at
        # Attendance at another org's activity counts as attended too.
        if rng.random() < 0.15:
            other = rng.choice([o for o in org_ids if o != h.org_id])
            options = [k for k in by_org_month if k[0] == other]
            if options:
                key = rng.choice(options)
                attendances.append({"activity_id": by_org_month[key][0], "member_id": member_id,
                                    "status": "present"})
                h.attended.add(key[1])
        for month, at in h.checkins.items():
            checkins.append({"member_id": member_id, "month": month, "report": "r",
                             "created_at": at, "updated_at": at})
        for _ in range(rng.randrange(0, 5)):
            month = rng.randrange(now - 7, now + 1)
            at = local_at(month, rng)
            outcome = rng.choice(OUTCOMES)
            h.contacts.append((at, outcome))
            contacts.append({"member_id": member_id, "at": at, "channel": "phone",
                             "outcome": outcome})
        for n in range(rng.randrange(0, 3)):
            month = rng.randrange(now - 5, now + 1)
            at = local_at(month, rng)
            bounced = rng.random() < 0.5
            sent = at if rng.random() < 0.5 else None
            reminders.append({"member_id": member_id, "kind": "notice", "period": f"p{n}",
                              "status": "sent" if bounced else "failed", "bounced": bounced,
                              "sent_at": sent, "created_at": at})
            h.failed_reminders.append(at)
        # Valid reasons: illness or leave ranges, exemptions (some open-ended).
        if rng.random() < 0.2:
            a = rng.randrange(first, now + 1)
            b = a + rng.randrange(0, 4)
            valid_reasons.append({"member_id": member_id, "kind": "illness", "from_month": a,
                                  "to_month": b})
            h.valid.append((a, b))
        if rng.random() < 0.12:
            starts = months.first_day(rng.randrange(first, now + 1)) + timedelta(
                days=rng.randrange(28))
            ends = None if rng.random() < 0.5 else starts + timedelta(days=rng.randrange(20, 150))
            exemptions.append({"member_id": member_id, "starts_on": starts, "ends_on": ends,
                               "reason": "ill"})
            h.valid.append((months.of(starts), months.of(ends) if ends else None))
        if rng.random() < 0.08:  # a branch meeting reviewed and kept the member
            closed = months.first_day(rng.randrange(now - 6, now + 1)) + timedelta(days=3)
            if closed <= as_of:
                cases.append({"member_id": member_id, "org_id": h.org_id, "opened_on": closed,
                              "status": "closed", "outcome": "retained", "closed_on": closed})
                h.reviewed.append(months.of(closed))
        if rng.random() < 0.05:  # restored after a suspension
            decided = months.first_day(rng.randrange(now - 6, now + 1)) + timedelta(days=2)
            if decided <= as_of:
                requests.append({"member_id": member_id, "kind": "restoration", "reason": "r",
                                 "status": "approved", "requested_on": decided,
                                 "decided_on": decided})
                h.reviewed.append(months.of(decided))

    for h in histories:
        for month, status in h.dues.items():
            assessments.append({
                "member_id": h.id, "month": month, "org_id": h.org_id, "charged_fen": 100,
                "amount_fen": 0 if status == "exempt" else 100, "status": status,
                "reduced": status == "reduced", "rule": "test",
            })
    for model, rows in (
        (DuesAssessment, assessments), (Checkin, checkins), (Attendance, attendances),
        (ContactAttempt, contacts), (Reminder, reminders), (ValidReason, valid_reasons),
        (MemberExemption, exemptions), (LapseCase, cases), (StatusRequest, requests),
    ):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()
    return History(as_of=as_of, orgs=org_ids, members={h.id: h for h in histories}, held=held)
