"""Dues books for staff: the month's collection, arrears, the annual publication summary (.xlsx)
and the daily reconciliation of provider orders against payments."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from flowmember.core import months, sheets
from flowmember.core.auth import Actor, org_ids_in_scope, require_org_in_scope, scoped
from flowmember.core.money import from_fen
from flowmember.core.time import LOCAL_TZ, now_utc
from flowmember.dues import rules
from flowmember.dues.explain import STATUS_LABELS
from flowmember.dues.models import (
    AssessmentStatus,
    DuesAssessment,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOrder,
    ReconciliationIssue,
)
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.models import Org


def _org_ids(actor: Actor, org_id: int | None):
    """Subquery of org ids: the given org's subtree (checked in scope) or the actor's."""
    if org_id is not None:
        org = require_org_in_scope(actor, org_id)
        return select(Org.id).where(Org.path.startswith(org.path))
    if actor.is_system:
        return select(Org.id)
    return org_ids_in_scope(actor)


def collection(actor: Actor, month: int, org_id: int | None = None) -> dict:
    """The month's collection sheet: one row per assessed member of the subtree with status,
    amount and receipt, plus totals (fen)."""
    stmt = (
        select(DuesAssessment, Member.name, Org.name, Payment.receipt_no, Payment.paid_on)
        .join(Member, Member.id == DuesAssessment.member_id)
        .join(Org, Org.id == DuesAssessment.org_id)
        .outerjoin(Payment, Payment.id == DuesAssessment.payment_id)
        .where(DuesAssessment.month == month, DuesAssessment.org_id.in_(_org_ids(actor, org_id)))
        .order_by(Org.path, Member.name, Member.id)
    )
    rows = []
    totals = {"assessed": 0, "paid": 0, "unpaid": 0, "exempt": 0, "count": 0, "paid_count": 0}
    for a, member_name, org_name, receipt_no, paid_on in db.session.execute(stmt):
        rows.append(
            {
                "member_id": a.member_id,
                "member_name": member_name,
                "org_name": org_name,
                "amount_fen": a.amount_fen,
                "status": a.status.value,
                "reduced": a.reduced,
                "receipt_no": receipt_no,
                "paid_on": paid_on,
            }
        )
        totals["count"] += 1
        totals["assessed"] += a.amount_fen
        if a.status == AssessmentStatus.paid:
            totals["paid"] += a.amount_fen
            totals["paid_count"] += 1
        elif a.status == AssessmentStatus.exempt:
            totals["exempt"] += 1
        else:
            totals["unpaid"] += a.amount_fen
    return {"month": month, "rows": rows, "totals": totals}


def arrears_list(actor: Actor, org_id: int | None = None, min_months: int = 1, limit: int = 500):
    """Members of the subtree with unpaid months: [{member_id, name, org_name, months,
    first_month, total_fen}], most months first."""
    a = DuesAssessment
    stmt = (
        select(
            a.member_id,
            Member.name,
            Org.name,
            func.count(a.id),
            func.min(a.month),
            func.sum(a.amount_fen),
            Member.paid_through_month,
        )
        .join(Member, Member.id == a.member_id)
        .join(Org, Org.id == Member.org_id)
        .where(a.status.in_(rules.UNPAID_STATUSES), Member.org_id.in_(_org_ids(actor, org_id)))
        .group_by(a.member_id, Member.name, Org.name, Member.paid_through_month)
        .having(func.count(a.id) >= min_months)
        .order_by(func.count(a.id).desc(), a.member_id)
        .limit(limit)
    )
    return [
        {
            "member_id": mid,
            "name": name,
            "org_name": org_name,
            "months": count,
            "first_month": first,
            "total_fen": int(total),
            "paid_through": paid_through,
        }
        for mid, name, org_name, count, first, total, paid_through in db.session.execute(stmt)
    ]


def annual(actor: Actor, year: int, org_id: int | None = None) -> dict:
    """Per month of the year: assessed, collected, outstanding (fen), exempt count; and large
    dues — the figures a branch publishes to its members once a year."""
    first, last = months.index(year, 1), months.index(year, 12)
    orgs = _org_ids(actor, org_id)
    a = DuesAssessment
    per_month = {
        m: {"assessed": 0, "paid": 0, "unpaid": 0, "exempt": 0} for m in range(first, last + 1)
    }
    stmt = (
        select(a.month, a.status, func.count(a.id), func.sum(a.amount_fen))
        .where(a.month.between(first, last), a.org_id.in_(orgs))
        .group_by(a.month, a.status)
    )
    for month, status, count, total in db.session.execute(stmt):
        row = per_month[month]
        row["assessed"] += int(total or 0)
        if status == AssessmentStatus.paid:
            row["paid"] += int(total or 0)
        elif status == AssessmentStatus.exempt:
            row["exempt"] += count
        else:
            row["unpaid"] += int(total or 0)
    reversal = aliased(Payment)
    large = db.session.execute(
        select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount_fen), 0))
        .outerjoin(reversal, reversal.reverses_id == Payment.id)
        .where(
            Payment.kind == PaymentKind.large,
            reversal.id.is_(None),
            Payment.paid_on.between(date(year, 1, 1), date(year, 12, 31)),
            Payment.org_id.in_(orgs),
        )
    ).one()
    return {"year": year, "months": per_month, "large_count": large[0], "large_fen": int(large[1])}


# --- xlsx ------------------------------------------------------------------------------------


def _workbook():
    wb = Workbook()
    return wb, wb.active, Font(bold=True)


def _append(ws, values: list) -> None:
    """A row whose text no spreadsheet evaluates (see ``core.sheets``)."""
    ws.append(sheets.row(values))


def _save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def collection_xlsx(actor: Actor, month: int, org_id: int | None = None) -> bytes:
    data = collection(actor, month, org_id)
    wb, ws, bold = _workbook()
    ws.title = months.to_str(month)
    _append(ws, [_("Dues collection for %(month)s", month=months.to_str(month))])
    ws["A1"].font = bold
    header = [_("Organisation"), _("Member"), _("Amount"), _("Status"), _("Receipt"), _("Paid on")]
    _append(ws, header)
    for cell in ws[2]:
        cell.font = bold
    for r in data["rows"]:
        _append(
            ws,
            [
                r["org_name"],
                r["member_name"],
                from_fen(r["amount_fen"]),
                str(STATUS_LABELS.get(r["status"], r["status"])),
                r["receipt_no"] or "",
                r["paid_on"].isoformat() if r["paid_on"] else "",
            ],
        )
        ws.cell(ws.max_row, 3).number_format = "0.00"
    t = data["totals"]
    _append(ws, [])
    _append(ws, [_("Assessed"), "", from_fen(t["assessed"])])
    _append(ws, [_("Collected"), "", from_fen(t["paid"])])
    _append(ws, [_("Outstanding"), "", from_fen(t["unpaid"])])
    for row in ws.iter_rows(min_row=ws.max_row - 2, max_row=ws.max_row):
        row[0].font = bold
        row[2].number_format = "0.00"
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["E"].width = 22
    return _save(wb)


def annual_xlsx(actor: Actor, year: int, org_id: int | None = None) -> bytes:
    data = annual(actor, year, org_id)
    wb, ws, bold = _workbook()
    ws.title = str(year)
    _append(ws, [_("Dues collected and used in %(year)s", year=year)])
    ws["A1"].font = bold
    _append(ws, [_("Month"), _("Assessed"), _("Collected"), _("Outstanding"), _("Exempt members")])
    for cell in ws[2]:
        cell.font = bold
    total = {"assessed": 0, "paid": 0, "unpaid": 0}
    for month, row in data["months"].items():
        _append(
            ws,
            [
                months.to_str(month),
                from_fen(row["assessed"]),
                from_fen(row["paid"]),
                from_fen(row["unpaid"]),
                row["exempt"],
            ],
        )
        for key in total:
            total[key] += row[key]
    _append(
        ws,
        [
            _("Total"),
            from_fen(total["assessed"]),
            from_fen(total["paid"]),
            from_fen(total["unpaid"]),
        ],
    )
    ws.cell(ws.max_row, 1).font = bold
    _append(ws, [])
    _append(ws, [_("Large dues (count)"), data["large_count"]])
    _append(ws, [_("Large dues (amount)"), from_fen(data["large_fen"])])
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row):
        for cell in row[1:4]:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
    ws.column_dimensions["A"].width = 22
    return _save(wb)


# --- reconciliation --------------------------------------------------------------------------


def reconciliation_issues(actor: Actor) -> Select:
    """The mismatches stored in the actor's subtree, newest first."""
    stmt = scoped(select(ReconciliationIssue), ReconciliationIssue, actor)
    return stmt.order_by(ReconciliationIssue.id.desc())


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=1)


def reconcile(as_of: date) -> dict:
    """Compare the provider's orders with the payments of the local day ``as_of`` and the day
    before (so a run just after midnight still covers the whole previous day): a paid order
    without a payment, an online payment without a paid order, and amounts that differ. Each
    mismatch is stored once (for staff to settle by hand); nothing is ever fixed here."""
    start, end = _day_bounds(as_of)
    start -= timedelta(days=1)
    paid_orders = db.session.scalars(
        select(PaymentOrder).where(
            PaymentOrder.status == OrderStatus.paid,
            PaymentOrder.paid_at >= start,
            PaymentOrder.paid_at < end,
        )
    ).all()
    payments_by_order = {
        p.order_id: p
        for p in db.session.scalars(
            select(Payment).where(Payment.order_id.in_([o.id for o in paid_orders]))
        )
    }
    found: list[dict] = []
    for order in paid_orders:
        payment = payments_by_order.get(order.id)
        if payment is None:
            found.append(
                {
                    "kind": "paid_order_without_payment",
                    "ref": f"order:{order.id}",
                    "org_id": order.org_id,
                    "order_id": order.id,
                    "order_amount_fen": order.paid_amount_fen or order.amount_fen,
                    "detail": order.note,
                }
            )
        elif payment.amount_fen != (order.paid_amount_fen or order.amount_fen):
            found.append(
                {
                    "kind": "amount_mismatch",
                    "ref": f"order:{order.id}",
                    "org_id": order.org_id,
                    "order_id": order.id,
                    "payment_id": payment.id,
                    "order_amount_fen": order.paid_amount_fen or order.amount_fen,
                    "payment_amount_fen": payment.amount_fen,
                }
            )
    order_alias = aliased(PaymentOrder)
    orphans = db.session.scalars(
        select(Payment)
        .outerjoin(
            order_alias,
            and_(order_alias.id == Payment.order_id, order_alias.status == OrderStatus.paid),
        )
        .where(
            Payment.method == PaymentMethod.online,
            Payment.kind == PaymentKind.dues,
            Payment.created_at >= start,
            Payment.created_at < end,
            order_alias.id.is_(None),
        )
    ).all()
    for payment in orphans:
        found.append(
            {
                "kind": "payment_without_order",
                "ref": f"payment:{payment.id}",
                "org_id": payment.org_id,
                "payment_id": payment.id,
                "payment_amount_fen": payment.amount_fen,
                "order_id": payment.order_id,
            }
        )
    known = set(
        db.session.execute(
            select(ReconciliationIssue.kind, ReconciliationIssue.ref).where(
                ReconciliationIssue.ref.in_([f["ref"] for f in found])
            )
        ).all()
    )
    new = 0
    for issue in found:
        if (issue["kind"], issue["ref"]) in known:
            continue
        db.session.add(ReconciliationIssue(as_of=as_of, created_at=now_utc(), **issue))
        new += 1
    db.session.flush()
    return {
        "as_of": as_of.isoformat(),
        "orders_checked": len(paid_orders),
        "mismatches": len(found),
        "new": new,
    }
