"""Concurrency on PostgreSQL: the same callback 20 times at once pays once; two clerks paying
the same month at once record one payment."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select

from flowmember.core.months import index
from flowmember.dues.models import DuesAssessment, LedgerEntry, Payment, PaymentOrder
from flowmember.dues.provider import PROVIDERS
from flowmember.extensions import db
from tests.conftest import run_together

from .conftest import NOV, assess, set_base

THREADS = 20


def test_same_callback_twenty_times_in_parallel_pays_once(
    app, backend, books, api, make_member_user
):
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL row locks")
    set_base(books["member"], base="4000.00")
    assess(index(2026, 10), NOV)
    member_api = api.as_(make_member_user(books["member"]))
    order = member_api.post("/me/payments", json={"months": ["2026-10", "2026-11"]}).get_json()
    body, signature = PROVIDERS["sandbox"].callback(order["order_id"], "80.00", txn_id="TXN-20")
    db.session.commit()

    def post(client):
        response = client.post(
            "/api/v1/payments/callback/sandbox",
            data=body,
            headers={"X-Signature": signature, "Content-Type": "application/json"},
        )
        return response.status_code, response.get_json()

    results = run_together(app, [post] * THREADS)
    db.session.expire_all()
    assert [code for code, _ in results] == [200] * THREADS
    assert all(out["status"] == "paid" for _, out in results)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    order_row = db.session.get(PaymentOrder, order["order_id"])
    assert (order_row.status.value, order_row.provider_txn_id) == ("paid", "TXN-20")
    statuses = set(db.session.scalars(select(DuesAssessment.status)))
    assert {s.value for s in statuses} == {"paid"}


def test_two_clerks_paying_the_same_month_at_once_record_one_payment(
    app, backend, books, token_for
):
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL row locks")
    set_base(books["member"], base="4000.00")
    assess(NOV)
    token = token_for(books["clerk"])
    member_id = books["member"].id

    def post(client):
        return client.post(
            f"/api/v1/members/{member_id}/payments",
            json={"months": ["2026-11"], "amount": "40.00", "method": "cash"},
            headers={"Authorization": f"Bearer {token}"},
        ).status_code

    results = run_together(app, [post] * 10)
    assert sorted(results) == [201] + [409] * 9
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    receipt_counts = db.session.scalar(select(func.count(func.distinct(Payment.receipt_no))))
    assert receipt_counts == 1


def test_overlapping_multi_month_payments_are_all_or_nothing(app, backend, books, token_for):
    """Payments of overlapping quarters race: each one pays all its months or nothing."""
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL row locks")
    set_base(books["member"], base="4000.00")
    assess(*range(index(2026, 6), NOV + 1))
    token = token_for(books["clerk"])
    member_id = books["member"].id
    plans = [
        ["2026-06", "2026-07", "2026-08"],
        ["2026-08", "2026-09", "2026-10"],
        ["2026-10", "2026-11"],
        ["2026-07", "2026-08"],
        ["2026-09"],
        ["2026-11", "2026-06"],
    ]

    def post(months, client):
        response = client.post(
            f"/api/v1/members/{member_id}/payments",
            json={"months": months, "amount": f"{40 * len(months)}.00", "method": "cash"},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, sorted(months)

    results = run_together(app, [partial(post, months) for months in plans])
    assert {code for code, _ in results} <= {201, 409}
    db.session.expire_all()
    paid = db.session.scalars(select(Payment)).all()
    assert len(paid) == sum(1 for code, _ in results if code == 201) >= 1
    covered = [m for p in paid for m in p.months]
    assert len(covered) == len(set(covered))  # no month paid twice
    rows = db.session.scalars(select(DuesAssessment)).all()
    by_payment = {p.id: sorted(p.months) for p in paid}
    for row in rows:
        if row.status.value == "paid":
            assert row.month in by_payment[row.payment_id]
        else:
            assert row.payment_id is None
    entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    assert entries == len(covered)
