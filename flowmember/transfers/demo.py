"""Transfers: demo data — letters in every state, one overdue, one in transit."""

from __future__ import annotations

from datetime import timedelta

from flowmember.core.auth import SYSTEM
from flowmember.extensions import db
from flowmember.transfers import rules, services
from flowmember.transfers.models import Direction, ReceiptKind, Transfer, TransferStatus


def _pick(ctx, org_key: str, used: set[int]):
    org_id = ctx.orgs[org_key].id
    for m in ctx.members:
        if m.org_id == org_id and m.id not in used and m.status.value == "active":
            used.add(m.id)
            return m
    return None


def _backdate(t: Transfer, days_ago: int, today) -> None:
    """Demo letters were issued in the past."""
    t.issued_on = today - timedelta(days=days_ago)
    t.expires_on = rules.expires_on(t.issued_on, t.validity_days)
    db.session.flush()


def seed_demo(ctx) -> None:
    """Add this package's demo records (ctx: flowmember.demo.DemoContext)."""
    used: set[int] = set()
    today = ctx.today
    made: list[str] = []

    def request(org_key, **kw):
        member = _pick(ctx, org_key, used)
        if member is None:
            return None
        kw.setdefault("reason", "外出务工半年以上，地点固定")
        return services.request_transfer(SYSTEM, member_id=member.id, **kw)

    def issue(t, days_ago):
        services.approve(SYSTEM, t.id)
        if t.status == TransferStatus.approved:
            services.approve(SYSTEM, t.id)
        _backdate(t, days_ago, today)
        return t

    v2, grad1, grad2, inflow = (ctx.orgs[k] for k in ("v2", "grad1", "grad2", "inflow"))

    if t := request("v1", to_org_id=v2.id, reason_kind="residence_move"):
        made.append(f"requested {t.id}")
    if t := request("v1", to_org_id=grad1.id, reason_kind="work_move"):
        services.approve(SYSTEM, t.id)  # branch approved; the committee's step is pending
        made.append(f"approved {t.id}")
    if t := request("v2", to_org_id=grad2.id, reason_kind="work_move"):
        issue(t, 5)
        made.append(f"in transit {t.letter_no}")
    if t := request("v1", to_org_name="广东省深圳市南山区粤海街道党工委", reason_kind="work_move"):
        issue(t, 40)
        made.append(f"overdue {t.letter_no}")
    if t := request("v2", to_org_name="浙江省杭州市西湖区某社区党委", validity_days=90):
        issue(t, 35)
        made.append(f"receipt overdue {t.letter_no}")
    if t := request("grad2", to_org_id=inflow.id, reason_kind="graduate_to_employer"):
        issue(t, 20)
        services.receive(SYSTEM, t.id, received_on=today - timedelta(days=12))
        made.append(f"received {t.letter_no}")
    if t := request("grad1", to_org_name="某科技有限公司党委", reason_kind="graduate_to_employer"):
        issue(t, 15)
        services.return_letter(SYSTEM, t.id, reason="该同志未在本单位就业，无法接收")
        made.append(f"returned {t.letter_no}")
    if t := request("grad1", to_org_name="某县人才服务中心", reason="本人放弃转接"):
        services.cancel(SYSTEM, t.id, reason="本人申请撤回")
        made.append(f"cancelled {t.id}")
    if t := request(
        "grad2",
        to_org_id=ctx.orgs["centre"].id,
        reason_kind="abroad_retain",
        reason="出国留学，保留党籍",
    ):
        issue(t, 10)
        services.receive(SYSTEM, t.id, received_on=today - timedelta(days=3))
        made.append(f"abroad {t.letter_no}")
    newcomer = _pick(ctx, "inflow", used)
    if newcomer is not None:
        db.session.add(
            Transfer(
                member_id=newcomer.id,
                direction=Direction.inflow,
                status=TransferStatus.received,
                from_org_name=newcomer.home_org_name or "某省某县某村党支部",
                to_org_id=newcomer.org_id,
                reason="凭纸质介绍信转入",
                validity_days=30,
                letter_no="外-2026-0318",
                issued_on=today - timedelta(days=60),
                expires_on=today - timedelta(days=30),
                stage=newcomer.stage,
                id_number=newcomer.id_number,
                member_name=newcomer.name,
                received_on=today - timedelta(days=50),
                receipt_kind=ReceiptKind.inflow,
                identity_checked=True,
                identity_check_note="已谈话，与党员档案比对一致",
            )
        )
        made.append("inflow 1")
    db.session.flush()
    ctx.summary.append(f"Transfers: {len(made)} ({', '.join(made)})")
