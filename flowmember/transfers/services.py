"""Transfers: the workflow's writes. Services take the acting user, flush, never commit; the
reads are in :mod:`~flowmember.transfers.queries`, who may take which step in
:mod:`~flowmember.transfers.permissions`.

Until the receipt is recorded the issuing org keeps the member (their ``org_id`` does not
change; the member is "in transit"). The receipt goes only from the final receiving org back to
the issuing org (不层层回执): a receiving org in the system records it itself; for an org outside
the system the issuing org records the paper receipt."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from flowmember.core import audit, months
from flowmember.core.auth import STAFF, SYSTEM, WRITE_ROLES, Actor, get_scoped, require_role
from flowmember.core.errors import Conflict, NotFound, ValidationError
from flowmember.core.time import now_utc, today_local
from flowmember.extensions import db
from flowmember.members.models import Member, MemberStatus
from flowmember.members.services import change_status
from flowmember.orgs.models import Org
from flowmember.orgs.rules import COMMITTEE_LEVEL
from flowmember.transfers import rules
from flowmember.transfers.letters import allocate_letter_no
from flowmember.transfers.models import (
    Direction,
    ReasonKind,
    ReceiptKind,
    Transfer,
    TransferStatus,
)
from flowmember.transfers.permissions import Parties, authorize, check_status, illegal
from flowmember.transfers.queries import get_transfer

S = TransferStatus
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


def committee_of(org: Org) -> Org:
    """The nearest committee-level org at or above ``org`` (the tree's root otherwise)."""
    ids = [int(p) for p in org.path.strip("/").split("/") if p]
    rows = db.session.scalars(select(Org).where(Org.id.in_(ids)).order_by(Org.depth.desc())).all()
    for candidate in rows:
        if candidate.kind in COMMITTEE_LEVEL:
            return candidate
    return rows[-1] if rows else org


def _audit(
    actor: Actor,
    action: str,
    t: Transfer,
    before: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    after = audit.snapshot(t, AUDIT_FIELDS)
    if before is not None:
        before, after = audit.changes(before, after)
    audit.record(actor, action, t, org_id=t.org_id, before=before, after=after, reason=reason)


def _destination(
    to_org_id: int | None, to_org_name: str | None, reason_kind: ReasonKind | str, from_org: Org
) -> tuple[Org | None, str]:
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
    actor: Actor,
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
    if actor.role == "member":
        if actor.member_id != member_id:
            raise NotFound("Member not found.")
        member = db.session.get(Member, member_id)
    else:
        require_role(actor, STAFF)
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
        requested_by_id=actor.id,
    )
    try:
        # Added inside the savepoint: begin_nested() flushes what is pending before it starts.
        with db.session.begin_nested():
            db.session.add(t)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "The member already has an open transfer.", {"member_id": ["Open transfer exists."]}
        ) from None
    _audit(actor, "transfer.request", t, reason=t.reason)
    return t


def approve(actor: Actor, transfer_id: int) -> Transfer:
    """One approval: the branch's first, then (destination outside the issuing committee's
    tree) a committee-level admin's. The last approval issues the letter."""
    t = get_transfer(actor, transfer_id, for_update=True)
    current = check_status(t, "approve")
    side = Parties(actor, t)
    authorize(actor, t, "approve", current, side)
    before = audit.snapshot(t, AUDIT_FIELDS)
    if rules.approval_step(current) == "branch":
        t.branch_approved_by_id = actor.id
        t.branch_approved_at = now_utc()
        if t.needs_committee_approval:
            # A committee-level admin approving at the branch step approves both at once.
            if actor.is_system or not side.committee:
                t.status = rules.approval_target(current, True)
            else:
                _approve_committee(actor, t)
        else:
            _issue(t)
    else:
        _approve_committee(actor, t)
    db.session.flush()
    _audit(actor, "transfer.approve", t, before)
    return t


def _approve_committee(actor: Actor, t: Transfer) -> None:
    t.committee_approved_by_id = actor.id
    t.committee_approved_at = now_utc()
    _issue(t)


def _issue(t: Transfer, on: date | None = None) -> None:
    """Freeze the letter's contents and give it the committee's next number."""
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


def _receipt_kind(t: Transfer) -> ReceiptKind:
    """In-system destination: its staff confirm; outside: the issuing org records paper."""
    return ReceiptKind.system if t.to_org_id is not None else ReceiptKind.paper


def _conditional(
    t: Transfer, action: str, from_statuses: Iterable[TransferStatus], values: dict[str, Any]
) -> None:
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
        raise illegal(t.effective_status(today_local()), action)
    db.session.expire(t)


def receive(
    actor: Actor, transfer_id: int, *, received_on: date | None = None, note: str | None = None
) -> Transfer:
    """Record the receipt: the member's managing org changes now (to an outside org: the member
    becomes transferred_out). All or nothing: a refusal leaves no trace."""
    require_role(actor, WRITE_ROLES)
    t = get_transfer(actor, transfer_id)
    today = today_local()
    received_on = received_on or today
    authorize(actor, t, "receive", t.status)
    if t.status not in (S.issued, S.expired):
        raise illegal(t.effective_status(today), "receive")
    if msg := rules.receipt_date_error(received_on, t.issued_on, today):
        raise ValidationError({"received_on": [msg]})
    # A receipt dated inside the validity counts, even if recorded later (paper receipts) and
    # even if the expiry job has already stored "expired".
    if rules.is_expired(t.expires_on, received_on):
        raise illegal(S.expired, "receive")
    before = audit.snapshot(t, AUDIT_FIELDS)
    with db.session.begin_nested():
        _conditional(
            t,
            "receive",
            (S.issued, S.expired),
            {
                "status": S.received.value,
                "received_on": received_on,
                "receipt_kind": _receipt_kind(t).value,
                "received_by_id": actor.id,
                "receipt_note": note,
                "follow_up": rules.follow_up(t.reason_kind),
            },
        )
        _move_member(actor, t, received_on)
        _audit(actor, "transfer.receive", t, before, reason=note)
    return t


def _move_member(actor: Actor, t: Transfer, on: date) -> None:
    """The member comes under the receiving org on the day of the receipt: lapse counting there
    starts with that month (DOMAIN §8), never with months of the issuing org."""
    member = db.session.get(Member, t.member_id)
    reason = f"Transfer {t.letter_no} received"
    if t.to_org_id is None:
        change_status(actor, member, MemberStatus.transferred_out, on=on, reason=reason)
        db.session.flush()
        return
    fields = ["org_id", "org_since_month", "status"]
    before = audit.snapshot(member, fields)
    member.org_id = t.to_org_id
    member.org_since_month = months.of(on)
    db.session.flush()
    after = audit.snapshot(member, fields)
    audit.record(actor, "member.transfer", member, before=before, after=after, reason=reason)


def return_letter(
    actor: Actor, transfer_id: int, *, reason: str, returned_on: date | None = None
) -> Transfer:
    """The receiving org cannot accept the member: the letter goes back with a written reason."""
    require_role(actor, WRITE_ROLES)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["A written reason is required."]})
    t = get_transfer(actor, transfer_id)
    authorize(actor, t, "return", t.status)  # the same parties as the receipt
    check_status(t, "return")
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


def cancel(actor: Actor, transfer_id: int, *, reason: str | None = None) -> Transfer:
    """The issuing org withdraws the transfer (before any receipt)."""
    require_role(actor, WRITE_ROLES)
    t = get_transfer(actor, transfer_id)
    authorize(actor, t, "cancel", t.status)
    check_status(t, "cancel")
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
    actor: Actor,
    transfer_id: int,
    *,
    to_org_id: int | None = None,
    to_org_name: str | None = None,
    validity_days: int | None = None,
    reason: str | None = None,
) -> Transfer:
    """A new transfer for a returned or expired letter (``reissued_from_id`` links them).

    Same destination: the approvals carry over and the new letter is issued at once with a new
    number. A new destination starts again at requested. All or nothing: a refusal leaves no
    trace (the old letter's stored status included)."""
    require_role(actor, WRITE_ROLES)
    old = get_transfer(actor, transfer_id, for_update=True)
    authorize(actor, old, "reissue", old.status)
    current = check_status(old, "reissue")
    with db.session.begin_nested():
        if current == S.expired and old.status == S.issued:
            _store_expired(actor, old)
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
            _issue(new)
            db.session.flush()
            _audit(actor, "transfer.reissue", new, reason=f"Re-issue of {old.letter_no}")
    return new


# --- expiry ------------------------------------------------------------------------------------


def _store_expired(actor: Actor, t: Transfer) -> None:
    before = audit.snapshot(t, AUDIT_FIELDS)
    t.status = S.expired
    db.session.flush()
    _audit(actor, "transfer.expire", t, before)


def mark_expired(as_of: date, actor: Actor = SYSTEM) -> int:
    """Store ``expired`` on issued letters past validity (reads derive it anyway)."""
    rows = db.session.scalars(
        select(Transfer).where(Transfer.status == S.issued, Transfer.expires_on < as_of)
    ).all()
    for t in rows:
        _store_expired(actor, t)
    return len(rows)
