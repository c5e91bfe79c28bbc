"""Dues: reductions (少交) and exemptions (免交) with date ranges and approval."""

from __future__ import annotations

from decimal import Decimal
from typing import NotRequired, TypedDict

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from flowmember.core import audit
from flowmember.core.auth import STAFF, WRITE_ROLES, Actor, get_scoped, require_role, scoped
from flowmember.core.errors import Conflict, PermissionDenied, ValidationError
from flowmember.core.money import to_fen
from flowmember.core.time import now_utc
from flowmember.dues import rules
from flowmember.dues.common import get_member
from flowmember.dues.models import (
    ApprovalStatus,
    AssessmentStatus,
    DuesAssessment,
    DuesExemption,
    ExemptionKind,
    LedgerEntry,
    LedgerKind,
)
from flowmember.dues.paid_through import recompute_paid_through
from flowmember.dues.services import base_in_force
from flowmember.extensions import db
from flowmember.members.models import Member

#: An exemption covers at most this many months.
MAX_EXEMPTION_MONTHS = 120


class ExemptionInput(TypedDict):
    """A requested reduction or exemption (``DuesExemptionArgs`` once loaded)."""

    from_month: int
    to_month: int
    kind: str
    monthly: NotRequired[Decimal | None]
    reason: str


def request_exemption(actor: Actor, member_id: int, data: ExemptionInput) -> DuesExemption:
    """A pending reduction or exemption for a range of months (branch decision)."""
    require_role(actor, STAFF)
    member = get_member(actor, member_id)
    first, last = data["from_month"], data["to_month"]
    if last < first:
        raise ValidationError({"to_month": [_l("Must not be before the first month.")]})
    if last - first >= MAX_EXEMPTION_MONTHS:
        too_long = _l("At most %(n)s months at a time.", n=MAX_EXEMPTION_MONTHS)
        raise ValidationError({"to_month": [too_long]})
    kind = ExemptionKind(data["kind"])
    monthly = None
    if kind == ExemptionKind.reduced:
        if data.get("monthly") is None:
            raise ValidationError({"monthly": [_l("Required for a reduction.")]})
        monthly = to_fen(data["monthly"])
        if monthly <= 0:
            raise ValidationError({"monthly": [_l("Must be more than 0.")]})
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": [_l("Required.")]})
    exemption = DuesExemption(
        member_id=member.id,
        from_month=first,
        to_month=last,
        kind=kind,
        monthly_fen=monthly,
        reason=reason,
        requested_by_id=actor.id,
        created_at=now_utc(),
    )
    db.session.add(exemption)
    db.session.flush()
    audit.record(
        actor,
        "dues.exemption_requested",
        exemption,
        org_id=member.org_id,
        after=audit.snapshot(exemption),
        reason=reason,
    )
    return exemption


def _is_retiree(member: Member, month: int) -> bool:
    """Retired, or paying dues as a retiree in ``month`` (the base in force then)."""
    if member.retired:
        return True
    base = base_in_force(member.id, month)
    return base is not None and base.kind == rules.DuesKind.retired


def exemptions_query(
    actor: Actor, *, status: str | None = None, member_id: int | None = None
) -> Select:
    """Reductions and exemptions in the actor's subtree, newest first; only ``status`` or only
    one member's when given."""
    stmt = scoped(select(DuesExemption), DuesExemption, actor)
    if status:
        stmt = stmt.where(DuesExemption.status == status)
    if member_id:
        stmt = stmt.where(DuesExemption.member_id == member_id)
    return stmt.order_by(DuesExemption.id.desc())


def approve_exemption(actor: Actor, exemption_id: int) -> DuesExemption:
    """Approve (higher committee: admin; for retirees the branch secretary may). Months already
    assessed and not paid become exempt / reduced at once, with waiver entries in the ledger."""
    require_role(actor, WRITE_ROLES)
    exemption = get_scoped(DuesExemption, exemption_id, actor, what="Exemption")
    member = db.session.get(Member, exemption.member_id)
    if actor.role == "secretary" and not _is_retiree(member, exemption.from_month):
        raise PermissionDenied("Only an admin may approve this; a secretary may for retirees.")
    if exemption.status != ApprovalStatus.pending:
        raise Conflict("This exemption is not pending.")
    overlap = db.session.scalar(
        select(DuesExemption.id).where(
            DuesExemption.member_id == exemption.member_id,
            DuesExemption.status == ApprovalStatus.approved,
            DuesExemption.from_month <= exemption.to_month,
            DuesExemption.to_month >= exemption.from_month,
        )
    )
    if overlap is not None:
        raise Conflict("An approved exemption already covers some of these months.")
    exemption.status = ApprovalStatus.approved
    exemption.approved_by_id = actor.id
    exemption.approved_at = now_utc()
    rows = db.session.scalars(
        select(DuesAssessment).where(
            DuesAssessment.member_id == exemption.member_id,
            DuesAssessment.month.between(exemption.from_month, exemption.to_month),
            DuesAssessment.status.in_(rules.UNPAID_STATUSES),
        )
    ).all()
    for row in rows:
        if exemption.kind == ExemptionKind.exempt:
            new_amount, row.status, row.reduced = 0, AssessmentStatus.exempt, False
        else:
            new_amount = min(exemption.monthly_fen, row.amount_fen)
            row.status, row.reduced = AssessmentStatus.reduced, True
        if new_amount != row.amount_fen:
            db.session.add(
                LedgerEntry(
                    member_id=row.member_id,
                    kind=LedgerKind.waiver,
                    month=row.month,
                    amount_fen=new_amount - row.amount_fen,
                    exemption_id=exemption.id,
                    created_at=now_utc(),
                )
            )
        row.amount_fen = new_amount
    db.session.flush()
    recompute_paid_through([exemption.member_id])
    audit.record(
        actor,
        "dues.exemption_approved",
        exemption,
        org_id=member.org_id,
        after={"status": "approved", "months_changed": len(rows)},
    )
    return exemption
