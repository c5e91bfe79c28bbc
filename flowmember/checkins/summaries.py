"""The per-member summary columns this package owns, kept current on every write and rebuilt
from history with set-based SQL.

- ``members.last_checkin_month`` = max(checkins.month)
- ``members.last_attended_month`` = the later of max(activities.month) over attendances
  present / online and ``members.carried_org_life_month`` (the last org-life month an old ledger
  vouches for)
- ``members.last_reached_at`` = max(checkins.updated_at, contact_attempts.at where the member
  was reached: outcome ``reached`` or ``refused``, DOMAIN §8)
- ``members.paid_through_month`` is owned by the dues package (kept current by its services);
  its expression is :func:`flowmember.dues.paid_through.paid_through_expr`, so that ``summaries
  rebuild --check`` proves it too.

Writes use single UPDATE statements (``CASE`` for a running maximum, a correlated subquery when
a value may go down), so two concurrent writes for one member cannot lose an update."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, literal, or_, select, update

from flowmember.checkins.models import (
    ATTENDED,
    REACHED_OUTCOMES,
    Activity,
    Attendance,
    Checkin,
    ContactAttempt,
)
from flowmember.dues.paid_through import paid_through_expr
from flowmember.extensions import db
from flowmember.members.models import Member

SUMMARY_COLUMNS = (
    "last_checkin_month",
    "last_attended_month",
    "last_reached_at",
    "paid_through_month",
)


def _greatest(column, value):
    """``max(column, value)`` treating NULL as smaller than anything (portable SQL)."""
    value = literal(value, type_=column.type)
    return case((or_(column.is_(None), column < value), value), else_=column)


def _update(member_ids, values: dict) -> None:
    stmt = update(Member).where(Member.id.in_(member_ids)).values(**values)
    db.session.execute(stmt.execution_options(synchronize_session="fetch"))


def note_checkin(member_id: int, month: int, at: datetime) -> None:
    """A check-in for ``month`` was submitted at ``at``."""
    _update(
        [member_id],
        {
            "last_checkin_month": _greatest(Member.last_checkin_month, month),
            "last_reached_at": _greatest(Member.last_reached_at, at),
        },
    )


def note_reached(member_id: int, at: datetime) -> None:
    """The member was reached at ``at``."""
    _update([member_id], {"last_reached_at": _greatest(Member.last_reached_at, at)})


# --- values computed from history (correlated to members.id) ----------------------------------


def checkin_month_expr():
    return select(func.max(Checkin.month)).where(Checkin.member_id == Member.id).scalar_subquery()


def attended_month_expr():
    """The last month attended (present or online), or the carried last org-life month when
    that is later: the last attended month after the carried one, else the carried one."""
    carried = Member.carried_org_life_month
    attended_after = (
        select(func.max(Activity.month))
        .select_from(Attendance)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(
            Attendance.member_id == Member.id,
            Attendance.status.in_([s.value for s in ATTENDED]),
            Activity.month > func.coalesce(carried, -1),
        )
        .scalar_subquery()
    )
    return func.coalesce(attended_after, carried)


def reached_at_expr():
    checked_in = (
        select(func.max(Checkin.updated_at)).where(Checkin.member_id == Member.id).scalar_subquery()
    )
    reached = (
        select(func.max(ContactAttempt.at))
        .where(
            ContactAttempt.member_id == Member.id,
            ContactAttempt.outcome.in_([o.value for o in REACHED_OUTCOMES]),
        )
        .scalar_subquery()
    )
    return case(
        (checked_in.is_(None), reached),
        (reached.is_(None), checked_in),
        (checked_in > reached, checked_in),
        else_=reached,
    )


EXPRESSIONS = {
    "last_checkin_month": checkin_month_expr,
    "last_attended_month": attended_month_expr,
    "last_reached_at": reached_at_expr,
    "paid_through_month": paid_through_expr,
}


def recompute_attended(member_ids) -> None:
    """Recompute last_attended_month for these members (after a change that may lower it, or
    after their carried last org-life month was set or changed)."""
    member_ids = list(member_ids)
    if member_ids:
        _update(member_ids, {"last_attended_month": attended_month_expr()})


def rebuild_summaries(check_only: bool = False) -> dict:
    """Compare the summary columns with history and (unless ``check_only``) repair them.

    Returns ``{"members": n, "mismatches": {column: count}, "total_mismatches": n,
    "examples": [{member_id, column}], "repaired": bool}``. One SELECT comparing every member
    and one UPDATE for the differing ones: no Python loop over members."""
    differs = {c: getattr(Member, c).is_distinct_from(EXPRESSIONS[c]()) for c in SUMMARY_COLUMNS}
    counts = db.session.execute(
        select(
            func.count(Member.id),
            *[func.coalesce(func.sum(case((d, 1), else_=0)), 0) for d in differs.values()],
        )
    ).one()
    members = counts[0] or 0
    mismatches = {c: int(v) for c, v in zip(SUMMARY_COLUMNS, counts[1:], strict=True)}
    examples: list[dict] = []
    for column, count in mismatches.items():
        if count:
            stmt = select(Member.id).where(differs[column]).order_by(Member.id).limit(5)
            examples.extend({"member_id": i, "column": column} for i in db.session.scalars(stmt))
    total = sum(mismatches.values())
    repaired = False
    if total and not check_only:
        # Every row in one pass (each value computed once); updated_at is left as it was.
        values = {c: EXPRESSIONS[c]() for c in SUMMARY_COLUMNS if mismatches[c]}
        stmt = update(Member).values(updated_at=Member.updated_at, **values)
        db.session.execute(stmt.execution_options(synchronize_session=False))
        db.session.expire_all()
        repaired = True
    return {
        "members": members,
        "mismatches": mismatches,
        "total_mismatches": total,
        "examples": examples,
        "repaired": repaired,
    }
