"""Dues payments: staff-recorded payments, large dues, reversals, and the member's online orders
with the provider's callbacks. Payments are receipted and never changed: a mistake is undone by a
reversal entry. Every guard against paying twice lives in the database (conditional UPDATEs and
unique constraints), so concurrent requests cannot both succeed."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from flowmember.core import audit, months
from flowmember.core.auth import STAFF, SYSTEM, WRITE_ROLES, Actor, get_scoped, require_role
from flowmember.core.errors import (
    Conflict,
    FlowMemberError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from flowmember.core.money import fmt, from_fen, to_fen
from flowmember.core.sequences import next_number
from flowmember.core.time import now_utc, today_local
from flowmember.dues import rules
from flowmember.dues.common import current_month
from flowmember.dues.models import (
    AssessmentStatus,
    DuesAssessment,
    LedgerEntry,
    LedgerKind,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOrder,
    ReceiptCounter,
)
from flowmember.dues.paid_through import recompute_paid_through
from flowmember.dues.provider import get_provider
from flowmember.dues.services import arrears
from flowmember.dues.statement import member_payee
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.models import Org

#: A pending online order expires after this long.
ORDER_TTL = timedelta(minutes=30)
PAYMENT_FIELDS = ["kind", "receipt_no", "amount_fen", "method", "months", "paid_on", "reverses_id"]


def _owed_rows(member_id: int, wanted: list[int], *, lock: bool) -> list[DuesAssessment]:
    """The assessments of the wanted months, checked payable: 422 unknown, 409 settled."""
    stmt = (
        select(DuesAssessment)
        .where(DuesAssessment.member_id == member_id, DuesAssessment.month.in_(wanted))
        .order_by(DuesAssessment.month)  # one lock order: concurrent payments never deadlock
    )
    if lock:
        stmt = stmt.with_for_update()
    rows = {r.month: r for r in db.session.scalars(stmt)}
    missing = [months.to_str(m) for m in wanted if m not in rows]
    if missing:
        raise ValidationError(
            {"months": [f"Not assessed (nothing owed yet): {', '.join(missing)}."]}
        )
    paid = [months.to_str(m) for m in wanted if rows[m].status == AssessmentStatus.paid]
    if paid:
        raise Conflict(
            f"Already paid: {', '.join(paid)}.", {"months": [f"Already paid: {', '.join(paid)}."]}
        )
    exempt = [months.to_str(m) for m in wanted if rows[m].status == AssessmentStatus.exempt]
    if exempt:
        raise Conflict(
            f"Exempt, nothing to pay: {', '.join(exempt)}.",
            {"months": [f"Exempt: {', '.join(exempt)}."]},
        )
    return [rows[m] for m in wanted]


def _check_backpay(actor: Actor, wanted: list[int], approved: bool) -> None:
    current = current_month()
    old = [months.to_str(m) for m in wanted if rules.backpay_needs_approval(m, current)]
    if approved and not actor.is_system and actor.role not in WRITE_ROLES:
        raise PermissionDenied("Only a secretary or an admin may approve back-payment.")
    if old and not approved:
        raise ValidationError(
            {
                "months": [
                    f"More than {rules.BACKPAY_MONTHS} months back ({', '.join(old)}): "
                    "back-payment needs the branch's approval (backpay_approved)."
                ]
            }
        )


def next_receipt_no(org_id: int, year: int) -> str:
    """The next number of the org's receipt series for the year."""
    seq = next_number(ReceiptCounter.__table__, "last", org_id=org_id, year=year)
    org = db.session.get(Org, org_id)
    return rules.receipt_number(org.code or f"ORG{org.id}", year, seq)


def _receipted_payment(
    actor: Actor,
    member: Member,
    *,
    kind: PaymentKind,
    fen: int,
    method: PaymentMethod,
    paid_on: date | None,
    reference: str | None,
    **extra,
) -> Payment:
    """A new payment row with the payee org's next receipt number (not yet added)."""
    paid_on = paid_on or today_local()
    if paid_on > today_local():
        raise ValidationError({"paid_on": ["Must not be in the future."]})
    org_id = _payee_org(member)
    payment = Payment(
        member_id=member.id,
        org_id=org_id,
        kind=kind,
        receipt_no=next_receipt_no(org_id, paid_on.year),
        amount_fen=fen,
        method=method,
        reference=reference or None,
        paid_on=paid_on,
        recorded_by_id=actor.id,
        created_at=now_utc(),
        **extra,
    )
    return payment


def _insert(row: Payment, conflict: str) -> None:
    """Add and flush ``row`` in a savepoint: a unique constraint it breaks is a 409, and the
    caller's transaction stays usable."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(conflict) from None


def _payee_org(member: Member) -> int:
    return member_payee(member).org_id or member.org_id


def record_payment(
    actor: Actor,
    member_id: int,
    *,
    months_: list[int],
    amount: Decimal,
    method: PaymentMethod | str,
    reference: str | None = None,
    paid_on: date | None = None,
    backpay_approved: bool = False,
    order: PaymentOrder | None = None,
) -> Payment:
    """Record a payment of whole months (one or several, e.g. a quarter; distinct month
    indexes, checked by the schema). All months are paid or none: 422 unknown months or a wrong
    amount, 409 a month already paid or exempt, 422 a month more than
    :data:`rules.BACKPAY_MONTHS` months back without ``backpay_approved`` (secretary or
    admin)."""
    require_role(actor, STAFF)
    member = get_scoped(Member, member_id, actor, what="Member")
    wanted = sorted(months_)
    fen = to_fen(amount)
    method = PaymentMethod(method)
    if order is None:
        _check_backpay(actor, wanted, backpay_approved)
    rows = _owed_rows(member.id, wanted, lock=True)
    due = sum(r.amount_fen for r in rows)
    if fen != due:
        raise ValidationError(
            {"amount": [f"The months' dues are {fmt(due)}; the amount given is {fmt(fen)}."]}
        )
    payment = _receipted_payment(
        actor,
        member,
        kind=PaymentKind.dues,
        fen=fen,
        method=method,
        paid_on=paid_on,
        reference=reference,
        months=wanted,
        backpay_approved=bool(backpay_approved),
        order_id=order.id if order is not None else None,
    )
    _insert(payment, "This order already has a payment.")
    a = DuesAssessment.__table__
    settled = db.session.execute(
        update(a)
        .where(
            a.c.member_id == member.id,
            a.c.month.in_(wanted),
            a.c.status.in_(rules.UNPAID_STATUSES),
        )
        .values(status=AssessmentStatus.paid.value, payment_id=payment.id),
        execution_options={"synchronize_session": False},
    ).rowcount
    if settled != len(wanted):  # another payment took a month meanwhile
        raise Conflict("A month was paid meanwhile; nothing was recorded.")
    for row in rows:
        db.session.expire(row)
    db.session.add_all(
        LedgerEntry(
            member_id=member.id,
            kind=LedgerKind.payment,
            month=r.month,
            amount_fen=-r.amount_fen,
            payment_id=payment.id,
            created_at=now_utc(),
        )
        for r in rows
    )
    db.session.flush()
    recompute_paid_through([member.id])
    audit.record(
        actor,
        "dues.payment",
        payment,
        org_id=member.org_id,
        after=audit.snapshot(payment, PAYMENT_FIELDS),
    )
    return payment


def record_large_dues(
    actor: Actor,
    member_id: int,
    *,
    amount: Decimal,
    method: PaymentMethod | str,
    reference: str | None = None,
    paid_on: date | None = None,
) -> Payment:
    """A voluntary single payment above 1,000 yuan (大额党费): receipted, kept apart from the
    months and the monthly balance."""
    require_role(actor, STAFF)
    member = get_scoped(Member, member_id, actor, what="Member")
    fen = to_fen(amount)
    if not rules.is_large_dues(from_fen(fen)):
        raise ValidationError({"amount": ["Large dues are a single payment above 1000.00."]})
    payment = _receipted_payment(
        actor,
        member,
        kind=PaymentKind.large,
        fen=fen,
        method=PaymentMethod(method),
        paid_on=paid_on,
        reference=reference,
        months=[],
    )
    db.session.add(payment)
    db.session.flush()
    db.session.add(
        LedgerEntry(
            member_id=member.id,
            kind=LedgerKind.large,
            amount_fen=-payment.amount_fen,
            payment_id=payment.id,
            created_at=now_utc(),
        )
    )
    audit.record(
        actor,
        "dues.large_dues",
        payment,
        org_id=member.org_id,
        after=audit.snapshot(payment, PAYMENT_FIELDS),
    )
    return payment


def reverse_payment(actor: Actor, payment_id: int, reason: str) -> Payment:
    """Undo a payment with a new, negative entry: its months become owed again (reduced months
    owe their reduced amount). Nothing is edited or deleted; a payment is reversed at most once."""
    require_role(actor, STAFF)
    original = get_scoped(Payment, payment_id, actor, what="Payment")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Required."]})
    if original.kind == PaymentKind.reversal:
        raise Conflict("A reversal cannot be reversed; record a new payment instead.")
    already = db.session.scalar(select(Payment.id).where(Payment.reverses_id == original.id))
    if already is not None:
        raise Conflict("This payment is already reversed.")
    today = today_local()
    reversal = Payment(
        member_id=original.member_id,
        org_id=original.org_id,
        kind=PaymentKind.reversal,
        receipt_no=next_receipt_no(original.org_id, today.year),
        amount_fen=-original.amount_fen,
        method=original.method,
        months=list(original.months or []),
        paid_on=today,
        reverses_id=original.id,
        reason=reason,
        recorded_by_id=actor.id,
        created_at=now_utc(),
    )
    _insert(reversal, "This payment is already reversed.")
    if original.kind == PaymentKind.large:
        db.session.add(
            LedgerEntry(
                member_id=original.member_id,
                kind=LedgerKind.large,
                amount_fen=original.amount_fen,
                payment_id=reversal.id,
                created_at=now_utc(),
            )
        )
    else:
        rows = db.session.scalars(
            select(DuesAssessment).where(DuesAssessment.payment_id == original.id)
        ).all()
        db.session.add_all(
            LedgerEntry(
                member_id=r.member_id,
                kind=LedgerKind.reversal,
                month=r.month,
                amount_fen=r.amount_fen,
                payment_id=reversal.id,
                created_at=now_utc(),
            )
            for r in rows
        )
        a = DuesAssessment.__table__
        db.session.execute(
            update(a)
            .where(a.c.payment_id == original.id)
            .values(
                status=case(
                    (a.c.reduced, AssessmentStatus.reduced.value),
                    else_=AssessmentStatus.unpaid.value,
                ),
                payment_id=None,
            ),
            execution_options={"synchronize_session": False},
        )
        for r in rows:
            db.session.expire(r)
        db.session.flush()
        recompute_paid_through([original.member_id])
    member = db.session.get(Member, original.member_id)
    audit.record(
        actor,
        "dues.payment_reversed",
        reversal,
        org_id=member.org_id,
        after=audit.snapshot(reversal, PAYMENT_FIELDS),
        reason=reason,
    )
    return reversal


# --- online orders ---------------------------------------------------------------------------


def payable_online(member_id: int) -> list[tuple[int, int]]:
    """The member's unpaid months that may be paid online, [(month index, fen)]: those not
    more than :data:`rules.BACKPAY_MONTHS` months back (older ones are paid at the branch)."""
    current = current_month()
    return [
        (month, fen)
        for month, fen in arrears(member_id)
        if not rules.backpay_needs_approval(month, current)
    ]


def create_order(
    actor: Actor, member: Member, months_: list[int], provider: str = "sandbox"
) -> PaymentOrder:
    """A member's online order for unpaid months (distinct month indexes; pending, expires
    after 30 minutes)."""
    wanted = sorted(months_)
    current = current_month()
    old = [months.to_str(m) for m in wanted if rules.backpay_needs_approval(m, current)]
    if old:
        raise ValidationError(
            {
                "months": [
                    f"More than {rules.BACKPAY_MONTHS} months back ({', '.join(old)}): "
                    "please pay these at your branch."
                ]
            }
        )
    rows = _owed_rows(member.id, wanted, lock=False)
    now = now_utc()
    open_orders = db.session.scalars(
        select(PaymentOrder).where(
            PaymentOrder.member_id == member.id,
            PaymentOrder.status == OrderStatus.pending,
            PaymentOrder.expires_at > now,
        )
    ).all()
    busy = sorted({m for o in open_orders for m in o.months} & set(wanted))
    if busy:
        taken = ", ".join(months.to_str(m) for m in busy)
        raise Conflict(f"An open order already covers {taken}.", {"months": [taken]})
    order = PaymentOrder(
        id=secrets.token_hex(12),
        member_id=member.id,
        org_id=_payee_org(member),
        provider=get_provider(provider).name,
        months=wanted,
        amount_fen=sum(r.amount_fen for r in rows),
        status=OrderStatus.pending,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        expires_at=now + ORDER_TTL,
    )
    db.session.add(order)
    db.session.flush()
    audit.record(
        actor,
        "dues.order_created",
        entity_type="payment_orders",
        org_id=member.org_id,
        after={"order_id": order.id, "months": wanted, "amount_fen": order.amount_fen},
    )
    return order


def member_order(member_id: int | None, order_id: str) -> PaymentOrder:
    """One of the member's own online orders (404 for anyone else's)."""
    order = db.session.get(PaymentOrder, order_id)
    if order is None or member_id is None or order.member_id != member_id:
        raise NotFound("Order not found.")
    return order


def order_view(order: PaymentOrder) -> dict:
    return {
        "order_id": order.id,
        "amount": fmt(order.amount_fen),
        "status": order.status.value,
        "months": [months.to_str(m) for m in order.months],
        "pay_url": get_provider(order.provider).pay_url(order.id),
        "expires_at": order.expires_at.isoformat(),
    }


def handle_callback(provider_name: str, raw_body: bytes, signature: str | None) -> dict:
    """A provider's server-to-server callback. 401 bad signature; 400 an amount that differs
    from the order (nothing paid); any number of repeats pays once: the order moves
    pending/expired -> paid in one conditional UPDATE, and a provider transaction id is unique.
    When the order's months were paid meanwhile by other means the order stays paid without a
    payment, for the reconciliation to list (staff refund by hand)."""
    provider = get_provider(provider_name)
    callback = provider.verify(raw_body, signature)
    order_id, txn, status = callback.order_id, callback.txn_id, callback.status
    order = db.session.get(PaymentOrder, order_id)
    if order is None or order.provider != provider.name:
        raise NotFound("Order not found.")
    if callback.amount is None:
        raise FlowMemberError("The amount is not a valid amount.")
    fen = to_fen(callback.amount)
    if fen != order.amount_fen:
        raise FlowMemberError(
            f"Amount mismatch: the order is {fmt(order.amount_fen)}, the callback says {fmt(fen)}."
        )
    t = PaymentOrder.__table__
    if status == "FAIL":
        db.session.execute(
            update(t)
            .where(t.c.id == order_id, t.c.status == OrderStatus.pending.value)
            .values(status=OrderStatus.failed.value),
            execution_options={"synchronize_session": False},
        )
        db.session.expire(order)
        return {"order_id": order_id, "status": order.status.value}
    try:
        with db.session.begin_nested():
            moved = db.session.execute(
                update(t)
                .where(
                    t.c.id == order_id,
                    t.c.status.in_([OrderStatus.pending.value, OrderStatus.expired.value]),
                )
                .values(
                    status=OrderStatus.paid.value,
                    provider_txn_id=txn,
                    paid_amount_fen=fen,
                    paid_at=now_utc(),
                ),
                execution_options={"synchronize_session": False},
            ).rowcount
    except IntegrityError:
        raise Conflict("This provider transaction was already used for another order.") from None
    db.session.expire(order)
    if not moved:
        if order.status == OrderStatus.paid and order.provider_txn_id == txn:
            return {"order_id": order_id, "status": "paid", "repeated": True}
        raise Conflict(f"The order is {order.status.value}.")
    member = db.session.get(Member, order.member_id)
    try:
        with db.session.begin_nested():
            payment = record_payment(
                SYSTEM,
                member.id,
                months_=list(order.months),
                amount=from_fen(order.amount_fen),
                method="online",
                reference=txn,
                paid_on=today_local(),
                order=order,
            )
    except (Conflict, ValidationError) as exc:
        db.session.execute(
            update(t).where(t.c.id == order_id).values(note=exc.message[:500]),
            execution_options={"synchronize_session": False},
        )
        return {"order_id": order_id, "status": "paid", "payment": None}
    return {"order_id": order_id, "status": "paid", "receipt_no": payment.receipt_no}


def expire_pending_orders() -> int:
    """Pending orders past their expiry become expired. Returns how many."""
    t = PaymentOrder.__table__
    return (
        db.session.execute(
            update(t)
            .where(t.c.status == OrderStatus.pending.value, t.c.expires_at < now_utc())
            .values(status=OrderStatus.expired.value),
            execution_options={"synchronize_session": False},
        ).rowcount
        or 0
    )
