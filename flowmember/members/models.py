from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, or_, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flowmember.core import months
from flowmember.core.db import UTCDateTime, str_enum
from flowmember.core.time import now_utc, today_local
from flowmember.extensions import db
from flowmember.orgs.models import Org


class Gender(enum.StrEnum):
    male = "male"
    female = "female"


class Category(enum.StrEnum):
    graduate = "graduate"  #: 高校毕业生流动党员
    migrant = "migrant"  #: 外出务工 / 外出流动党员
    inflow = "inflow"  #: 流入党员
    other = "other"


class Stage(enum.StrEnum):
    probationary = "probationary"  #: 预备党员
    full = "full"  #: 正式党员


class MemberStatus(enum.StrEnum):
    active = "active"
    transferred_out = "transferred_out"  #: 已转出
    suspended = "suspended"  #: 停止党籍
    removed = "removed"  #: 除名 / 自行脱党
    deceased = "deceased"


#: Statuses in which a member is on the books: one such record per ID number.
CURRENT_STATUSES = (MemberStatus.active.value, MemberStatus.suspended.value)

#: Categories of members away from their org: they owe a monthly report (check-in).
AWAY_CATEGORIES = frozenset({Category.graduate, Category.migrant})


def _current_month() -> int:
    return months.of(today_local())


class Member(db.Model):
    """One ledger record (台账) per member."""

    __tablename__ = "members"
    __table_args__ = (
        # One current record per ID number; former records (removed, transferred out) may repeat it.
        Index(
            "uq_members_current_id_number",
            "id_number",
            unique=True,
            sqlite_where=text("status IN ('active', 'suspended')"),
            postgresql_where=text("status IN ('active', 'suspended')"),
        ),
        Index("ix_members_org_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "member_gender"))
    #: Resident ID number (18 chars, checksum valid). Masked in every output but /me and the
    #: audited full-read endpoint.
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    birth_date: Mapped[date] = mapped_column()
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    #: E.164, e.g. +8613800138000.
    phone: Mapped[str] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    category: Mapped[Category] = mapped_column(str_enum(Category, "member_category"))
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "member_stage"))
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "member_status"), default=MemberStatus.active
    )
    status_since: Mapped[date | None] = mapped_column()
    #: Accepted as probationary member (dues start this month).
    joined_on: Mapped[date] = mapped_column()
    full_on: Mapped[date | None] = mapped_column()
    #: The org in this system that holds the member's relation and is responsible for them.
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    #: The home (outflow) org, when it is in the system ...
    home_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    #: ... or its name when it is not.
    home_org_name: Mapped[str | None] = mapped_column(String(200))
    employer: Mapped[str | None] = mapped_column(String(200))
    university: Mapped[str | None] = mapped_column(String(200))
    graduation_year: Mapped[int | None] = mapped_column()
    #: Since when the member has been away from the org's locality (drives DOMAIN §4).
    away_since: Mapped[date | None] = mapped_column()
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Paper the branch issued for the time away (DOMAIN §4): "certificate_letter" or
    #: "activity_certificate" (流动党员活动证, with the outgoing register entry); None = none.
    away_paper: Mapped[str | None] = mapped_column(String(30))
    away_paper_on: Mapped[date | None] = mapped_column()

    # Self-reported location, city granularity (GB/T 2260 codes), only with consent.
    province_code: Mapped[str | None] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    district_code: Mapped[str | None] = mapped_column(String(6))
    location_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # When counting starts (DOMAIN §8): months before the member came under the org never count.
    #: The month the record entered FlowMember (never changes): monthly reports can only be
    #: filed here, so no earlier month counts against reports.
    entered_month: Mapped[int] = mapped_column(default=_current_month)
    #: Tracking start: the month the record entered FlowMember, or an earlier month an import
    #: vouched for together with the history below.
    tracked_since_month: Mapped[int] = mapped_column(default=_current_month)
    #: The month the member came under the current org: receipt of a transfer into it, or
    #: registration from a paper letter; None while the member has been here since joining.
    org_since_month: Mapped[int | None] = mapped_column()
    #: Dues paid through (党费交至) as vouched by an old ledger or a paper letter: a settled month
    #: FlowMember holds no assessment for.
    carried_paid_through_month: Mapped[int | None] = mapped_column()
    #: Last org-life month as vouched by an old ledger.
    carried_org_life_month: Mapped[int | None] = mapped_column()

    # Per-member summary, kept current on every write so lists and sweeps never scan history.
    # Months are indexes (year * 12 + month - 1), see flowmember.core.months.
    #: Last month with a check-in (monthly report).
    last_checkin_month: Mapped[int | None] = mapped_column()
    #: Last month the member attended (present or online) an org-life activity, or the carried
    #: last org-life month when that is later.
    last_attended_month: Mapped[int | None] = mapped_column()
    #: Dues are paid (or exempt) for every month up to and including this one (the carried
    #: paid-through month counts as a settled month).
    paid_through_month: Mapped[int | None] = mapped_column()
    #: Last successful contact of any kind (check-in, reached attempt, reply).
    last_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set by the lapse sweep: 3+ consecutive months missing on some criterion.
    flag_lapse_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Set by the contact sweep (DOMAIN §8 lost contact).
    flag_unreachable: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)

    org: Mapped[Org] = relationship(foreign_keys=[org_id])
    home_org: Mapped[Org | None] = relationship(foreign_keys=[home_org_id])

    @classmethod
    def scope(cls, org_ids):
        """A member is seen by the subtree holding the relation and by the home branch's."""
        return or_(cls.org_id.in_(org_ids), cls.home_org_id.in_(org_ids))

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.status}>"


def mask_id_number(value: str | None) -> str | None:
    """``110101199003071234`` -> ``110101********1234``."""
    if not value:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


class MemberScoped:
    """Mixin for rows that belong to a member: scoped through the member's orgs."""

    @classmethod
    def scope(cls, org_ids):
        return cls.member_id.in_(select(Member.id).where(Member.scope(org_ids)))


# --- history and side tables of the ledger -----------------------------------------------------


class MemberStatusEvent(MemberScoped, db.Model):
    """A status change (DOMAIN §3): the date it takes effect, the reason and who approved it."""

    __tablename__ = "member_status_events"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[MemberStatus] = mapped_column(str_enum(MemberStatus, "member_status_event"))
    #: The date the status takes effect.
    effective_on: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(String(500))
    #: The staff user who approved (None for the system).
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approver_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class MemberExemption(MemberScoped, db.Model):
    """Exemption from the points and lapse rules (特殊党员: elderly, long-term ill, disabled)."""

    __tablename__ = "member_exemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    starts_on: Mapped[date] = mapped_column()
    #: Inclusive; None = open-ended.
    ends_on: Mapped[date | None] = mapped_column()
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ConsentPurpose(enum.StrEnum):
    location = "location"


class MemberConsent(MemberScoped, db.Model):
    """A member's grant or withdrawal of a separate consent (PIPL art. 29). Append-only: the
    latest row per (member, purpose) is the current state."""

    __tablename__ = "member_consents"
    __append_only__ = True
    __table_args__ = (Index("ix_member_consents_member_purpose", "member_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, "consent_purpose"))
    granted: Mapped[bool] = mapped_column(Boolean)
    #: Version of the consent text the member saw (see members.consent.TEXT_VERSIONS).
    text_version: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    ip: Mapped[str | None] = mapped_column(String(45))


class MemberLocation(MemberScoped, db.Model):
    """Location history (city granularity); rows older than 24 months are purged."""

    __tablename__ = "member_locations"
    __table_args__ = (Index("ix_member_locations_reported_at", "reported_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str | None] = mapped_column(String(6))
    #: Where it came from: "checkin", "profile", "staff", "import".
    source: Mapped[str] = mapped_column(String(20))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class MemberInvitation(MemberScoped, db.Model):
    """A single-use activation code for a member's login; only its SHA-256 is stored."""

    __tablename__ = "member_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
