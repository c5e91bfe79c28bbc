"""Dues: ``members.paid_through_month`` (党费交至), kept current on every write that can move it
and rebuilt set-based.

The rule is :func:`flowmember.dues.rules.paid_through`; :func:`paid_through_expr` is its
set-based twin (a SQL expression correlated to ``members``), which
:func:`recompute_paid_through` writes and ``flowmember summaries rebuild --check`` compares.
Every dues module that changes a month's status (assessment, payments, reversals, exemptions)
and the members package (a changed carried month) call :func:`recompute_paid_through`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, and_, case, func, select, update

from flowmember.dues import rules
from flowmember.dues.models import DuesAssessment
from flowmember.extensions import db
from flowmember.members.models import Member


def _settled_max(after=None):
    """The last settled (paid or exempt) assessed month with no unpaid month before it, of the
    member in the enclosing statement (correlated to ``members``); only months after ``after``
    when given. The inner EXISTS is tied to the member through ``a.member_id``: SQLAlchemy
    correlates a subquery only to the SELECT that immediately encloses it, so naming
    ``members.id`` two levels down would put an uncorrelated ``members`` in its FROM (every
    member's unpaid months would then count against everyone)."""
    m = Member.__table__
    a = DuesAssessment.__table__.alias("pt_a" if after is None else "pt_ac")
    u = DuesAssessment.__table__.alias("pt_u" if after is None else "pt_uc")
    unpaid_before = (
        select(u.c.id)
        .where(
            u.c.member_id == a.c.member_id,
            u.c.status.in_(rules.UNPAID_STATUSES),
            u.c.month < a.c.month,
        )
        .exists()
    )
    where = [a.c.member_id == m.c.id, a.c.status.in_(rules.SETTLED_STATUSES), ~unpaid_before]
    if after is not None:
        where.append(a.c.month > after)
    return select(func.max(a.c.month)).where(*where).scalar_subquery()


def paid_through_expr():
    """``members.paid_through_month`` computed from the assessments and the carried month, as a
    SQL expression correlated to ``members`` (for an UPDATE of members or a SELECT from them).
    Set-based twin of :func:`flowmember.dues.rules.paid_through`:

    - a carried month with no unpaid assessed month at or before it counts as settled: the
      answer is the last settled assessed month after it with no unpaid month before, else the
      carried month itself;
    - otherwise (nothing carried, or the books contradict it): the last settled assessed month
      with no unpaid month before it, NULL when there is none."""
    m = Member.__table__
    carried = m.c.carried_paid_through_month
    cu = DuesAssessment.__table__.alias("pt_cu")
    unpaid_by_carried = (
        select(cu.c.id)
        .where(
            cu.c.member_id == m.c.id,
            cu.c.status.in_(rules.UNPAID_STATUSES),
            cu.c.month <= carried,
        )
        .exists()
    )
    return case(
        (
            and_(carried.is_not(None), ~unpaid_by_carried),
            func.coalesce(_settled_max(after=carried), carried),
        ),
        else_=_settled_max(),
    )


def recompute_paid_through(member_ids: Iterable[int] | Select | None = None) -> int:
    """Set Member.paid_through_month from the assessments and the carried paid-through month,
    set-based (:func:`paid_through_expr`, the rule of :func:`rules.paid_through`): the last
    settled month M (paid or exempt, a reduced month once its reduced amount is paid, or the
    carried month) with no unpaid assessed month at or before M; NULL when there is none.
    ``member_ids``: ids, a SELECT of ids, or None for everyone. Returns the number of members
    whose value changed. Call it after changing ``carried_paid_through_month``."""
    m = Member.__table__
    value = paid_through_expr()
    differs = func.coalesce(m.c.paid_through_month, -1) != func.coalesce(value, -1)
    options = {"synchronize_session": False}
    ids = None
    if isinstance(member_ids, Select):
        statements = [update(m).where(m.c.id.in_(member_ids), differs)]
    elif member_ids is not None:
        ids = sorted(set(member_ids))
        statements = [
            update(m).where(m.c.id.in_(ids[i : i + 5000]), differs)
            for i in range(0, len(ids), 5000)
        ]
    else:
        statements = [update(m).where(differs)]
    changed = 0
    for stmt in statements:
        stmt = stmt.values(paid_through_month=value)
        result = db.session.execute(stmt, execution_options=options)
        changed += result.rowcount or 0
    wanted = set(ids) if ids is not None else None
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Member) and (wanted is None or obj.id in wanted):
            db.session.expire(obj, ["paid_through_month"])
    return changed
