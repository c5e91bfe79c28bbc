"""Transfers: tables (their enums live with the state machine in :mod:`.rules`).

A transfer (组织关系转接) moves a member's relation from the org holding it to another org, with a
letter of introduction (介绍信) in three parts. The stored ``status`` is the last workflow step
recorded; ``expired`` is also *derived* on read (issued, past ``expires_on``, no receipt), see
:func:`flowmember.transfers.rules.effective_status` and :func:`status_expr`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    exists,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from flowmember.core.db import JSONType, UTCDateTime, str_enum
from flowmember.core.time import now_utc
from flowmember.extensions import db
from flowmember.members.models import Member, Stage
from flowmember.orgs.models import Org
from flowmember.transfers import rules
from flowmember.transfers.rules import Direction, ReasonKind, ReceiptKind, TransferStatus


class Transfer(db.Model):
    __tablename__ = "transfers"
    __table_args__ = (
        # Letter numbers are unique per issuing committee per year.
        UniqueConstraint("issuing_committee_id", "letter_year", "letter_seq"),
        # One open transfer per member.
        Index(
            "uq_transfers_open_member",
            "member_id",
            unique=True,
            sqlite_where=text("status IN ('requested', 'approved', 'issued')"),
            postgresql_where=text("status IN ('requested', 'approved', 'issued')"),
        ),
        Index("ix_transfers_status_expires", "status", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    direction: Mapped[Direction] = mapped_column(
        str_enum(Direction, "transfer_direction"), default=Direction.out
    )
    status: Mapped[TransferStatus] = mapped_column(
        str_enum(TransferStatus, "transfer_status"), default=TransferStatus.requested
    )
    #: Issuing org in the system (the org holding the relation at request); None for inflow.
    from_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    #: Issuing org's name when outside the system (inflow).
    from_org_name: Mapped[str | None] = mapped_column(String(200))
    #: The committee-level ancestor of the issuing org: numbers the letters, approves when the
    #: destination lies outside its tree.
    issuing_committee_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    #: Receiving org in the system ...
    to_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    #: ... or its name when it is outside the system.
    to_org_name: Mapped[str | None] = mapped_column(String(200))
    reason_kind: Mapped[ReasonKind] = mapped_column(
        str_enum(ReasonKind, "transfer_reason_kind"), default=ReasonKind.other
    )
    reason: Mapped[str] = mapped_column(Text)
    validity_days: Mapped[int] = mapped_column(default=30)
    #: Whether a committee-level approval is needed after the branch's.
    needs_committee_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    branch_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    branch_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    committee_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    committee_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The letter, as issued (values frozen at issue).
    letter_no: Mapped[str | None] = mapped_column(String(64), index=True)
    letter_year: Mapped[int | None] = mapped_column()
    letter_seq: Mapped[int | None] = mapped_column()
    issued_on: Mapped[date | None] = mapped_column()
    #: Last day of validity: ``issued_on + validity_days``; valid through this day inclusive.
    expires_on: Mapped[date | None] = mapped_column()
    #: Dues paid up to this month index (Member.paid_through_month at issue).
    dues_paid_through: Mapped[int | None] = mapped_column()
    stage: Mapped[Stage | None] = mapped_column(str_enum(Stage, "transfer_stage"))
    #: Full ID number as printed on the letter (masked in every API output).
    id_number: Mapped[str | None] = mapped_column(String(18))
    member_name: Mapped[str | None] = mapped_column(String(60))

    # The receipt (回执) or the return.
    received_on: Mapped[date | None] = mapped_column()
    receipt_kind: Mapped[ReceiptKind | None] = mapped_column(
        str_enum(ReceiptKind, "transfer_receipt_kind")
    )
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    receipt_note: Mapped[str | None] = mapped_column(Text)
    returned_on: Mapped[date | None] = mapped_column()
    return_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    #: The returned/expired transfer this one re-issues.
    reissued_from_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"), unique=True)
    #: What the receiving (or issuing) org must do next, by reason kind (graduates, abroad).
    follow_up: Mapped[str | None] = mapped_column(Text)

    # Inflow registration: identity checked against the archive in a talk.
    identity_checked: Mapped[bool | None] = mapped_column(Boolean)
    identity_check_note: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)

    member: Mapped[Member] = relationship()
    from_org: Mapped[Org | None] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Org | None] = relationship(foreign_keys=[to_org_id])
    issuing_committee: Mapped[Org | None] = relationship(foreign_keys=[issuing_committee_id])

    @classmethod
    def scope(cls, org_ids):
        """Seen by the issuing org's subtree and by the receiving org's subtree."""
        return or_(cls.from_org_id.in_(org_ids), cls.to_org_id.in_(org_ids))

    @property
    def org_id(self) -> int | None:
        """The org responsible until the receipt (audit entries are filed under it)."""
        return self.from_org_id or self.to_org_id

    @property
    def to_name(self) -> str | None:
        return self.to_org.name if self.to_org is not None else self.to_org_name

    @property
    def from_name(self) -> str | None:
        return self.from_org.name if self.from_org is not None else self.from_org_name

    def effective_status(self, today: date) -> TransferStatus:
        return rules.effective_status(self.status, self.expires_on, today)

    @property
    def in_transit(self) -> bool:
        """Issued, not yet received: the member is still on the issuing org's lists."""
        return rules.in_transit(self.status)

    def is_overdue(self, as_of: date) -> bool:
        """A letter of this system past validity or the receipt deadline (see
        :func:`overdue_clause`)."""
        return self.direction == Direction.out and rules.is_overdue(
            self.status, self.issued_on, self.expires_on, as_of
        )

    def __repr__(self) -> str:
        return f"<Transfer {self.id} {self.status} {self.letter_no}>"


def status_expr(today: date):
    """SQL for the effective status on ``today`` (``expired`` derived from ``expires_on``)."""
    return case(
        (
            and_(Transfer.status == TransferStatus.issued, Transfer.expires_on < today),
            TransferStatus.expired.value,
        ),
        else_=Transfer.status,
    )


def overdue_clause(as_of: date, receipt_days: int = rules.RECEIPT_OVERDUE_DAYS):
    """Issued letters past validity with no receipt, and receipts not recorded ``receipt_days``
    days after issue; a letter that was re-issued is no longer overdue."""
    newer = aliased(Transfer)
    return and_(
        Transfer.direction == Direction.out,
        Transfer.status.in_(rules.IN_TRANSIT_STATUSES),
        or_(
            Transfer.expires_on < as_of,
            Transfer.issued_on < as_of - timedelta(days=receipt_days),
        ),
        ~exists().where(newer.reissued_from_id == Transfer.id),
    )


class LetterCounter(db.Model):
    """Next letter number per issuing committee per year (one row, updated under its lock)."""

    __tablename__ = "transfer_letter_counters"

    committee_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class ArchiveHandover(db.Model):
    """Written handover of the member archive (党员档案) that moves with the relation."""

    __tablename__ = "transfer_archive_handovers"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    #: List of the archive items handed over.
    items: Mapped[list] = mapped_column(JSONType)
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200))
    handed_over_by: Mapped[str] = mapped_column(String(120))
    received_by: Mapped[str] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    transfer: Mapped[Transfer] = relationship()

    @classmethod
    def scope(cls, org_ids):
        return cls.transfer_id.in_(select(Transfer.id).where(Transfer.scope(org_ids)))
