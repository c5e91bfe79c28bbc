"""Inflow from outside the system, and the member archive's handover."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flowmember.core import audit, months
from flowmember.core.auth import STAFF, WRITE_ROLES, Actor, require_role
from flowmember.core.errors import ValidationError
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.members.models import Category
from flowmember.members.services import MemberInput, create_member
from flowmember.transfers import rules
from flowmember.transfers.models import (
    ArchiveHandover,
    Direction,
    ReasonKind,
    ReceiptKind,
    Transfer,
    TransferStatus,
)
from flowmember.transfers.permissions import check_status
from flowmember.transfers.queries import get_transfer

INFLOW_FIELDS = (
    "letter_no",
    "from_org_name",
    "received_on",
    "identity_checked",
    "identity_check_note",
    "issued_on",
    "validity_days",
    "reason_kind",
)


class InflowInput(MemberInput, total=False):
    """What :class:`flowmember.transfers.schemas.InflowArgs` loads: the member's fields (the
    letter's dues paid through, 党费交至, is the member's ``dues_paid_through``) and what the paper
    letter says."""

    letter_no: str
    from_org_name: str
    received_on: date | None
    issued_on: date | None
    validity_days: int | None
    reason_kind: ReasonKind
    identity_checked: bool
    identity_check_note: str | None


def register_inflow(actor: Actor, data: InflowInput) -> Transfer:
    """Register a member arriving with a paper letter from an org outside the system, after the
    talk that checks their identity against the archive (DOMAIN §7). Creates the member
    (category inflow) in ``org_id`` and a received inflow transfer recording the letter.

    The member comes under the org in the month the letter was received, and lapse counting
    starts there (DOMAIN §8); the letter's dues paid through (党费交至, ``dues_paid_through``, a
    month index) is recorded as the member's carried paid-through month (not in the future, not
    before joining: 422 on ``dues_paid_through``)."""
    require_role(actor, WRITE_ROLES)
    member_data: MemberInput = {k: v for k, v in data.items() if k not in INFLOW_FIELDS}
    letter = {k: data[k] for k in INFLOW_FIELDS if k in data}
    errors = {}
    if not (letter.get("letter_no") or "").strip():
        errors["letter_no"] = ["Required."]
    if not (letter.get("from_org_name") or "").strip():
        errors["from_org_name"] = ["Required."]
    if letter.get("identity_checked") is not True:
        errors["identity_checked"] = ["Check the identity against the archive before registering."]
    today = today_local()
    received_on: date = letter.get("received_on") or today
    if received_on > today:
        errors["received_on"] = ["The receipt date is in the future."]
    issued_on = letter.get("issued_on")
    if issued_on is not None and issued_on > received_on:
        errors["issued_on"] = ["The letter was issued after it was received."]
    validity = letter.get("validity_days") or rules.DEFAULT_VALIDITY_DAYS
    if msg := rules.validity_error(validity):
        errors["validity_days"] = [msg]
    if errors:
        raise ValidationError(errors)

    member_data["category"] = Category.inflow
    member_data.setdefault("home_org_name", letter["from_org_name"].strip())
    member = create_member(actor, member_data)
    member.org_since_month = months.of(received_on)
    db.session.flush()
    t = Transfer(
        member_id=member.id,
        direction=Direction.inflow,
        status=TransferStatus.received,
        from_org_name=letter["from_org_name"].strip(),
        to_org_id=member.org_id,
        reason_kind=ReasonKind(letter.get("reason_kind") or ReasonKind.other),
        reason="Inflow from a paper letter",
        validity_days=validity,
        letter_no=letter["letter_no"].strip(),
        issued_on=issued_on,
        expires_on=rules.expires_on(issued_on, validity) if issued_on else None,
        dues_paid_through=member.carried_paid_through_month,
        stage=member.stage,
        id_number=member.id_number,
        member_name=member.name,
        received_on=received_on,
        receipt_kind=ReceiptKind.inflow,
        received_by_id=actor.id,
        identity_checked=True,
        identity_check_note=(letter.get("identity_check_note") or "").strip() or None,
    )
    db.session.add(t)
    db.session.flush()
    audit.record(
        actor,
        "transfer.inflow",
        t,
        org_id=t.to_org_id,
        after={
            "letter_no": t.letter_no,
            "from_org_name": t.from_org_name,
            "received_on": received_on,
            "dues_paid_through": months.to_str(t.dues_paid_through),
            "identity_checked": True,
            "identity_check_note": t.identity_check_note,
        },
    )
    return t


def record_handover(
    actor: Actor,
    transfer_id: int,
    *,
    items: list[str],
    handed_at: datetime,
    place: str,
    handed_over_by: str,
    received_by: str,
) -> ArchiveHandover:
    """The written handover of the member archive: items, time, place, both handlers."""
    require_role(actor, STAFF)
    t = get_transfer(actor, transfer_id)
    items = [i.strip() for i in items or [] if i and i.strip()]
    errors = {}
    if not items:
        errors["items"] = ["List at least one item."]
    for key, value in (("place", place), ("handed_over_by", handed_over_by)):
        if not (value or "").strip():
            errors[key] = ["Required."]
    if not (received_by or "").strip():
        errors["received_by"] = ["Required."]
    if errors:
        raise ValidationError(errors)
    check_status(t, "archive_handover")
    row = ArchiveHandover(
        transfer_id=t.id,
        items=items,
        handed_at=handed_at.astimezone(UTC),
        place=place.strip(),
        handed_over_by=handed_over_by.strip(),
        received_by=received_by.strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "transfer.archive_handover",
        row,
        org_id=t.org_id,
        after=audit.snapshot(
            row, ["transfer_id", "items", "handed_at", "place", "handed_over_by", "received_by"]
        ),
    )
    return row
