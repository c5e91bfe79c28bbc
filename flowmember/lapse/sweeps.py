"""The nightly lapse and contact sweeps: set-based SQL over the per-member summary columns.

Neither sweep loops over members in Python. ``lapse_sweep`` is a handful of statements:

1. one INSERT ... SELECT writes every active member with a run of 3+ months on some criterion into
   the scratch table ``lapse_sweep_runs`` (runs from the summary columns, cut by valid-reason
   months, the join month and, for org life, months in which the org held nothing);
2. one UPDATE trims each dues run to the consecutive unpaid assessments ending with the last judged
   month (the summary ``paid_through_month`` is only an upper bound of the run);
3. flags, warnings at 3 and 5 months, resolution of open cases whose member caught up, and new
   cases at 6 months, each one statement over the scratch table;

so running it twice opens nothing twice (one open case per member is also a partial unique index)
and SQLite and PostgreSQL get the same answer. The rules themselves are in :mod:`.rules`.

Both sweeps run inside their caller's transaction and never commit: the job runner commits a
nightly run (``jobs/lapse_sweep.py``, ``jobs/contact_sweep.py`` through ``jobs/runner.py``), the
request hook an API call (POST /sweeps/lapse), ``@committed`` a CLI command."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from typing import TypedDict

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)

from flowmember.checkins.models import (
    REACHED_OUTCOMES,
    Activity,
    Attendance,
    AttendanceStatus,
    ContactAttempt,
)
from flowmember.checkins.services import reporting_started_by
from flowmember.core import months
from flowmember.core.audit import AuditEntry
from flowmember.core.db import UTCDateTime
from flowmember.core.errors import ValidationError
from flowmember.core.time import LOCAL_TZ, now_utc, today_local
from flowmember.dues.models import DuesAssessment
from flowmember.extensions import db
from flowmember.lapse import rules
from flowmember.lapse.models import (
    CRITERIA,
    REVIEWED_OUTCOMES,
    CaseOutcome,
    CaseStatus,
    ContactSweepRun,
    LapseCase,
    LapseCaseStep,
    LapseSweepRun,
    LapseWarning,
    ProposalKind,
    RequestKind,
    RequestStatus,
    StatusProposal,
    StatusRequest,
    SweepRun,
    ValidReason,
)
from flowmember.lapse.sql import greatest, least, month_of, month_str
from flowmember.members.models import Member, MemberExemption
from flowmember.orgs.models import Org
from flowmember.reminders.models import Reminder

log = logging.getLogger(__name__)


class LapseCounts(TypedDict):
    opened: int  #: cases opened at six months
    resolved: int  #: open cases closed because the member caught up
    warned: int  #: 3- and 5-month warnings recorded
    at_risk: int  #: members with a run of 3+ months on some criterion


class ContactCounts(TypedDict):
    flagged: int
    cleared: int
    unreachable: int
    proposed_suspension: int
    proposed_removal: int


_BATCH = 5000
_LAPSE_LOCK = 0x1A75E001
_CONTACT_LOCK = 0x1A75E002


def _analyze(table: str) -> None:
    """Fresh statistics for a just-filled scratch table, so PostgreSQL plans the following
    statements with hash joins instead of row-by-row loops."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {table}"))


def _lock(key: int) -> None:
    """Serialise concurrent sweeps on PostgreSQL (SQLite serialises writers anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def check_as_of(as_of: date) -> None:
    """A sweep judges months that have ended: its date is today or earlier (DOMAIN §8)."""
    if as_of > today_local():
        raise ValidationError({"as_of": [_l("A sweep date cannot be in the future.")]})


def local_midnight(d: date) -> datetime:
    """The UTC instant at which the local (Asia/Shanghai) day ``d`` begins."""
    return datetime.combine(d, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def _rows(stmt) -> int:
    """Execute and return the row count (INSERTs need ``preserve_rowcount`` on psycopg)."""
    result = db.session.execute(stmt.execution_options(preserve_rowcount=True))
    return max(result.rowcount or 0, 0)


def _lit(value: int):
    return literal(value, Integer)


# --- lapse ------------------------------------------------------------------------------------


def _valid_breaks(last: int, as_of: date):
    """Per member: the latest valid-reason month up to ``last`` (the run cannot reach past it)."""
    last_day = months.last_day(last)
    vr = ValidReason.__table__
    lc = LapseCase.__table__
    sr = StatusRequest.__table__
    parts = [
        select(
            vr.c.member_id.label("member_id"), least(vr.c.to_month, _lit(last)).label("brk")
        ).where(vr.c.from_month <= last),
        # The month a branch meeting reviewed and kept the member.
        select(lc.c.member_id, least(month_of(lc.c.closed_on), _lit(last))).where(
            lc.c.outcome.in_(REVIEWED_OUTCOMES), lc.c.closed_on <= as_of
        ),
        # Months of a suspension, up to the month of restoration.
        select(sr.c.member_id, least(month_of(sr.c.decided_on), _lit(last))).where(
            sr.c.kind == RequestKind.restoration.value,
            sr.c.status == RequestStatus.approved.value,
            sr.c.decided_on <= as_of,
        ),
    ]
    ex = MemberExemption.__table__
    parts.append(
        select(
            ex.c.member_id,
            case(
                (or_(ex.c.ends_on.is_(None), ex.c.ends_on > last_day), _lit(last)),
                else_=month_of(ex.c.ends_on),
            ),
        ).where(ex.c.starts_on <= last_day)
    )
    u = union_all(*parts).subquery("vb")
    return (
        select(u.c.member_id, func.max(u.c.brk).label("brk")).group_by(u.c.member_id).subquery("v")
    )


def _org_gaps(last: int):
    """Per org: the latest month of the org-life window in which it held no activity."""
    act = Activity.__table__
    org = Org.__table__
    window = union_all(
        *[
            select(
                _lit(m).label("m"),
                literal(months.first_day(m), Date).label("d0"),
                literal(months.last_day(m), Date).label("d1"),
            )
            for m in range(last - rules.ORG_LIFE_WINDOW + 1, last + 1)
        ]
    ).subquery("w")
    held = (
        select(act.c.id)
        .where(act.c.org_id == org.c.id, act.c.held_on >= window.c.d0, act.c.held_on <= window.c.d1)
        .exists()
    )
    return (
        select(org.c.id.label("org_id"), func.max(window.c.m).label("gap"))
        .select_from(org.join(window, true()))
        .where(~held)
        .group_by(org.c.id)
        .subquery("g")
    )


def counting_start(m):
    """SQL twin of :func:`rules.counting_start` over the members table ``m``."""
    return greatest(
        month_of(m.c.joined_on), m.c.tracked_since_month, func.coalesce(m.c.org_since_month, -1)
    )


def run_starts(last: int, as_of: date):
    """SELECT (member_id, org_id, dues_from, org_life_from, reports_from) of every active member
    from the summary columns: a run is ``from .. last`` (empty when ``from > last``).

    Each start is one past the latest month that stops the run (:func:`rules.evidence`): the month
    before counting starts, the latest valid-reason month, and per criterion the last good month
    (paid through, last attended, last check-in, each with the history an import vouched for),
    for org life also the latest month the org held nothing and the start of the window."""
    m = Member.__table__
    v = _valid_breaks(last, as_of)
    g = _org_gaps(last)
    floor = greatest(counting_start(m) - 1, func.coalesce(v.c.brk, -1))
    dues_from = (
        greatest(
            floor,
            func.coalesce(m.c.paid_through_month, -1),
            func.coalesce(m.c.carried_paid_through_month, -1),
        )
        + 1
    )
    org_life_from = (
        greatest(
            floor,
            func.coalesce(m.c.last_attended_month, -1),
            func.coalesce(m.c.carried_org_life_month, -1),
            func.coalesce(g.c.gap, _lit(last - rules.ORG_LIFE_WINDOW)),
        )
        + 1
    )
    reports_from = case(
        (
            m.c.category.in_(sorted(rules.AWAY)),
            greatest(floor, m.c.entered_month - 1, func.coalesce(m.c.last_checkin_month, -1)) + 1,
        ),
        else_=_lit(last + 1),
    )
    frm = m.outerjoin(v, v.c.member_id == m.c.id).outerjoin(g, g.c.org_id == m.c.org_id)
    return (
        select(
            m.c.id.label("member_id"),
            m.c.org_id.label("org_id"),
            dues_from.label("dues_from"),
            org_life_from.label("org_life_from"),
            reports_from.label("reports_from"),
        )
        .select_from(frm)
        .where(m.c.status == "active")
    )


def _trim_dues_runs(last: int, threshold: int) -> None:
    """Cut each dues run to the consecutive owed assessments ending with the last judged month
    (the summary ``paid_through_month`` is only an upper bound of the run's start; a month never
    assessed breaks the run). Newest first, a month belongs to the consecutive run exactly when
    ``month + row_number == last + 1``."""
    r = LapseSweepRun.__table__
    a = DuesAssessment.__table__
    owed = (
        select(a.c.month, func.row_number().over(order_by=a.c.month.desc()).label("rn"))
        .where(
            a.c.member_id == r.c.member_id,
            a.c.status.in_(sorted(rules.OWED)),
            a.c.month <= last,
            a.c.month >= r.c.dues_from,
        )
        .correlate(r)
        .subquery("owed")
    )
    run = select(func.count()).select_from(owed).where(owed.c.month + owed.c.rn == last + 1)
    db.session.execute(
        update(r)
        .where(r.c.dues_from <= threshold)
        .values(dues_from=greatest(r.c.dues_from, _lit(last + 1) - run.scalar_subquery()))
    )


def _runs_at_least(r, n: int, last: int):
    return or_(*[r.c[f"{c}_from"] <= last - n + 1 for c in CRITERIA])


def _skip_excused_months(last: int, threshold: int) -> None:
    """Cut org-life runs at the latest month in which the member was excused (请假) from every
    activity the org held (:func:`rules.excused_months`): such a month is not missed."""
    r = LapseSweepRun.__table__
    act = Activity.__table__
    other = Activity.__table__.alias("same_month")
    att = Attendance.__table__
    # Each level names the scratch row it belongs to: SQLAlchemy correlates only to the level
    # right around a subquery.
    not_excused = ~exists().where(
        att.c.activity_id == other.c.id,
        att.c.member_id == r.c.member_id,
        att.c.status == AttendanceStatus.excused.value,
    ).correlate(r, other)
    excused_month = (
        select(func.max(act.c.month))
        .where(
            act.c.org_id == r.c.org_id,
            act.c.month >= r.c.org_life_from,
            act.c.month <= last,
            ~exists()
            .where(other.c.org_id == act.c.org_id, other.c.month == act.c.month, not_excused)
            .correlate(r, act),
        )
        .correlate(r)
        .scalar_subquery()
    )
    db.session.execute(
        update(r)
        .where(r.c.org_life_from <= threshold)
        .values(org_life_from=greatest(r.c.org_life_from, func.coalesce(excused_month, -1) + 1))
    )


def fill_runs(last: int, as_of: date) -> int:
    """Fill ``lapse_sweep_runs`` with the members who have a run of 3+ months."""
    r = LapseSweepRun.__table__
    session = db.session
    session.execute(delete(r))
    starts = run_starts(last, as_of).subquery("s")
    threshold = last - rules.WARNING_THRESHOLDS[0] + 1
    session.execute(
        insert(r).from_select(
            ["member_id", "org_id", "dues_from", "org_life_from", "reports_from"],
            select(starts).where(
                least(starts.c.dues_from, starts.c.org_life_from, starts.c.reports_from)
                <= threshold
            ),
        )
    )
    _trim_dues_runs(last, threshold)
    _skip_excused_months(last, threshold)
    session.execute(delete(r).where(not_(_runs_at_least(r, rules.WARNING_THRESHOLDS[0], last))))
    for table in ("lapse_sweep_runs", "lapse_warnings", "lapse_cases"):
        _analyze(table)
    return session.scalar(select(func.count()).select_from(r))


def _case_audit(actor_name: str, action: str, where, now: datetime, reason: str) -> None:
    lc = LapseCase.__table__
    db.session.execute(
        insert(AuditEntry.__table__).from_select(
            ["at", "actor_name", "action", "entity_type", "entity_id", "org_id", "reason"],
            select(
                literal(now, UTCDateTime()),
                literal(actor_name),
                literal(action),
                literal("lapse_cases"),
                lc.c.id,
                lc.c.org_id,
                literal(reason),
            ).where(where),
        )
    )


def run_lapse_sweep(as_of: date) -> LapseCounts:
    """The lapse sweep for ``as_of`` (nightly), inside the caller's transaction (flushes, never
    commits). Safe to run any number of times."""
    check_as_of(as_of)
    session = db.session
    _lock(_LAPSE_LOCK)
    now = now_utc()
    last = rules.last_judged_month(as_of)
    log_row = SweepRun(name="lapse_sweep", as_of=as_of, started_at=now)
    session.add(log_row)
    session.flush()

    at_risk = fill_runs(last, as_of)
    r = LapseSweepRun.__table__
    m = Member.__table__
    lc = LapseCase.__table__

    # Flags: lapse risk for a run of 3+ months on any criterion.
    # (NOT EXISTS, never NOT IN: PostgreSQL plans a large NOT IN as a row-by-row subplan.)
    # (IN drives the update from the few scratch rows on SQLite.)
    session.execute(
        update(m)
        .where(m.c.flag_lapse_risk == false(), m.c.id.in_(select(r.c.member_id)))
        .values(flag_lapse_risk=True)
    )
    in_runs = exists().where(r.c.member_id == m.c.id)
    session.execute(
        update(m).where(m.c.flag_lapse_risk == true(), ~in_runs).values(flag_lapse_risk=False)
    )

    # Warnings at 3 and 5 months (below the case threshold), once per run.
    lw = LapseWarning.__table__
    warned = 0
    for criterion in CRITERIA:
        start = r.c[f"{criterion}_from"]
        length = _lit(last + 1) - start
        for threshold in rules.WARNING_THRESHOLDS:
            period = month_str(start + (threshold - 1))
            already = exists().where(
                lw.c.member_id == r.c.member_id,
                lw.c.threshold == threshold,
                lw.c.criterion == criterion,
                lw.c.period == period,
            )
            warned += _rows(
                insert(lw).from_select(
                    ["member_id", "threshold", "criterion", "period", "created_at"],
                    select(
                        r.c.member_id,
                        _lit(threshold),
                        literal(criterion),
                        period,
                        literal(now, UTCDateTime()),
                    ).where(length >= threshold, length < rules.CASE_THRESHOLD, ~already),
                )
            )

    # Resolve open cases (no decision yet) whose member caught up: the ids are fetched once
    # (bounded by the open cases) and closed in batches. A run for an earlier date never touches
    # a case opened by a later run.
    still_lapsed = exists().where(
        r.c.member_id == lc.c.member_id, _runs_at_least(r, rules.CASE_THRESHOLD, last)
    )
    is_active = exists().where(m.c.id == lc.c.member_id, m.c.status == "active")
    ids = session.scalars(
        select(lc.c.id).where(
            lc.c.status == CaseStatus.open.value,
            lc.c.opened_on <= as_of,
            is_active,
            ~still_lapsed,
        )
    ).all()
    resolved = 0
    for start in range(0, len(ids), _BATCH):
        to_resolve = lc.c.id.in_(ids[start : start + _BATCH])
        session.execute(
            insert(LapseCaseStep.__table__).from_select(
                ["case_id", "kind", "at", "note", "actor_name", "created_at"],
                select(
                    lc.c.id,
                    literal("resolved"),
                    literal(now, UTCDateTime()),
                    literal("The member caught up before a decision."),
                    literal("system"),
                    literal(now, UTCDateTime()),
                ).where(to_resolve),
            )
        )
        _case_audit("system", "lapse_case.resolve", to_resolve, now, "caught up before a decision")
        resolved += _rows(
            update(lc)
            .where(to_resolve, lc.c.status == CaseStatus.open.value)
            .values(
                status=CaseStatus.closed.value,
                outcome=CaseOutcome.resolved.value,
                closed_on=as_of,
            )
        )

    # Open a case at 6 months, with each criterion's run as evidence.
    session.execute(
        update(r)
        .where(
            exists().where(
                lc.c.member_id == r.c.member_id,
                or_(
                    lc.c.status.in_([CaseStatus.open.value, CaseStatus.decided.value]),
                    lc.c.opened_on > as_of,
                ),
            )
        )
        .values(has_case=True)
    )
    has_case = r.c.has_case == true()
    # Evidence: every criterion with a run of 3+ months (the runs the trim step verified).
    columns = {"member_id": r.c.member_id, "org_id": r.c.org_id}
    at_risk_from = last - rules.WARNING_THRESHOLDS[0] + 1
    for criterion in CRITERIA:
        start = r.c[f"{criterion}_from"]
        columns[f"{criterion}_from"] = case((start <= at_risk_from, start), else_=None)
        columns[f"{criterion}_to"] = case((start <= at_risk_from, _lit(last)), else_=None)
    columns.update(
        opened_on=literal(as_of, Date),
        status=literal(CaseStatus.open.value),
        sweep_id=_lit(log_row.id),
        created_at=literal(now, UTCDateTime()),
    )
    opened = _rows(
        insert(lc).from_select(
            list(columns),
            select(*columns.values()).where(
                _runs_at_least(r, rules.CASE_THRESHOLD, last), ~has_case
            ),
        )
    )
    _case_audit(
        "system",
        "lapse_case.open",
        lc.c.sweep_id == log_row.id,
        now,
        "six consecutive months missed",
    )
    session.execute(delete(r))

    counts = LapseCounts(opened=opened, resolved=resolved, warned=warned, at_risk=at_risk)
    log_row.finished_at = now_utc()
    log_row.counts = counts
    session.flush()
    log.info("lapse sweep %s: %s", as_of, counts)
    return counts


# --- lost contact -------------------------------------------------------------------------------


def _failures(as_of: date):
    """Member ids with 2+ failed contact attempts or failed/bounced reminders inside the three
    silent months (:func:`rules.silent_months`)."""
    silent = rules.silent_months(as_of)
    start = local_midnight(months.first_day(silent.start))
    end = local_midnight(months.first_day(silent.stop))
    reached = [o.value for o in REACHED_OUTCOMES]
    ca = ContactAttempt.__table__
    rm = Reminder.__table__
    when = func.coalesce(rm.c.sent_at, rm.c.created_at)
    u = union_all(
        select(ca.c.member_id.label("member_id")).where(
            ca.c.outcome.not_in(reached), ca.c.at >= start, ca.c.at < end
        ),
        select(rm.c.member_id).where(
            rm.c.member_id.is_not(None),
            or_(rm.c.status == "failed", rm.c.bounced == true()),
            when >= start,
            when < end,
        ),
    ).subquery("f")
    return (
        select(u.c.member_id)
        .group_by(u.c.member_id)
        .having(func.count() >= rules.UNREACHABLE_FAILED_ATTEMPTS)
    )


def _silent_since(month: int):
    """No successful contact (reached or refused attempt, reply, check-in) from ``month`` on,
    and the member had been under the org (and in FlowMember) since then."""
    m = Member.__table__
    return and_(
        or_(
            m.c.last_reached_at.is_(None),
            m.c.last_reached_at < local_midnight(months.first_day(month)),
        ),
        or_(m.c.last_checkin_month.is_(None), m.c.last_checkin_month < month),
        reporting_started_by(month),
    )


def unreachable_clause(as_of: date):
    m = Member.__table__
    first_silent = rules.silent_months(as_of).start
    return and_(m.c.status == "active", _silent_since(first_silent), m.c.id.in_(_failures(as_of)))


def run_contact_sweep(as_of: date) -> ContactCounts:
    """The lost-contact sweep for ``as_of`` (nightly), inside the caller's transaction (flushes,
    never commits). Safe to run any number of times."""
    check_as_of(as_of)
    session = db.session
    _lock(_CONTACT_LOCK)
    now = now_utc()
    log_row = SweepRun(name="contact_sweep", as_of=as_of, started_at=now)
    session.add(log_row)
    session.flush()
    m = Member.__table__
    sp = StatusProposal.__table__
    sr = StatusRequest.__table__

    # The unreachable set, computed once (one scan of the members) into the scratch table.
    u = ContactSweepRun.__table__
    session.execute(delete(u))
    session.execute(
        insert(u).from_select(["member_id"], select(m.c.id).where(unreachable_clause(as_of)))
    )
    _analyze("contact_sweep_ids")
    in_set = exists().where(u.c.member_id == m.c.id)
    flagged = _rows(
        update(m)
        .where(m.c.flag_unreachable == false(), m.c.id.in_(select(u.c.member_id)))
        .values(flag_unreachable=True)
    )
    cleared = _rows(
        update(m).where(m.c.flag_unreachable == true(), ~in_set).values(flag_unreachable=False)
    )
    # Proposals of members reached again (or no longer active / suspended) lapse.
    session.execute(
        update(sp)
        .where(
            sp.c.status == "proposed",
            or_(
                and_(
                    sp.c.kind.in_(
                        [ProposalKind.suspension.value, ProposalKind.probation_loss.value]
                    ),
                    ~exists().where(
                        m.c.id == sp.c.member_id,
                        m.c.flag_unreachable == true(),
                        m.c.status == "active",
                    ),
                ),
                and_(
                    sp.c.kind == ProposalKind.removal.value,
                    ~exists().where(
                        m.c.id == sp.c.member_id, m.c.status == literal_column("'suspended'")
                    ),
                ),
            ),
        )
        .values(status="closed")
    )

    # Six months out of contact: propose suspension (loss of probationary status for a
    # probationary member). People decide; nothing changes status here.
    six_from = rules.silent_months(as_of, rules.SUSPENSION_PROPOSAL_MONTHS).start
    open_proposal = exists().where(sp.c.member_id == m.c.id, sp.c.status == "proposed")
    pending = exists().where(sr.c.member_id == m.c.id, sr.c.status == RequestStatus.pending.value)
    kind = case(
        (m.c.stage == "probationary", literal(ProposalKind.probation_loss.value)),
        else_=literal(ProposalKind.suspension.value),
    )
    proposed = _rows(
        insert(sp).from_select(
            ["member_id", "kind", "proposed_on", "status", "created_at"],
            select(
                m.c.id,
                kind,
                literal(as_of, Date),
                literal("proposed"),
                literal(now, UTCDateTime()),
            ).where(
                m.c.flag_unreachable == true(),
                m.c.status == "active",
                _silent_since(six_from),
                ~open_proposal,
                ~pending,
            ),
        )
    )

    # Suspended 2+ years and still out of contact: propose removal.
    two_years_ago = rules.add_years(as_of, -rules.SUSPENSION_YEARS)
    removal = _rows(
        insert(sp).from_select(
            ["member_id", "kind", "proposed_on", "status", "created_at"],
            select(
                m.c.id,
                literal(ProposalKind.removal.value),
                literal(as_of, Date),
                literal("proposed"),
                literal(now, UTCDateTime()),
            ).where(
                m.c.status == literal_column("'suspended'"),
                m.c.status_since <= two_years_ago,
                or_(
                    m.c.last_reached_at.is_(None),
                    m.c.last_reached_at < local_midnight(two_years_ago),
                ),
                ~open_proposal,
            ),
        )
    )

    unreachable = session.scalar(select(func.count()).select_from(u))
    session.execute(delete(u))
    counts = ContactCounts(
        flagged=flagged,
        cleared=cleared,
        unreachable=unreachable,
        proposed_suspension=proposed,
        proposed_removal=removal,
    )
    log_row.finished_at = now_utc()
    log_row.counts = counts
    session.flush()
    log.info("contact sweep %s: %s", as_of, counts)
    return counts
