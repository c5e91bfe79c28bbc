"""Figures for an org subtree: the staff dashboard and GET /stats/overview.

Every figure is one aggregate query over the subtree (no per-member loops)."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from sqlalchemy import case, func, select

from flowmember.core import months
from flowmember.core.auth import Actor, require_org_in_scope
from flowmember.core.time import today_local
from flowmember.dues.models import AssessmentStatus, DuesAssessment
from flowmember.extensions import db
from flowmember.lapse.models import CaseStatus, LapseCase
from flowmember.members.divisions import get as division
from flowmember.members.models import AWAY_CATEGORIES, Member, MemberStatus
from flowmember.orgs.models import Org
from flowmember.transfers.models import Transfer, overdue_clause

ACTIVE = MemberStatus.active.value


def _subtree_ids(org: Org):
    return select(Org.id).where(Org.path.startswith(org.path))


def _counts(column, where) -> dict[str, int]:
    rows = db.session.execute(select(column, func.count()).where(where).group_by(column))
    return {getattr(k, "value", k): n for k, n in rows}


class ProvinceCount(TypedDict):
    code: str
    name: str
    count: int


class MemberCounts(TypedDict):
    total: int
    active: int
    by_category: dict[str, int]
    by_status: dict[str, int]
    by_province: list[ProvinceCount]


class DuesCollection(TypedDict):
    month: str
    assessed_members: int
    paid_members: int
    assessed_fen: int
    paid_fen: int
    collection_rate: float | None  #: paid / assessed, 4 decimals; None when nothing assessed


class CheckinCounts(TypedDict):
    expected: int  #: active members who owe a monthly report (away categories)
    done: int  #: of them, those who reported this month


class Overview(TypedDict):
    org_id: int
    as_of: date
    month: str
    members: MemberCounts
    dues: DuesCollection
    checkins: CheckinCounts
    open_lapse_cases: int
    lapse_risk: int
    unreachable: int
    overdue_transfers: int


def overview(actor: Actor, org_id: int | None = None, as_of: date | None = None) -> Overview:
    """Members by category, status and province; dues collection for the month; open lapse
    cases; unreachable members; overdue transfers; check-ins this month. The staff dashboard
    and GET /stats/overview read it alike."""
    org = require_org_in_scope(actor, org_id if org_id is not None else actor.org_id)
    as_of = as_of or today_local()
    month = months.of(as_of)
    org_ids = _subtree_ids(org)
    in_tree = Member.scope(org_ids)
    active = in_tree & (Member.status == ACTIVE)

    by_province = db.session.execute(
        select(Member.province_code, func.count())
        .where(active, Member.province_code.is_not(None))
        .group_by(Member.province_code)
        .order_by(func.count().desc(), Member.province_code)
    ).all()

    dues = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(DuesAssessment.amount_fen), 0),
            func.coalesce(
                func.sum(case((DuesAssessment.status == AssessmentStatus.paid, 1), else_=0)),
                0,
            ),
            func.coalesce(
                func.sum(
                    case(
                        (DuesAssessment.status == AssessmentStatus.paid, DuesAssessment.amount_fen),
                        else_=0,
                    )
                ),
                0,
            ),
        ).where(DuesAssessment.month == month, DuesAssessment.scope(org_ids))
    ).one()
    assessed_count, assessed_fen, paid_count, paid_fen = (int(v) for v in dues)

    away = active & Member.category.in_([c.value for c in AWAY_CATEGORIES])
    checkins = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Member.last_checkin_month >= month, 1), else_=0)), 0),
        ).where(away)
    ).one()

    def count(model, where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(where))

    return {
        "org_id": org.id,
        "as_of": as_of,
        "month": months.to_str(month),
        "members": {
            "total": count(Member, in_tree),
            "active": count(Member, active),
            "by_category": _counts(Member.category, active),
            "by_status": _counts(Member.status, in_tree),
            "by_province": [
                {
                    "code": code,
                    "name": division(code).name if division(code) else code,
                    "count": n,
                }
                for code, n in by_province
            ],
        },
        "dues": {
            "month": months.to_str(month),
            "assessed_members": assessed_count,
            "paid_members": paid_count,
            "assessed_fen": int(assessed_fen),
            "paid_fen": int(paid_fen),
            "collection_rate": round(paid_fen / assessed_fen, 4) if assessed_fen else None,
        },
        "checkins": {"expected": int(checkins[0]), "done": int(checkins[1])},
        "open_lapse_cases": count(
            LapseCase,
            LapseCase.scope(org_ids)
            & LapseCase.status.in_([CaseStatus.open.value, CaseStatus.decided.value]),
        ),
        "lapse_risk": count(Member, active & Member.flag_lapse_risk.is_(True)),
        "unreachable": count(Member, active & Member.flag_unreachable.is_(True)),
        "overdue_transfers": count(Transfer, Transfer.scope(org_ids) & overdue_clause(as_of)),
    }
