"""Payments, reversals, large dues, online orders with signed callbacks, reconciliation."""

import io
import json

import pytest
from sqlalchemy import func, select

from flowmember.core.months import index
from flowmember.dues import payments, reports, services
from flowmember.dues.models import (
    DuesAssessment,
    LedgerEntry,
    Payment,
    PaymentOrder,
    ReconciliationIssue,
)
from flowmember.dues.provider import PROVIDERS
from flowmember.extensions import db
from flowmember.members.models import Member

from .conftest import NOV, TODAY, assess, set_base

SANDBOX = PROVIDERS["sandbox"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def statuses() -> dict:
    return {r.month: r.status.value for r in db.session.scalars(select(DuesAssessment))}


@pytest.fixture
def owed(books):
    """The member owes 40.00 a month for March to November 2026."""
    set_base(books["member"], base="4000.00")
    assess(*range(index(2026, 3), NOV + 1))
    return books


def pay(api, user, member, months, amount, **extra):
    return api.as_(user).post(
        f"/members/{member.id}/payments",
        json={"months": months, "amount": amount, "method": "cash", **extra},
    )


# --- staff-recorded payments ------------------------------------------------------------------


def test_quarterly_payment_gets_a_receipt_and_moves_paid_through(api, owed):
    member = owed["member"]
    response = pay(
        api,
        owed["secretary"],
        member,
        ["2026-05", "2026-04", "2026-03"],
        "120.00",
        backpay_approved=True,  # March and April are more than 6 months back
    )
    assert response.status_code == 201, response.get_json()
    out = response.get_json()
    assert out["months"] == ["2026-03", "2026-04", "2026-05"]
    assert out["amount"] == "120.00"
    assert out["receipt_no"] == "DH101-2026-000001"
    assert db.session.get(Member, member.id).paid_through_month == index(2026, 5)
    second = pay(api, owed["clerk"], member, ["2026-06"], "40.00").get_json()
    assert second["receipt_no"] == "DH101-2026-000002"
    assert count(LedgerEntry) == 4
    assert services.ledger_balance(member.id) == 40 * 100 * 5  # July to November


@pytest.mark.parametrize(
    "months,amount,status,field",
    [
        (["2026-11"], "39.99", 422, "amount"),
        (["2026-11"], "40.01", 422, "amount"),
        (["2026-10", "2026-11"], "40.00", 422, "amount"),
        (["2026-11"], "abc", 422, "amount"),
        (["2026-11"], "-40.00", 422, "amount"),
        (["2026-12"], "40.00", 422, "months"),  # not assessed
        (["2026-02"], "40.00", 422, "months"),  # before the base / never assessed
        (["2026-1"], "40.00", 422, "months"),
        ([], "0.00", 422, "months"),
        (["2026-11", "2026-11"], "80.00", 422, "months"),
    ],
)
def test_bad_payment_writes_nothing(api, owed, months, amount, status, field):
    response = pay(api, owed["clerk"], owed["member"], months, amount)
    assert response.status_code == status
    assert field in response.get_json()["errors"]
    assert count(Payment) == 0
    assert count(LedgerEntry) == 0
    assert set(statuses().values()) == {"unpaid"}


def test_already_paid_month_is_409_and_a_multi_month_payment_writes_nothing(api, owed):
    member = owed["member"]
    assert pay(api, owed["clerk"], member, ["2026-10"], "40.00").status_code == 201
    before = (count(Payment), count(LedgerEntry), statuses())
    response = pay(api, owed["clerk"], member, ["2026-09", "2026-10", "2026-11"], "120.00")
    assert response.status_code == 409
    assert "months" in response.get_json()["errors"]
    assert (count(Payment), count(LedgerEntry), statuses()) == before
    assert statuses()[index(2026, 9)] == "unpaid"


@pytest.mark.parametrize(
    "month,approved,role,status",
    [
        ("2026-05", False, "clerk", 201),  # 6 months back: allowed
        ("2026-04", False, "clerk", 422),  # 7 months back: needs approval
        ("2026-04", True, "clerk", 403),  # a clerk may not approve
        ("2026-04", True, "secretary", 201),
        ("2026-04", True, "admin", 201),
    ],
)
def test_backpay_beyond_six_months(api, owed, month, approved, role, status):
    response = pay(api, owed[role], owed["member"], [month], "40.00", backpay_approved=approved)
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert "months" in response.get_json()["errors"]
    assert count(Payment) == (1 if status == 201 else 0)


def test_idempotency_key_replays_the_first_payment(api, owed):
    member = owed["member"]
    headers = {"Idempotency-Key": "pay-nov-1"}
    body = {"months": ["2026-11"], "amount": "40.00", "method": "bank", "reference": "TX1"}
    clerk = api.as_(owed["clerk"])
    first = clerk.post(f"/members/{member.id}/payments", json=body, headers=headers)
    again = clerk.post(f"/members/{member.id}/payments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert count(Payment) == 1
    other = clerk.post(
        f"/members/{member.id}/payments", json={**body, "months": ["2026-10"]}, headers=headers
    )
    assert other.status_code == 409


def test_payment_for_another_branch_member_is_not_found(api, owed, make_member):
    stranger = make_member(org=owed["b"])
    response = pay(api, owed["clerk"], stranger, ["2026-11"], "40.00")
    assert response.status_code == 404


# --- reversal ---------------------------------------------------------------------------------


def test_reversal_is_a_new_entry_and_months_become_unpaid(api, owed):
    member = owed["member"]
    paid = pay(
        api, owed["secretary"], member, ["2026-03", "2026-04"], "80.00", backpay_approved=True
    ).get_json()
    assert db.session.get(Member, member.id).paid_through_month == index(2026, 4)
    clerk = api.as_(owed["clerk"])
    assert clerk.post(f"/payments/{paid['id']}/reverse", json={"reason": ""}).status_code == 422
    response = clerk.post(f"/payments/{paid['id']}/reverse", json={"reason": "Counted twice"})
    assert response.status_code == 201
    out = response.get_json()
    assert (out["kind"], out["amount"], out["reverses_id"]) == ("reversal", "-80.00", paid["id"])
    assert out["receipt_no"] == "DH101-2026-000002"
    assert set(statuses().values()) == {"unpaid"}
    assert db.session.get(Member, member.id).paid_through_month is None
    original = db.session.get(Payment, paid["id"])
    assert (original.amount_fen, original.months) == (8000, [index(2026, 3), index(2026, 4)])
    assert count(Payment) == 2
    assert services.ledger_balance(member.id) == 9 * 4000
    again = clerk.post(f"/payments/{paid['id']}/reverse", json={"reason": "again"})
    assert again.status_code == 409
    assert clerk.post(f"/payments/{out['id']}/reverse", json={"reason": "x"}).status_code == 409
    # the months can be paid again
    assert pay(api, owed["clerk"], member, ["2026-05"], "40.00").status_code == 201


def test_payments_are_append_only(owed, api):
    from flowmember.core.audit import AppendOnlyError

    paid = pay(api, owed["clerk"], owed["member"], ["2026-11"], "40.00").get_json()
    payment = db.session.get(Payment, paid["id"])
    payment.amount_fen = 1
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Payment, paid["id"]))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


# --- large dues -------------------------------------------------------------------------------


@pytest.mark.parametrize("amount,status", [("1000.00", 422), ("1000.01", 201), ("5000", 201)])
def test_large_dues_are_recorded_apart(api, owed, amount, status):
    member = owed["member"]
    response = api.as_(owed["clerk"]).post(
        f"/members/{member.id}/large-dues", json={"amount": amount, "method": "bank"}
    )
    assert response.status_code == status
    dues = api.as_(owed["clerk"]).get(f"/members/{member.id}/dues").get_json()
    assert dues["total_arrears"] == "360.00"  # never counted as months
    if status == 201:
        out = response.get_json()
        assert (out["kind"], out["months"]) == ("large", [])
        assert dues["large_dues_total"] == f"{float(amount):.2f}"
    else:
        assert "amount" in response.get_json()["errors"]


# --- online orders and the sandbox provider ---------------------------------------------------


@pytest.fixture
def member_api(api, owed, make_member_user):
    return api.as_(make_member_user(owed["member"]))


def callback(client, body: bytes, signature: str):
    return client.post(
        "/api/v1/payments/callback/sandbox",
        data=body,
        headers={"X-Signature": signature, "Content-Type": "application/json"},
    )


def test_online_order_paid_by_signed_callback_once(client, member_api, owed):
    response = member_api.post("/me/payments", json={"months": ["2026-10", "2026-11"]})
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert (order["amount"], order["status"]) == ("80.00", "pending")
    assert order["pay_url"] == f"/m/pay/sandbox/{order['order_id']}"
    body, signature = SANDBOX.callback(order["order_id"], "80.00", txn_id="SBX-1")
    for _ in range(3):
        answer = callback(client, body, signature)
        assert answer.status_code == 200
        assert answer.get_json()["status"] == "paid"
    assert count(Payment) == 1
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.method.value, payment.reference, payment.order_id) == (
        "online",
        "SBX-1",
        order["order_id"],
    )
    assert statuses()[NOV] == "paid"
    assert member_api.get(f"/me/payments/{order['order_id']}").get_json()["status"] == "paid"


def test_bad_signature_is_401_and_nothing_paid(client, member_api):
    order = member_api.post("/me/payments", json={"months": ["2026-11"]}).get_json()
    body, signature = SANDBOX.callback(order["order_id"], "40.00", txn_id="SBX-2")
    assert callback(client, body, "0" * 64).status_code == 401
    assert callback(client, body + b" ", signature).status_code == 401
    assert client.post("/api/v1/payments/callback/sandbox", data=body).status_code == 401
    assert count(Payment) == 0


def test_amount_mismatch_is_400_and_nothing_paid(client, member_api):
    order = member_api.post("/me/payments", json={"months": ["2026-11"]}).get_json()
    body, signature = SANDBOX.callback(order["order_id"], "4.00", txn_id="SBX-3")
    response = callback(client, body, signature)
    assert response.status_code == 400
    assert count(Payment) == 0
    assert db.session.get(PaymentOrder, order["order_id"]).status.value == "pending"


def test_failed_payment_and_expiry(client, member_api, freeze):
    first = member_api.post("/me/payments", json={"months": ["2026-11"]}).get_json()
    body, signature = SANDBOX.callback(first["order_id"], "40.00", txn_id="F1", status="FAIL")
    assert callback(client, body, signature).get_json()["status"] == "failed"
    second = member_api.post("/me/payments", json={"months": ["2026-11"]})
    assert second.status_code == 201  # a failed order does not block a new one
    # an open order blocks another for the same month
    assert member_api.post("/me/payments", json={"months": ["2026-11"]}).status_code == 409
    freeze.tick(minutes=29)
    assert payments.expire_pending_orders() == 0
    freeze.tick(minutes=2)
    assert payments.expire_pending_orders() == 1
    db.session.commit()
    order_id = second.get_json()["order_id"]
    assert db.session.get(PaymentOrder, order_id).status.value == "expired"
    # a late SUCCESS for an expired order still pays (the member's money was taken)
    body, signature = SANDBOX.callback(order_id, "40.00", txn_id="LATE-1")
    assert callback(client, body, signature).get_json()["status"] == "paid"
    assert statuses()[NOV] == "paid"


@pytest.mark.parametrize(
    "months,field,status",
    [
        (["2026-04"], "months", 422),  # 7 months back: at the branch
        (["2027-01"], "months", 422),  # not assessed
        (["bad"], "months", 422),
    ],
)
def test_order_bad_input(member_api, months, field, status):
    response = member_api.post("/me/payments", json={"months": months})
    assert response.status_code == status
    assert field in response.get_json()["errors"]
    assert count(PaymentOrder) == 0


def test_order_paid_after_the_branch_took_cash_is_listed_by_reconciliation(
    api, client, member_api, owed
):
    order = member_api.post("/me/payments", json={"months": ["2026-11"]}).get_json()
    assert pay(api, owed["clerk"], owed["member"], ["2026-11"], "40.00").status_code == 201
    body, signature = SANDBOX.callback(order["order_id"], "40.00", txn_id="SBX-9")
    assert callback(client, body, signature).status_code == 200
    assert count(Payment) == 1  # the cash payment only; never twice
    from datetime import date

    result = payments_reconcile(date.fromisoformat(TODAY))
    assert result["mismatches"] == 1
    issue = db.session.scalars(select(ReconciliationIssue)).one()
    assert (issue.kind, issue.order_id) == ("paid_order_without_payment", order["order_id"])
    # listed for staff, and running again adds nothing; nothing was fixed
    assert payments_reconcile(date.fromisoformat(TODAY))["new"] == 0
    listed = api.as_(owed["clerk"]).get("/dues/reconciliation").get_json()
    assert [i["kind"] for i in listed] == ["paid_order_without_payment"]
    assert count(Payment) == 1


def test_reconciliation_lists_an_online_payment_without_an_order(api, owed):
    from datetime import date

    pay(api, owed["clerk"], owed["member"], ["2026-11"], "40.00", method="online")
    result = payments_reconcile(date.fromisoformat(TODAY))
    assert result["mismatches"] == 1
    issue = db.session.scalars(select(ReconciliationIssue)).one()
    assert issue.kind == "payment_without_order"


def payments_reconcile(day):
    result = reports.reconcile(day)
    db.session.commit()
    return result


# --- reports ----------------------------------------------------------------------------------


def test_collection_and_annual_xlsx(api, owed):
    from openpyxl import load_workbook

    pay(api, owed["clerk"], owed["member"], ["2026-10", "2026-11"], "80.00")
    api.as_(owed["clerk"]).post(
        f"/members/{owed['member'].id}/large-dues", json={"amount": "2000", "method": "bank"}
    )
    response = api.as_(owed["clerk"]).get(
        f"/dues/reports/collection.xlsx?org_id={owed['a'].id}&month=2026-11"
    )
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2][0] == "Branch A"
    assert values[2][2] == 40.0
    assert values[2][4] == "DH101-2026-000001"
    annual = api.as_(owed["admin"]).get("/dues/reports/annual.xlsx?year=2026")
    sheet = load_workbook(io.BytesIO(annual.data)).active
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert rows["2026-11"][1:4] == (40.0, 40.0, 0.0)
    assert rows["2026-03"][1:4] == (40.0, 0.0, 40.0)
    large = [r for r in rows.values() if r[1] == 2000.0]
    assert large
    # a branch secretary cannot read another branch's sheet
    other = api.as_(owed["secretary_b"]).get(
        f"/dues/reports/collection.xlsx?org_id={owed['a'].id}&month=2026-11"
    )
    assert other.status_code == 404


def test_arrears_list(api, owed):
    pay(api, owed["clerk"], owed["member"], ["2026-11"], "40.00")
    out = api.as_(owed["clerk"]).get("/dues/arrears").get_json()
    assert out == [
        {
            "member_id": owed["member"].id,
            "name": owed["member"].name,
            "org_name": "Branch A",
            "months": 8,
            "first_month": "2026-03",
            "total": "320.00",
            "paid_through": None,
        }
    ]


def test_callback_body_must_be_a_json_object(client):
    body = json.dumps([1, 2]).encode()
    response = callback(client, body, SANDBOX.sign(body))
    assert response.status_code == 400
