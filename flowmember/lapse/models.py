"""Lapse and lost contact: tables.

A lapse case stores its evidence as one run of consecutive months per criterion (``*_from`` ..
``*_to``, month indexes): a run is consecutive by definition, so the two ends are the whole
evidence and the sweep can write them in one set-based INSERT ... SELECT."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flowmember.core import months
from flowmember.core.db import JSONType, UTCDateTime, str_enum
from flowmember.core.time import now_utc
from flowmember.extensions import db
from flowmember.members.models import Member, MemberScoped

CRITERIA = ("dues", "org_life", "reports")


class CaseStatus(enum.StrEnum):
    open = "open"  #: evidence recorded, no branch decision yet
    decided = "decided"  #: the branch meeting decided removal; awaiting committee approval
    closed = "closed"


class CaseOutcome(enum.StrEnum):
    resolved = "resolved"  #: the member caught up before a decision
    retained = "retained"  #: the branch meeting kept the member
    removed = "removed"  #: removal approved by the higher committee
    removal_rejected = "removal_rejected"  #: the higher committee refused the removal


#: Outcomes after which the branch has reviewed the member: months up to the closing month no
#: longer count towards a new case.
REVIEWED_OUTCOMES = (CaseOutcome.retained.value, CaseOutcome.removal_rejected.value)


class LapseCase(MemberScoped, db.Model):
    """One lapse case (自行脱党) per member at a time."""

    __tablename__ = "lapse_cases"
    __table_args__ = (
        Index(
            "uq_lapse_cases_one_active",
            "member_id",
            unique=True,
            sqlite_where=text("status IN ('open', 'decided')"),
            postgresql_where=text("status IN ('open', 'decided')"),
        ),
        Index("ix_lapse_cases_status_org", "status", "org_id"),
        Index("ix_lapse_cases_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    #: The member's org when the case was opened.
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    opened_on: Mapped[date] = mapped_column()
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, "lapse_case_status"), default=CaseStatus.open
    )
    outcome: Mapped[CaseOutcome | None] = mapped_column(str_enum(CaseOutcome, "lapse_outcome"))
    #: Evidence: the run of missed months per criterion with a run of 3+ months, month indexes
    #: (None = no such run on that criterion).
    dues_from: Mapped[int | None] = mapped_column()
    dues_to: Mapped[int | None] = mapped_column()
    org_life_from: Mapped[int | None] = mapped_column()
    org_life_to: Mapped[int | None] = mapped_column()
    reports_from: Mapped[int | None] = mapped_column()
    reports_to: Mapped[int | None] = mapped_column()
    decision: Mapped[str | None] = mapped_column(String(10))  #: remove | retain
    meeting_on: Mapped[date | None] = mapped_column()
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved: Mapped[bool | None] = mapped_column()
    approval_note: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_on: Mapped[date | None] = mapped_column()
    #: The sweep run that opened the case.
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("lapse_sweep_log.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    member: Mapped[Member] = relationship()
    steps: Mapped[list[LapseCaseStep]] = relationship(
        order_by="LapseCaseStep.id", back_populates="case"
    )

    def months_of(self, criterion: str) -> list[int]:
        first = getattr(self, f"{criterion}_from")
        last = getattr(self, f"{criterion}_to")
        if first is None or last is None:
            return []
        return list(months.span(first, last))

    @property
    def criteria(self) -> dict[str, list[str]]:
        """``{"dues": ["2026-05", ...], "org_life": [...], "reports": [...]}``."""
        return {c: [months.to_str(m) for m in self.months_of(c)] for c in CRITERIA}


class LapseCaseStep(db.Model):
    """The case's log: education/contact steps, decision, approval, resolution. Append-only."""

    __tablename__ = "lapse_case_steps"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("lapse_cases.id"), index=True)
    #: education | contact | decision | approval | resolved
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    case: Mapped[LapseCase] = relationship(back_populates="steps")


class LapseWarning(MemberScoped, db.Model):
    """A warning at 3 or 5 consecutive missed months (the reminders package sends it)."""

    __tablename__ = "lapse_warnings"
    __table_args__ = (UniqueConstraint("member_id", "threshold", "criterion", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    threshold: Mapped[int] = mapped_column()  #: 3 | 5
    criterion: Mapped[str] = mapped_column(String(10))  #: dues | org_life | reports
    #: "YYYY-MM": the month in which the run reached the threshold (its threshold-th month).
    period: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)


class ValidReasonKind(enum.StrEnum):
    illness = "illness"
    leave = "leave"


class ValidReason(MemberScoped, db.Model):
    """A valid reason (正当理由): months from_month..to_month never count and break a run."""

    __tablename__ = "valid_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[ValidReasonKind] = mapped_column(str_enum(ValidReasonKind, "valid_reason_kind"))
    from_month: Mapped[int] = mapped_column()
    to_month: Mapped[int] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class LapseSweepRun(db.Model):
    """Scratch table of one sweep: members with a run of 3+ months. Filled and emptied inside
    the sweep's transaction (PostgreSQL serialises sweeps with an advisory lock)."""

    __tablename__ = "lapse_sweep_runs"

    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    org_id: Mapped[int] = mapped_column()
    #: Start month of each run; a run is empty when its start is past the last judged month.
    dues_from: Mapped[int] = mapped_column()
    org_life_from: Mapped[int] = mapped_column()
    reports_from: Mapped[int] = mapped_column()
    #: The member already has an open or decided case (marked before new cases are inserted,
    #: so that INSERT never reads the table it is filling).
    has_case: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


class ContactSweepRun(db.Model):
    """Scratch table of one contact sweep: the members found unreachable."""

    __tablename__ = "contact_sweep_ids"

    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class EscalationKind(enum.StrEnum):
    introducer = "introducer"  #: 入党介绍人
    university = "university"  #: former class teacher / university
    family = "family"
    employer = "employer"


class EscalationContact(MemberScoped, db.Model):
    """Whom to ask when a member cannot be reached."""

    __tablename__ = "escalation_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[EscalationKind] = mapped_column(str_enum(EscalationKind, "escalation_kind"))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ProposalKind(enum.StrEnum):
    suspension = "suspension"  #: out of contact 6+ months (停止党籍)
    probation_loss = "probation_loss"  #: a probationary member who cannot be found
    removal = "removal"  #: suspended 2+ years, still out of contact


class StatusProposal(MemberScoped, db.Model):
    """A proposal the contact sweep makes for people to decide; never a status change."""

    __tablename__ = "status_proposals"
    __table_args__ = (
        Index(
            "uq_status_proposals_open",
            "member_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'proposed'"),
            postgresql_where=text("status = 'proposed'"),
        ),
        Index("ix_status_proposals_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[ProposalKind] = mapped_column(str_enum(ProposalKind, "status_proposal_kind"))
    proposed_on: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="proposed")  #: proposed | closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class RequestKind(enum.StrEnum):
    suspension = "suspension"  #: out of contact 6+ months (停止党籍); a full member
    restoration = "restoration"  #: a suspended member back in touch within 2 years (恢复党籍)
    #: A probationary member who cannot be found loses probationary status instead of being
    #: suspended (取消预备党员资格); approved, the member's status becomes removed.
    probation_loss = "probation_loss"
    removal = "removal"  #: suspended 2+ years and still out of contact: removed as self-lapsed


class RequestStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class StatusRequest(MemberScoped, db.Model):
    """A suspension or restoration request: branch decision, committee approval."""

    __tablename__ = "status_requests"
    __table_args__ = (
        Index(
            "uq_status_requests_pending",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_status_requests_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind, "status_request_kind"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "status_request_status"), default=RequestStatus.pending
    )
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_on: Mapped[date] = mapped_column()
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class SweepRun(db.Model):
    """Every sweep run with its counts (the jobs package records its own runs too)."""

    __tablename__ = "lapse_sweep_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))  #: lapse_sweep | contact_sweep
    as_of: Mapped[date] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    counts: Mapped[dict | None] = mapped_column(JSONType)


# Partial indexes on the members table for the sweeps: the few flagged or suspended members are
# found without scanning every member (kept here, beside the sweeps that need them).
_members = Member.__table__
Index(
    "ix_members_flag_unreachable",
    _members.c.id,
    sqlite_where=text("flag_unreachable = 1"),
    postgresql_where=text("flag_unreachable = true"),
)
Index(
    "ix_members_flag_lapse_risk",
    _members.c.id,
    sqlite_where=text("flag_lapse_risk = 1"),
    postgresql_where=text("flag_lapse_risk = true"),
)
Index(
    "ix_members_suspended_since",
    _members.c.status_since,
    sqlite_where=text("status = 'suspended'"),
    postgresql_where=text("status = 'suspended'"),
)
