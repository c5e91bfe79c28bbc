"""Dues: reductions (少交) and exemptions (免交) with date ranges and approval."""

from __future__ import annotations

from sqlalchemy import select

from flowmember.core import audit
from flowmember.core.auth import get_scoped
from flowmember.core.errors import Conflict, PermissionDenied, ValidationError
from flowmember.core.money import to_fen
from flowmember.core.time import now_utc
from flowmember.dues import rules
from flowmember.dues.common import STAFF, get_member, parse_month
from flowmember.dues.common import require_role as _require_role
from flowmember.dues.models import (
    ApprovalStatus,
    AssessmentStatus,
    DuesAssessment,
    DuesExemption,
    ExemptionKind,
    LedgerEntry,
    LedgerKind,
)
from flowmember.extensions import db
from flowmember.members.models import Member


def request_exemption(actor, member_id: int, data: dict) -> DuesExemption:
    """A pending reduction or exemption for a range of months (branch decision)."""
    _require_role(actor, *STAFF)
    member = get_member(actor, member_id)
    first = parse_month(data.get("from_month"), "from_month")
    last = parse_month(data.get("to_month"), "to_month")
    if last < first:
        raise ValidationError({"to_month": ["Must not be before from_month."]})
    if last - first >= 120:
        raise ValidationError({"to_month": ["At most 120 months at a time."]})
    kind = ExemptionKind(data["kind"])
    monthly = None
    if kind == ExemptionKind.reduced:
        if data.get("monthly") is None:
            raise ValidationError({"monthly": ["Required for a reduction."]})
        monthly = to_fen(rules.parse_amount(data["monthly"], "monthly", allow_zero=False))
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Required."]})
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
    from flowmember.dues.services import base_in_force

    base = base_in_force(member.id, month)
    return base is not None and base.kind == rules.DuesKind.retired


def approve_exemption(actor, exemption_id: int) -> DuesExemption:
    """Approve (higher committee: admin; for retirees the branch secretary may). Months already
    assessed and not paid become exempt / reduced at once, with waiver entries in the ledger."""
    _require_role(actor, "admin", "secretary")
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
    from flowmember.dues.services import recompute_paid_through

    recompute_paid_through([exemption.member_id])
    audit.record(
        actor,
        "dues.exemption_approved",
        exemption,
        org_id=member.org_id,
        after={"status": "approved", "months_changed": len(rows)},
    )
    return exemption
