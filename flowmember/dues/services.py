"""Dues: bases (yearly, with approved mid-year changes), the set-based monthly assessment, and
the member's arrears and ledger.

Elsewhere: paid-through in :mod:`flowmember.dues.paid_through`; payments, online orders and
reversals in :mod:`flowmember.dues.payments`; reductions and exemptions in
:mod:`flowmember.dues.exemptions`; the member's statement in :mod:`flowmember.dues.statement`;
reports and reconciliation in :mod:`flowmember.dues.reports`."""

from __future__ import annotations

from decimal import Decimal
from typing import NotRequired, TypedDict

from sqlalchemy import Select, and_, case, false, func, literal, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite

from flowmember.core import audit, months
from flowmember.core.auth import (
    STAFF,
    SYSTEM,
    WRITE_ROLES,
    Actor,
    get_scoped,
    org_ids_in_scope,
    require_org_in_scope,
    require_role,
    scoped,
)
from flowmember.core.db import UTCDateTime
from flowmember.core.errors import Conflict, ValidationError
from flowmember.core.money import to_fen
from flowmember.core.time import now_utc, today_local
from flowmember.dues import rules
from flowmember.dues.common import current_month, get_member
from flowmember.dues.models import (
    ApprovalStatus,
    AssessmentStatus,
    DuesAssessment,
    DuesBase,
    DuesBaseChange,
    DuesExemption,
    ExemptionKind,
    LedgerEntry,
    LedgerKind,
)
from flowmember.dues.paid_through import recompute_paid_through
from flowmember.extensions import db
from flowmember.members.models import Member, MemberStatus
from flowmember.orgs.models import Org

BASE_FIELDS = ["kind", "base_fen", "farmer_amount_fen", "voluntary_fen", "monthly_fen", "rule"]


class BaseInput(TypedDict):
    """A declared base (``DuesQuoteArgs`` once loaded): yuan as ``Decimal``."""

    base: Decimal
    kind: str
    farmer_amount: NotRequired[Decimal | None]
    voluntary: NotRequired[Decimal | None]


def _fen_or_none(value: Decimal | None) -> int | None:
    return None if value is None else to_fen(value)


# --- bases -----------------------------------------------------------------------------------


def quote(data: BaseInput) -> rules.Quote:
    """The monthly dues of a declared base (the rule checks the values and names a bad field)."""
    return rules.monthly_dues(
        data.get("base"),
        data.get("kind"),
        farmer_amount=data.get("farmer_amount"),
        voluntary=data.get("voluntary"),
    )


def set_base(actor: Actor, member_id: int, year: int, data: BaseInput) -> dict:
    """Fix a member's base for a year (PUT /members/{id}/dues-base/{year}).

    Before any month of that year is assessed the base is set at once (``status: applied``).
    Afterwards a change needs approval (``status: pending``): :func:`approve_base_change` applies
    it from the month after approval (DOMAIN §6: fixed for the year, mid-year change by approval
    from the next month). A newer pending change replaces an older one."""
    require_role(actor, STAFF)
    member = get_member(actor, member_id)
    this_year = today_local().year
    if not 2000 <= year <= this_year + 1:
        raise ValidationError({"year": ["Only past years, this year or next year."]})
    q = quote(data)
    values = {
        "kind": rules.DuesKind(data["kind"]),
        "base_fen": to_fen(data["base"]),
        "farmer_amount_fen": _fen_or_none(data.get("farmer_amount")),
        "voluntary_fen": _fen_or_none(data.get("voluntary")),
        "monthly_fen": q.monthly_fen,
        "rule": q.rule,
    }
    existing = db.session.scalars(
        select(DuesBase).where(DuesBase.member_id == member.id, DuesBase.year == year)
    ).first()
    assessed = db.session.scalar(
        select(func.count())
        .select_from(DuesAssessment)
        .where(
            DuesAssessment.member_id == member.id,
            DuesAssessment.month.between(months.index(year, 1), months.index(year, 12)),
        )
    )
    if existing is None or not assessed:
        joined = months.of(member.joined_on)
        if existing is None:
            existing = DuesBase(member_id=member.id, year=year)
            db.session.add(existing)
            before = None
        else:
            before = audit.snapshot(existing, BASE_FIELDS)
        for key, value in values.items():
            setattr(existing, key, value)
        existing.rate = str(q.rate) if q.rate is not None else None
        existing.capped = q.capped
        existing.from_month = max(months.index(year, 1), joined)
        existing.set_by_id = actor.id
        existing.updated_at = now_utc()
        db.session.flush()
        audit.record(
            actor,
            "dues.base_set",
            existing,
            org_id=member.org_id,
            before=before,
            after=audit.snapshot(existing, BASE_FIELDS + ["year", "member_id"]),
        )
        return {"status": "applied", "quote": q, "base": existing, "change": None}
    # Mid-year: a pending change replaces an older pending one.
    for old in db.session.scalars(
        select(DuesBaseChange).where(
            DuesBaseChange.member_id == member.id,
            DuesBaseChange.year == year,
            DuesBaseChange.status == ApprovalStatus.pending,
        )
    ):
        old.status = ApprovalStatus.rejected
        old.decided_by_id = actor.id
        old.decided_at = now_utc()
    change = DuesBaseChange(
        member_id=member.id, year=year, requested_by_id=actor.id, created_at=now_utc(), **values
    )
    db.session.add(change)
    db.session.flush()
    audit.record(
        actor,
        "dues.base_change_requested",
        change,
        org_id=member.org_id,
        after=audit.snapshot(change, BASE_FIELDS + ["year", "member_id"]),
    )
    return {"status": "pending", "quote": q, "base": existing, "change": change}


def approve_base_change(actor: Actor, change_id: int) -> DuesBaseChange:
    """Approve a pending mid-year change: it applies from the month after approval (or after
    the last assessed month, whichever is later), DOMAIN §6. The year's ``DuesBase`` row is left
    as it was: the change row itself records the values in force from ``effective_month``, so
    every month is assessed with the base in force for that month (see :func:`base_in_force`)
    and months already assessed keep their amount."""
    require_role(actor, WRITE_ROLES)
    change = get_scoped(DuesBaseChange, change_id, actor, what="Base change")
    if change.status != ApprovalStatus.pending:
        raise Conflict("This change is not pending.")
    last_assessed = db.session.scalar(
        select(func.max(DuesAssessment.month)).where(DuesAssessment.member_id == change.member_id)
    )
    effective = max(current_month(), last_assessed or 0) + 1
    if effective > months.index(change.year, 12):
        raise Conflict("Too late in the year for this change; set next year's base instead.")
    change.status = ApprovalStatus.approved
    change.effective_month = effective
    change.decided_by_id = actor.id
    change.decided_at = now_utc()
    db.session.flush()
    member = db.session.get(Member, change.member_id)
    audit.record(
        actor,
        "dues.base_change_approved",
        change,
        org_id=member.org_id,
        after=audit.snapshot(change, BASE_FIELDS + ["year", "member_id", "effective_month"]),
    )
    return change


def pending_base_changes(actor: Actor) -> Select:
    """Mid-year base changes in the actor's subtree waiting for approval, oldest first."""
    stmt = select(DuesBaseChange).where(DuesBaseChange.status == ApprovalStatus.pending)
    return scoped(stmt, DuesBaseChange, actor).order_by(DuesBaseChange.id)


def base_in_force(member_id: int, month: int) -> DuesBase | DuesBaseChange | None:
    """The base in force for ``month``: the latest approved mid-year change of that year whose
    ``effective_month`` is at or before the month, else the year's base (None without one).
    Python twin of the join in :func:`assess_month`; both carry ``kind``, ``base_fen``,
    ``farmer_amount_fen``, ``voluntary_fen``, ``monthly_fen`` and ``rule``."""
    year = months.year_month(month)[0]
    base = db.session.scalars(
        select(DuesBase).where(DuesBase.member_id == member_id, DuesBase.year == year)
    ).first()
    if base is None:
        return None
    change = db.session.scalars(
        select(DuesBaseChange)
        .where(
            DuesBaseChange.member_id == member_id,
            DuesBaseChange.year == year,
            DuesBaseChange.status == ApprovalStatus.approved,
            DuesBaseChange.effective_month <= month,
        )
        .order_by(DuesBaseChange.id.desc())
        .limit(1)
    ).first()
    return change or base


def _changes_in_force(month: int):
    """Per member: the id of the approved mid-year change in force for ``month`` (the latest
    approved one of the month's year effective at or before it). Approvals are in id order
    (a newer request rejects an older pending one) and effective months never go back."""
    c = DuesBaseChange.__table__
    return (
        select(c.c.member_id, func.max(c.c.id).label("change_id"))
        .where(
            c.c.status == ApprovalStatus.approved.value,
            c.c.year == months.year_month(month)[0],
            c.c.effective_month <= month,
        )
        .group_by(c.c.member_id)
        .subquery("in_force")
    )


# --- assessment ------------------------------------------------------------------------------


def _subtree_clause(actor: Actor, org_id: int | None, column):
    if org_id is not None:
        org = require_org_in_scope(actor, org_id)
        return column.in_(select(Org.id).where(Org.path.startswith(org.path)))
    if actor.is_system:
        return true()
    return column.in_(org_ids_in_scope(actor))


def _dialect_insert(table):
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def assess_month(actor: Actor, month: int, org_id: int | None = None) -> int:
    """Assess ``month`` for every active member of the subtree (the whole tree for the system
    actor without ``org_id``): one INSERT ... SELECT ... ON CONFLICT DO NOTHING, so running it
    again assesses nothing twice. Returns the number of rows added.

    - months before the member's joining month (accepted as probationary) are never assessed;
    - months up to the member's carried paid-through month (党费交至 vouched by an old ledger or
      a paper letter) were paid under the old books and are not assessed again;
    - members without a base for the month's year are skipped (see :func:`missing_bases`);
    - the amount is the base in force for the month: an approved mid-year change from its
      effective month on, the year's base before it (:func:`base_in_force`);
    - an approved exemption makes the month ``exempt`` (0) or ``reduced`` (the reduced amount).
    """
    require_role(actor, STAFF)
    a = DuesAssessment.__table__
    m = Member.__table__
    b = DuesBase.__table__
    e = DuesExemption.__table__
    year = months.year_month(month)[0]
    now = now_utc()
    ex = (
        select(e.c.member_id, e.c.kind, e.c.monthly_fen)
        .where(
            e.c.status == ApprovalStatus.approved.value,
            e.c.from_month <= month,
            e.c.to_month >= month,
        )
        .subquery("ex")
    )
    in_force = _changes_in_force(month)
    cv = DuesBaseChange.__table__.alias("cv")
    monthly = func.coalesce(cv.c.monthly_fen, b.c.monthly_fen)
    rule = func.coalesce(cv.c.rule, b.c.rule)
    least = func.least if db.session.get_bind().dialect.name == "postgresql" else func.min
    amount = case(
        (ex.c.kind == ExemptionKind.exempt.value, 0),
        (ex.c.kind == ExemptionKind.reduced.value, least(ex.c.monthly_fen, monthly)),
        else_=monthly,
    )
    status = case(
        (ex.c.kind == ExemptionKind.exempt.value, AssessmentStatus.exempt.value),
        (ex.c.kind == ExemptionKind.reduced.value, AssessmentStatus.reduced.value),
        else_=AssessmentStatus.unpaid.value,
    )
    reduced = case((ex.c.kind == ExemptionKind.reduced.value, true()), else_=false())
    source = (
        select(
            m.c.id,
            literal(month),
            m.c.org_id,
            amount,
            amount,
            status,
            reduced,
            rule,
            literal(now, UTCDateTime()),
        )
        .select_from(
            m.join(b, and_(b.c.member_id == m.c.id, b.c.year == year))
            .outerjoin(in_force, in_force.c.member_id == m.c.id)
            .outerjoin(cv, cv.c.id == in_force.c.change_id)
            .outerjoin(ex, ex.c.member_id == m.c.id)
        )
        .where(
            m.c.status == MemberStatus.active.value,
            m.c.joined_on <= months.last_day(month),
            _not_carried(m.c.carried_paid_through_month, month),
            _subtree_clause(actor, org_id, m.c.org_id),
        )
    )
    stmt = (
        _dialect_insert(a)
        .from_select(
            [
                "member_id",
                "month",
                "org_id",
                "charged_fen",
                "amount_fen",
                "status",
                "reduced",
                "rule",
                "created_at",
            ],
            source,
        )
        .on_conflict_do_nothing(index_elements=["member_id", "month"])
    )
    added = db.session.execute(stmt, execution_options={"preserve_rowcount": True}).rowcount or 0
    if added:
        # Paid-through moves only for members whose new month is exempt, or when the month is
        # assessed late (a later month is already assessed, so a paid-through month may lie at
        # or after it). Both sets are small; neither needs a scan of the new rows. A carried
        # paid-through month never lies at or after the new month (such months are skipped), so
        # the carried value alone cannot put paid-through at or after it.
        touched = set(
            db.session.scalars(
                select(e.c.member_id).where(
                    e.c.status == ApprovalStatus.approved.value,
                    e.c.kind == ExemptionKind.exempt.value,
                    e.c.from_month <= month,
                    e.c.to_month >= month,
                )
            )
        )
        later = db.session.scalar(select(a.c.id).where(a.c.month > month).limit(1))
        if later is not None:
            touched.update(
                db.session.scalars(select(m.c.id).where(m.c.paid_through_month >= month))
            )
        if touched:
            recompute_paid_through(touched)
    audit.record(
        actor,
        "dues.assess",
        entity_type="dues_assessments",
        org_id=org_id,
        after={"month": months.to_str(month), "assessed": added},
    )
    return added


def _not_carried(carried_col, month: int):
    """The month lies after the member's carried paid-through month (or none is carried)."""
    return or_(carried_col.is_(None), carried_col < month)


def missing_bases(
    actor: Actor, month: int, org_id: int | None = None, limit: int = 200
) -> list[int]:
    """Active members of the subtree who joined by ``month`` but have no base for its year:
    assessment skips them; staff see them listed to declare their base."""
    year = months.year_month(month)[0]
    stmt = (
        select(Member.id)
        .where(
            Member.status == MemberStatus.active,
            Member.joined_on <= months.last_day(month),
            _not_carried(Member.carried_paid_through_month, month),
            _subtree_clause(actor, org_id, Member.org_id),
            ~select(DuesBase.id)
            .where(DuesBase.member_id == Member.id, DuesBase.year == year)
            .exists(),
        )
        .order_by(Member.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# --- arrears and the ledger ----------------------------------------------------------------


def arrears(member_id: int) -> list[tuple[int, int]]:
    """Months owed and not paid (unpaid, or reduced and unpaid): [(month index, fen)]."""
    rows = db.session.execute(
        select(DuesAssessment.month, DuesAssessment.amount_fen)
        .where(
            DuesAssessment.member_id == member_id,
            DuesAssessment.status.in_(rules.UNPAID_STATUSES),
        )
        .order_by(DuesAssessment.month)
    )
    return [(month, fen) for month, fen in rows]


def ledger_entries(member_id: int) -> list[dict]:
    """The member's dues account: charges (the assessments) and the append-only movements
    (payments minus, reversals plus, waivers minus), oldest first, with a running balance.
    Large dues are kept apart and not listed here."""
    charges = [
        {
            "id": a.id,
            "at": a.created_at,
            "kind": "charge",
            "month": a.month,
            "amount_fen": a.charged_fen,
        }
        for a in db.session.scalars(
            select(DuesAssessment).where(DuesAssessment.member_id == member_id)
        )
    ]
    moves = [
        {
            "id": e.id,
            "at": e.created_at,
            "kind": e.kind.value,
            "month": e.month,
            "amount_fen": e.amount_fen,
        }
        for e in db.session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.member_id == member_id, LedgerEntry.kind != LedgerKind.large
            )
        )
    ]
    entries = sorted(charges + moves, key=lambda e: (e["at"], e["kind"] != "charge", e["id"]))
    balance = 0
    for entry in entries:
        balance += entry["amount_fen"]
        entry["balance_fen"] = balance
    return entries


def ledger_balance(member_id: int) -> int:
    """Balance owed by the ledger, computed in SQL: charges plus signed movements."""
    charged = db.session.scalar(
        select(func.coalesce(func.sum(DuesAssessment.charged_fen), 0)).where(
            DuesAssessment.member_id == member_id
        )
    )
    moved = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(
            LedgerEntry.member_id == member_id, LedgerEntry.kind != LedgerKind.large
        )
    )
    return int(charged) + int(moved)


def assess_since_last(month: int, max_back: int = 12) -> tuple[int, list[int]]:
    """The monthly job and its catch-up: assess ``month`` and every month since the last
    assessed one that was missed (at most ``max_back`` months back). Returns (rows added, months
    assessed); assessing is idempotent per (member, month)."""
    latest = db.session.scalar(
        select(func.max(DuesAssessment.month)).where(DuesAssessment.month <= month)
    )
    first = month if latest is None else min(max(latest + 1, month - max_back), month)
    done = list(months.span(first, month))
    return sum(assess_month(SYSTEM, m) or 0 for m in done), done
