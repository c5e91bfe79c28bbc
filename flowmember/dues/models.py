"""Dues: tables. Money is integer fen everywhere; months are indexes (year * 12 + month - 1).

The books: ``dues_assessments`` are the charges (one per member per month), ``dues_ledger`` the
append-only movements against them (payments, reversals, waivers, large dues). ``payments`` are
receipted documents and never change: a mistake is reversed by a new payment row."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flowmember.core.db import JSONType, UTCDateTime, str_enum
from flowmember.core.time import now_utc
from flowmember.dues.rules import DuesKind
from flowmember.extensions import db
from flowmember.members.models import MemberScoped


class AssessmentStatus(enum.StrEnum):
    unpaid = "unpaid"
    paid = "paid"
    exempt = "exempt"  #: 免交
    reduced = "reduced"  #: 少交: the reduced amount is owed and not yet paid


class PaymentMethod(enum.StrEnum):
    cash = "cash"
    bank = "bank"
    proxy = "proxy"  #: 代交: paid by a relative or another member
    online = "online"


class PaymentKind(enum.StrEnum):
    dues = "dues"
    large = "large"  #: 大额党费, never counted as ordinary months
    reversal = "reversal"


class ApprovalStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class ExemptionKind(enum.StrEnum):
    exempt = "exempt"
    reduced = "reduced"


class OrderStatus(enum.StrEnum):
    pending = "pending"
    paid = "paid"
    failed = "failed"
    expired = "expired"


class LedgerKind(enum.StrEnum):
    payment = "payment"  #: minus: a month paid
    reversal = "reversal"  #: plus: a payment undone
    waiver = "waiver"  #: minus: an exemption or reduction approved after the month was charged
    large = "large"  #: large dues, kept apart from the monthly balance


class DuesBase(MemberScoped, db.Model):
    """The declared base and the monthly amount fixed for a member for a year. A mid-year change
    does not rewrite this row: it is a ``DuesBaseChange`` in force from its effective month."""

    __tablename__ = "dues_bases"
    __table_args__ = (UniqueConstraint("member_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    year: Mapped[int] = mapped_column()
    kind: Mapped[DuesKind] = mapped_column(str_enum(DuesKind, "dues_kind"))
    base_fen: Mapped[int] = mapped_column()
    farmer_amount_fen: Mapped[int | None] = mapped_column()
    voluntary_fen: Mapped[int | None] = mapped_column()
    #: The monthly amount the rule gives (after cap / voluntary).
    monthly_fen: Mapped[int] = mapped_column()
    #: Rule code from rules.monthly_dues (explains the amount).
    rule: Mapped[str] = mapped_column(String(40))
    rate: Mapped[str | None] = mapped_column(String(10))
    capped: Mapped[bool] = mapped_column(Boolean, default=False)
    #: First month these values apply to (January, or the joining month). Approved mid-year
    #: changes apply from their own ``effective_month`` (see services.base_in_force).
    from_month: Mapped[int] = mapped_column()
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class DuesBaseChange(MemberScoped, db.Model):
    """A mid-year change of the base: needs branch approval, applies from the next month. Once
    approved, its values are the base in force from ``effective_month`` (until a later approved
    change of the same year)."""

    __tablename__ = "dues_base_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    year: Mapped[int] = mapped_column()
    kind: Mapped[DuesKind] = mapped_column(str_enum(DuesKind, "dues_kind"))
    base_fen: Mapped[int] = mapped_column()
    farmer_amount_fen: Mapped[int | None] = mapped_column()
    voluntary_fen: Mapped[int | None] = mapped_column()
    monthly_fen: Mapped[int] = mapped_column()
    rule: Mapped[str] = mapped_column(String(40))
    status: Mapped[ApprovalStatus] = mapped_column(
        str_enum(ApprovalStatus, "approval_status"), default=ApprovalStatus.pending
    )
    #: Set at approval: the month after the later of approval and the last assessed month.
    effective_month: Mapped[int | None] = mapped_column()
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DuesAssessment(MemberScoped, db.Model):
    """What a member owes for one month (the charge). One per member per month."""

    __tablename__ = "dues_assessments"
    __table_args__ = (
        UniqueConstraint("member_id", "month"),
        Index("ix_dues_assessments_month_org", "month", "org_id"),
        Index("ix_dues_assessments_payment_id", "payment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    month: Mapped[int] = mapped_column()
    #: The member's org when the month was assessed (for collection sheets).
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    #: Charged when assessed (immutable; the ledger's debit).
    charged_fen: Mapped[int] = mapped_column()
    #: Owed now: the charge less any waiver (exemption 0, reduction the reduced amount).
    amount_fen: Mapped[int] = mapped_column()
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.unpaid
    )
    #: A reduction applies (stays true once the reduced amount is paid).
    reduced: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[str] = mapped_column(String(40))
    #: The payment that settled the month (cleared again by a reversal).
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class Payment(MemberScoped, db.Model):
    """A receipted payment, a large-dues payment or a reversal. Never updated or deleted."""

    __tablename__ = "payments"
    __append_only__ = True
    __table_args__ = (
        CheckConstraint("kind <> 'reversal' OR reverses_id IS NOT NULL", name="reversal_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: The org the money was paid to (payee rule) and whose receipt series numbers it.
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind, "payment_kind"))
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    #: Negative for a reversal.
    amount_fen: Mapped[int] = mapped_column()
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    #: Month indexes covered (empty for large dues).
    months: Mapped[list] = mapped_column(JSONType, default=list)
    reference: Mapped[str | None] = mapped_column(String(120))
    paid_on: Mapped[date] = mapped_column(Date)
    backpay_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A reversal names the payment it undoes; a payment is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("payment_orders.id"), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)


class LedgerEntry(MemberScoped, db.Model):
    """Append-only movement against a member's dues account (signed fen; plus = owed)."""

    __tablename__ = "dues_ledger"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind, "ledger_kind"))
    month: Mapped[int | None] = mapped_column()
    amount_fen: Mapped[int] = mapped_column()
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    exemption_id: Mapped[int | None] = mapped_column(ForeignKey("dues_exemptions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class DuesExemption(MemberScoped, db.Model):
    """Reduced (少交) or exempt (免交) for a range of months, by branch decision and approval."""

    __tablename__ = "dues_exemptions"
    __table_args__ = (Index("ix_dues_exemptions_member_status", "member_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    from_month: Mapped[int] = mapped_column()
    to_month: Mapped[int] = mapped_column()
    kind: Mapped[ExemptionKind] = mapped_column(str_enum(ExemptionKind, "exemption_kind"))
    #: The reduced monthly amount (kind reduced).
    monthly_fen: Mapped[int | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ApprovalStatus] = mapped_column(
        str_enum(ApprovalStatus, "approval_status"), default=ApprovalStatus.pending
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PaymentOrder(MemberScoped, db.Model):
    """A member's online order at the payment provider. State moves by conditional UPDATE only:
    pending -> paid | failed | expired (an expired order may still be paid by a late callback)."""

    __tablename__ = "payment_orders"
    __table_args__ = (Index("ix_payment_orders_status_expires", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    provider: Mapped[str] = mapped_column(String(20), default="sandbox")
    months: Mapped[list] = mapped_column(JSONType)
    amount_fen: Mapped[int] = mapped_column()
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "order_status"), default=OrderStatus.pending
    )
    #: One payment per provider transaction.
    provider_txn_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Amount the provider reported in its SUCCESS callback.
    paid_amount_fen: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why a paid order has no payment (e.g. the months were paid meanwhile at the branch).
    note: Mapped[str | None] = mapped_column(Text)


class ReceiptCounter(db.Model):
    """Receipt series: one counter per org per year."""

    __tablename__ = "dues_receipt_counters"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class ReconciliationIssue(db.Model):
    """A mismatch found by the daily reconciliation; listed for staff, never fixed by itself."""

    __tablename__ = "dues_reconciliation_issues"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    #: paid_order_without_payment | payment_without_order | amount_mismatch
    kind: Mapped[str] = mapped_column(String(40))
    #: What the issue is about, e.g. "order:ab12" or "payment:17" (one issue per thing).
    ref: Mapped[str] = mapped_column(String(80))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(String(32))
    payment_id: Mapped[int | None] = mapped_column()
    order_amount_fen: Mapped[int | None] = mapped_column()
    payment_amount_fen: Mapped[int | None] = mapped_column()
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    @classmethod
    def scope(cls, org_ids):
        return cls.org_id.in_(org_ids)
