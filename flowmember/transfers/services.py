"""Transfers: the workflow. Services take the acting user, flush, never commit.

Until the receipt is recorded the issuing org keeps the member (their ``org_id`` does not
change; the member is "in transit"). The receipt goes only from the final receiving org back to
the issuing org (不层层回执): a receiving org in the system records it itself; for an org outside
the system the issuing org records the paper receipt."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from flowmember.core import audit, months
from flowmember.core.auth import get_scoped, in_scope
from flowmember.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from flowmember.core.time import now_utc, today_local
from flowmember.extensions import db
from flowmember.members.models import Member, MemberStatus
from flowmember.orgs.models import Org
from flowmember.orgs.rules import COMMITTEE_LEVEL
from flowmember.transfers import rules
from flowmember.transfers.models import (
    Direction,
    ReasonKind,
    ReceiptKind,
    Transfer,
    TransferStatus,
)

# Reading lives in queries.py; these names are part of the services interface.
from flowmember.transfers.queries import (  # noqa: F401
    in_transit_member_ids,
    is_in_transit,
    list_query,
    mark_expired,
    member_letters,
    overdue,
)

S = TransferStatus
WORKFLOW_ROLES = ("admin", "secretary")
AUDIT_FIELDS = [
    "status",
    "to_org_id",
    "to_org_name",
    "letter_no",
    "issued_on",
    "expires_on",
    "received_on",
    "receipt_kind",
    "returned_on",
    "return_reason",
    "cancel_reason",
]


# --- helpers ----------------------------------------------------------------------------------


def _illegal(current: TransferStatus | str, action: str) -> Conflict:
    err = rules.IllegalTransition(current, action)
    return Conflict(str(err) + ".", {"status": [TransferStatus(current).value]})


def _check(t: Transfer, action: str, today: date | None = None) -> TransferStatus:
    current = t.effective_status(today or today_local())
    try:
        rules.check(current, action)
    except rules.IllegalTransition:
        raise _illegal(current, action) from None
    return current


def _require_role(actor, roles=WORKFLOW_ROLES) -> None:
    if not actor.is_system and actor.role not in roles:
        raise PermissionDenied("Your role may not do this.")


def _issuing_side(actor, t: Transfer) -> bool:
    return t.from_org_id is not None and in_scope(actor, t.from_org_id)


def _receiving_side(actor, t: Transfer) -> bool:
    return t.to_org_id is not None and in_scope(actor, t.to_org_id)


def committee_of(org: Org) -> Org:
    """The nearest committee-level org at or above ``org`` (the tree's root otherwise)."""
    ids = [int(p) for p in org.path.strip("/").split("/") if p]
    rows = db.session.scalars(select(Org).where(Org.id.in_(ids)).order_by(Org.depth.desc())).all()
    for candidate in rows:
        if candidate.kind in COMMITTEE_LEVEL:
            return candidate
    return rows[-1] if rows else org


def get_transfer(actor, transfer_id: int, *, for_update: bool = False) -> Transfer:
    return get_scoped(Transfer, transfer_id, actor, what="Transfer", for_update=for_update)


def printable(actor, transfer_id: int) -> Transfer:
    """A letter this system issued, in a state that has a letter (else 409)."""
    t = get_transfer(actor, transfer_id)
    if t.direction != Direction.out:
        raise Conflict("This transfer came in on a paper letter; there is no letter to print.")
    _check(t, "letter")
    return t


def _audit(actor, action: str, t: Transfer, before: dict | None = None, reason=None) -> None:
    after = audit.snapshot(t, AUDIT_FIELDS)
    if before is not None:
        before, after = audit.changes(before, after)
    audit.record(actor, action, t, org_id=t.org_id, before=before, after=after, reason=reason)


def _destination(to_org_id, to_org_name, reason_kind, from_org: Org) -> tuple[Org | None, str]:
    if (to_org_id is None) == (not (to_org_name or "").strip()):
        raise ValidationError(
            {"to_org_id": ["Give exactly one of to_org_id and to_org_name."]}
            | {"to_org_name": ["Give exactly one of to_org_id and to_org_name."]}
        )
    if to_org_id is None:
        return None, to_org_name.strip()
    to_org = db.session.get(Org, to_org_id)
    if to_org is None:
        raise ValidationError({"to_org_id": ["No such organisation."]})
    if to_org.id == from_org.id:
        raise ValidationError({"to_org_id": ["The member's relation is already held there."]})
    if ReasonKind(reason_kind) in rules.CENTRE_KINDS and to_org.kind.value != "centre":
        raise ValidationError({"to_org_id": ["A graduate's transfer to a centre needs a centre."]})
    return to_org, to_org.name


# --- request and approval ---------------------------------------------------------------------


def request_transfer(
    actor,
    *,
    member_id: int,
    reason: str,
    to_org_id: int | None = None,
    to_org_name: str | None = None,
    reason_kind: ReasonKind | str = ReasonKind.other,
    validity_days: int | None = None,
) -> Transfer:
    """Open a transfer (status requested) for a member the actor may see. A member asks for
    their own transfer with ``actor`` = their login."""
    if getattr(actor, "role", None) == "member":
        if actor.member_id != member_id:
            raise NotFound("Member not found.")
        member = db.session.get(Member, member_id)
    else:
        _require_role(actor, ("admin", "secretary", "clerk"))
        member = get_scoped(Member, member_id, actor, what="Member")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Required."]})
    days = rules.DEFAULT_VALIDITY_DAYS if validity_days is None else validity_days
    if msg := rules.validity_error(days):
        raise ValidationError({"validity_days": [msg]})
    if member.status != MemberStatus.active:
        raise Conflict(f"Member is {member.status.value}; cannot transfer.")
    from_org = db.session.get(Org, member.org_id)
    to_org, _name = _destination(to_org_id, to_org_name, reason_kind, from_org)
    committee = committee_of(from_org)
    t = Transfer(
        member_id=member.id,
        direction=Direction.out,
        status=S.requested,
        from_org_id=from_org.id,
        issuing_committee_id=committee.id,
        to_org_id=to_org.id if to_org else None,
        to_org_name=None if to_org else to_org_name.strip(),
        reason_kind=ReasonKind(reason_kind),
        reason=reason.strip(),
        validity_days=days,
        needs_committee_approval=rules.needs_committee_approval(
            committee.path, to_org.path if to_org else None
        ),
        requested_by_id=getattr(actor, "id", None),
    )
    db.session.add(t)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "The member already has an open transfer.", {"member_id": ["Open transfer exists."]}
        ) from None
    _audit(actor, "transfer.request", t, reason=t.reason)
    return t


def _may_approve_as_committee(actor, t: Transfer) -> bool:
    if actor.is_system:
        return True
    org = db.session.get(Org, actor.org_id)
    return (
        actor.role == "admin"
        and org is not None
        and org.kind in COMMITTEE_LEVEL
        and in_scope(actor, t.issuing_committee_id)
    )


def approve(actor, transfer_id: int) -> Transfer:
    """One approval: the branch's first, then (destination outside the issuing committee's
    tree) a committee-level admin's. The last approval issues the letter."""
    t = get_transfer(actor, transfer_id, for_update=True)
    current = _check(t, "approve")
    _require_role(actor)
    step = rules.approval_step(current)
    before = audit.snapshot(t, AUDIT_FIELDS)
    if step == "branch":
        if not (actor.is_system or _issuing_side(actor, t)):
            raise PermissionDenied("Only the issuing org approves the transfer.")
        t.branch_approved_by_id = getattr(actor, "id", None)
        t.branch_approved_at = now_utc()
        if t.needs_committee_approval:
            # A committee-level admin approving at the branch step approves both at once.
            if actor.is_system or not _may_approve_as_committee(actor, t):
                t.status = rules.approval_target(current, True)
            else:
                _approve_committee(actor, t)
        else:
            _issue(actor, t)
    else:
        if not _may_approve_as_committee(actor, t):
            raise PermissionDenied("A committee-level admin must approve this transfer.")
        _approve_committee(actor, t)
    db.session.flush()
    _audit(actor, "transfer.approve", t, before)
    return t


def _approve_committee(actor, t: Transfer) -> None:
    t.committee_approved_by_id = getattr(actor, "id", None)
    t.committee_approved_at = now_utc()
    _issue(actor, t)


def _issue(actor, t: Transfer, on: date | None = None) -> None:
    """Freeze the letter's contents and give it the committee's next number."""
    from flowmember.transfers.letters import allocate_letter_no

    member = db.session.get(Member, t.member_id)
    issued_on = on or today_local()
    t.letter_year, t.letter_seq, t.letter_no = allocate_letter_no(t.issuing_committee_id, issued_on)
    t.issued_on = issued_on
    t.expires_on = rules.expires_on(issued_on, t.validity_days)
    t.dues_paid_through = member.paid_through_month
    t.stage = member.stage
    t.id_number = member.id_number
    t.member_name = member.name
    t.status = S.issued


# --- receipt, return, cancel, re-issue ---------------------------------------------------------


def _receipt_kind(actor, t: Transfer) -> ReceiptKind:
    """In-system destination: only its staff confirm; outside: the issuing org records paper."""
    if t.to_org_id is not None:
        if actor.is_system or _receiving_side(actor, t):
            return ReceiptKind.system
        raise PermissionDenied("Only the receiving org records the receipt.")
    if actor.is_system or _issuing_side(actor, t):
        return ReceiptKind.paper
    raise PermissionDenied("Only the issuing org records a paper receipt.")


def _conditional(t: Transfer, action: str, from_statuses, values: dict) -> None:
    """Move ``t`` with one UPDATE guarded by its status: of two concurrent moves one wins and
    the other sees 0 rows and answers 409 naming the status the winner left."""
    stmt = (
        update(Transfer)
        .where(Transfer.id == t.id, Transfer.status.in_([s.value for s in from_statuses]))
        .values(**values, updated_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(stmt).rowcount != 1:
        db.session.expire(t)
        raise _illegal(t.effective_status(today_local()), action)
    db.session.expire(t)


def receive(actor, transfer_id: int, *, received_on: date | None = None, note=None) -> Transfer:
    """Record the receipt: the member's managing org changes now (to an outside org: the member
    becomes transferred_out)."""
    _require_role(actor)
    t = get_transfer(actor, transfer_id)
    today = today_local()
    received_on = received_on or today
    kind = _receipt_kind(actor, t)
    if t.status not in (S.issued, S.expired):
        raise _illegal(t.effective_status(today), "receive")
    if msg := rules.receipt_date_error(received_on, t.issued_on, today):
        raise ValidationError({"received_on": [msg]})
    # A receipt dated inside the validity counts, even if recorded later (paper receipts) and
    # even if the expiry job has already stored "expired".
    if rules.is_expired(t.expires_on, received_on):
        raise _illegal(S.expired, "receive")
    before = audit.snapshot(t, AUDIT_FIELDS)
    _conditional(
        t,
        "receive",
        (S.issued, S.expired),
        {
            "status": S.received.value,
            "received_on": received_on,
            "receipt_kind": kind.value,
            "received_by_id": getattr(actor, "id", None),
            "receipt_note": note,
            "follow_up": rules.follow_up(t.reason_kind),
        },
    )
    _move_member(actor, t, received_on)
    _audit(actor, "transfer.receive", t, before, reason=note)
    return t


def _move_member(actor, t: Transfer, on: date) -> None:
    """The member comes under the receiving org on the day of the receipt: lapse counting there
    starts with that month (DOMAIN §8), never with months of the issuing org."""
    member = db.session.get(Member, t.member_id)
    fields = ["org_id", "org_since_month", "status"]
    before = audit.snapshot(member, fields)
    reason = f"Transfer {t.letter_no} received"
    if t.to_org_id is not None:
        member.org_id = t.to_org_id
        member.org_since_month = months.of(on)
        db.session.flush()
        after = audit.snapshot(member, fields)
        audit.record(actor, "member.transfer", member, before=before, after=after, reason=reason)
        return
    try:
        from flowmember.members.services import change_status
    except ImportError:  # pragma: no cover - the members package always provides it
        change_status = None
    if change_status is not None:
        change_status(actor, member, MemberStatus.transferred_out, on=on, reason=reason)
    else:  # pragma: no cover
        member.status = MemberStatus.transferred_out
        member.status_since = on
        audit.record(actor, "member.status", member, before=before, reason=reason)
    db.session.flush()


def return_letter(actor, transfer_id: int, *, reason: str, returned_on=None) -> Transfer:
    """The receiving org cannot accept the member: the letter goes back with a written reason."""
    _require_role(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["A written reason is required."]})
    t = get_transfer(actor, transfer_id)
    _receipt_kind(actor, t)  # same parties as the receipt
    _check(t, "return")
    before = audit.snapshot(t, AUDIT_FIELDS)
    _conditional(
        t,
        "return",
        (S.issued,),
        {
            "status": S.returned.value,
            "returned_on": returned_on or today_local(),
            "return_reason": reason.strip(),
        },
    )
    _audit(actor, "transfer.return", t, before, reason=reason.strip())
    return t


def cancel(actor, transfer_id: int, *, reason: str | None = None) -> Transfer:
    """The issuing org withdraws the transfer (before any receipt)."""
    _require_role(actor)
    t = get_transfer(actor, transfer_id)
    if not (actor.is_system or _issuing_side(actor, t)):
        raise PermissionDenied("Only the issuing org cancels a transfer.")
    _check(t, "cancel")
    before = audit.snapshot(t, AUDIT_FIELDS)
    _conditional(
        t,
        "cancel",
        rules.TRANSITIONS["cancel"],
        {"status": S.cancelled.value, "cancelled_at": now_utc(), "cancel_reason": reason},
    )
    _audit(actor, "transfer.cancel", t, before, reason=reason)
    return t


def reissue(
    actor,
    transfer_id: int,
    *,
    to_org_id: int | None = None,
    to_org_name: str | None = None,
    validity_days: int | None = None,
    reason: str | None = None,
) -> Transfer:
    """A new transfer for a returned or expired letter (``reissued_from_id`` links them).

    Same destination: the approvals carry over and the new letter is issued at once with a new
    number. A new destination starts again at requested."""
    _require_role(actor)
    old = get_transfer(actor, transfer_id, for_update=True)
    if not (actor.is_system or _issuing_side(actor, old)):
        raise PermissionDenied("Only the issuing org re-issues a letter.")
    current = _check(old, "reissue")
    if current == S.expired and old.status == S.issued:
        before = audit.snapshot(old, AUDIT_FIELDS)
        old.status = S.expired
        db.session.flush()
        _audit(actor, "transfer.expire", old, before)
    same = to_org_id is None and not (to_org_name or "").strip()
    new = request_transfer(
        actor,
        member_id=old.member_id,
        reason=reason or old.reason,
        to_org_id=old.to_org_id if same else to_org_id,
        to_org_name=old.to_org_name if same else to_org_name,
        reason_kind=old.reason_kind,
        validity_days=validity_days or old.validity_days,
    )
    new.reissued_from_id = old.id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("This letter was already re-issued.") from None
    if same:
        new.branch_approved_by_id = old.branch_approved_by_id
        new.branch_approved_at = old.branch_approved_at
        new.committee_approved_by_id = old.committee_approved_by_id
        new.committee_approved_at = old.committee_approved_at
        _issue(actor, new)
        db.session.flush()
        _audit(actor, "transfer.reissue", new, reason=f"Re-issue of {old.letter_no}")
    return new
