"""Dues: API. Parse, call the service, dump (the request commits, :mod:`flowmember.core.
transaction`)."""

from __future__ import annotations

from flask import Response, request
from sqlalchemy import select

from flowmember.core import months
from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import (
    STAFF,
    WRITE_ROLES,
    current_actor,
    current_member,
    member_allowed,
    public,
    roles,
)
from flowmember.core.errors import ValidationError
from flowmember.core.idempotency import idempotent
from flowmember.core.money import fmt
from flowmember.core.time import today_local
from flowmember.dues import common, exemptions, payments, reports, rules, services, statement
from flowmember.dues.explain import rule_text
from flowmember.dues.models import Payment
from flowmember.dues.provider import SIGNATURE_HEADER
from flowmember.dues.schemas import (
    DuesArrearsArgs,
    DuesAssessArgs,
    DuesAssessSchema,
    DuesBaseChangeSchema,
    DuesBaseResultSchema,
    DuesExemptionArgs,
    DuesExemptionQueryArgs,
    DuesExemptionSchema,
    DuesIssueSchema,
    DuesOrderArgs,
    DuesOrderSchema,
    DuesPaymentArgs,
    DuesPaymentSchema,
    DuesQuoteArgs,
    DuesQuoteSchema,
    DuesReconcileArgs,
    DuesReportArgs,
    DuesReverseArgs,
    LargeDuesArgs,
)
from flowmember.extensions import db

blp = Blueprint("dues", __name__, url_prefix="/api/v1", description="Dues")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def quote_view(q: rules.Quote) -> dict:
    return {
        "monthly": fmt(q.monthly_fen),
        "rate": str(q.rate) if q.rate is not None else None,
        "rate_percent": rules.rate_percent(q.rate),
        "rule": q.rule,
        "rule_text": rule_text(q.rule),
        "capped": q.capped,
        "computed": str(q.computed),
    }


@blp.route("/dues/quote", methods=["POST"])
@member_allowed
@blp.arguments(DuesQuoteArgs)
@blp.response(200, DuesQuoteSchema)
def quote(args):
    """Monthly dues for a base and kind (pure calculator; any role)"""
    return quote_view(services.quote(args))


@blp.route("/members/<int:member_id>/dues-base/<int:year>", methods=["PUT"])
@roles(*STAFF)
@blp.arguments(DuesQuoteArgs)
@blp.response(200, DuesBaseResultSchema)
def put_base(args, member_id, year):
    """Fix a member's base for a year; after assessments of that year a pending change that
    applies from the month after approval"""
    result = services.set_base(current_actor(), member_id, year, args)
    change = result["change"]
    base = result["base"]
    return {
        **quote_view(result["quote"]),
        "member_id": member_id,
        "year": year,
        "status": result["status"],
        "change_id": change.id if change is not None else None,
        "from_month": months.to_str(base.from_month) if result["status"] == "applied" else None,
    }


@blp.route("/dues-base-changes/<int:change_id>/approve", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.response(200, DuesBaseChangeSchema)
def approve_base_change(change_id):
    """Approve a mid-year base change (branch)"""
    return services.approve_base_change(current_actor(), change_id)


@blp.route("/dues-base-changes", methods=["GET"])
@roles(*STAFF)
@blp.response(200, DuesBaseChangeSchema(many=True))
@blp.paginate(QueryPage)
def list_base_changes():
    """Mid-year base changes waiting for approval"""
    return services.pending_base_changes(current_actor())


@blp.route("/dues/assess", methods=["POST"])
@roles(*STAFF)
@blp.arguments(DuesAssessArgs)
@blp.response(200, DuesAssessSchema)
def assess(args):
    """Assess a month for the caller's subtree (or an org's); running it twice adds nothing"""
    month = args["month"]
    actor = current_actor()
    added = services.assess_month(actor, month, args.get("org_id"))
    missing = services.missing_bases(actor, month, args.get("org_id"))
    return {"assessed": added, "month": months.to_str(month), "missing_base": missing}


@blp.route("/members/<int:member_id>/dues", methods=["GET"])
@roles(*STAFF)
@blp.response(200)
def member_dues(member_id):
    """A member's dues: paid-through, arrears, months with status and rule, receipts"""
    return statement.member_dues(common.get_member(current_actor(), member_id))


@blp.route("/me/dues", methods=["GET"])
@blp.response(200)
def my_dues():
    """My dues: what I owe month by month and why"""
    return statement.member_dues(current_member())


@blp.route("/members/<int:member_id>/payments", methods=["POST"])
@idempotent
@roles(*STAFF)
@blp.arguments(DuesPaymentArgs)
@blp.response(201, DuesPaymentSchema)
def record_payment(args, member_id):
    """Record a payment of one or more months (cash, bank, proxy, online)"""
    return payments.record_payment(
        current_actor(),
        member_id,
        months_=args["months"],
        amount=args["amount"],
        method=args["method"],
        reference=args.get("reference"),
        paid_on=args.get("paid_on"),
        backpay_approved=args.get("backpay_approved", False),
    )


@blp.route("/members/<int:member_id>/payments", methods=["GET"])
@roles(*STAFF)
@blp.response(200, DuesPaymentSchema(many=True))
def list_payments(member_id):
    """A member's payments and reversals"""
    member = common.get_member(current_actor(), member_id)
    return db.session.scalars(
        select(Payment).where(Payment.member_id == member.id).order_by(Payment.id)
    ).all()


@blp.route("/members/<int:member_id>/large-dues", methods=["POST"])
@idempotent
@roles(*STAFF)
@blp.arguments(LargeDuesArgs)
@blp.response(201, DuesPaymentSchema)
def large_dues(args, member_id):
    """Record large dues (a voluntary single payment above 1,000 yuan), kept apart"""
    return payments.record_large_dues(current_actor(), member_id, **args)


@blp.route("/payments/<int:payment_id>/reverse", methods=["POST"])
@idempotent
@roles(*STAFF)
@blp.arguments(DuesReverseArgs)
@blp.response(201, DuesPaymentSchema)
def reverse(args, payment_id):
    """Reverse a payment with a new entry; its months are owed again"""
    return payments.reverse_payment(current_actor(), payment_id, args["reason"])


@blp.route("/me/payments", methods=["POST"])
@idempotent
@blp.arguments(DuesOrderArgs)
@blp.response(201, DuesOrderSchema)
def my_order(args):
    """Pay months online: a pending order and the provider's pay page"""
    order = payments.create_order(current_actor(), current_member(), args["months"])
    return payments.order_view(order)


@blp.route("/me/payments/<order_id>", methods=["GET"])
@blp.response(200, DuesOrderSchema)
def my_order_status(order_id):
    """One of my online orders"""
    return payments.order_view(payments.member_order(current_member().id, order_id))


@blp.route("/payments/callback/<provider>", methods=["POST"])
@public
@blp.response(200)
def provider_callback(provider):
    """The payment provider's signed callback (X-Signature: hex HMAC-SHA256 of the body)"""
    return payments.handle_callback(
        provider, request.get_data(cache=True), request.headers.get(SIGNATURE_HEADER)
    )


@blp.route("/members/<int:member_id>/dues-exemptions", methods=["POST"])
@roles(*STAFF)
@blp.arguments(DuesExemptionArgs)
@blp.response(201, DuesExemptionSchema)
def request_exemption(args, member_id):
    """Request a reduction or exemption for a range of months (pending approval)"""
    return exemptions.request_exemption(current_actor(), member_id, args)


@blp.route("/dues-exemptions", methods=["GET"])
@roles(*STAFF)
@blp.arguments(DuesExemptionQueryArgs, location="query")
@blp.response(200, DuesExemptionSchema(many=True))
@blp.paginate(QueryPage)
def list_exemptions(args):
    """Reductions and exemptions in the caller's subtree"""
    return exemptions.exemptions_query(
        current_actor(), status=args.get("status"), member_id=args.get("member_id")
    )


@blp.route("/dues-exemptions/<int:exemption_id>/approve", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.response(200, DuesExemptionSchema)
def approve_exemption(exemption_id):
    """Approve (admin; a branch secretary for retirees)"""
    return exemptions.approve_exemption(current_actor(), exemption_id)


@blp.route("/dues/arrears", methods=["GET"])
@roles(*STAFF)
@blp.arguments(DuesArrearsArgs, location="query")
@blp.response(200)
def arrears(args):
    """Members with unpaid months, most months first"""
    rows = reports.arrears_list(current_actor(), args.get("org_id"), args["min_months"])
    return [
        {
            "member_id": r["member_id"],
            "name": r["name"],
            "org_name": r["org_name"],
            "months": r["months"],
            "first_month": months.to_str(r["first_month"]),
            "total": fmt(r["total_fen"]),
            "paid_through": months.to_str(r["paid_through"]),
        }
        for r in rows
    ]


def _xlsx(content: bytes, name: str) -> Response:
    return Response(
        content,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blp.route("/dues/reports/collection.xlsx", methods=["GET"])
@roles(*STAFF)
@blp.arguments(DuesReportArgs, location="query")
def collection_xlsx(args):
    """The month's collection sheet (.xlsx)"""
    if args.get("month") is None:
        raise ValidationError({"month": ["Required."]})
    month = args["month"]
    content = reports.collection_xlsx(current_actor(), month, args.get("org_id"))
    return _xlsx(content, f"dues-collection-{months.to_str(month)}.xlsx")


@blp.route("/dues/reports/annual.xlsx", methods=["GET"])
@roles(*STAFF)
@blp.arguments(DuesReportArgs, location="query")
def annual_xlsx(args):
    """The year's summary for publication to members (.xlsx)"""
    year = args.get("year") or today_local().year
    content = reports.annual_xlsx(current_actor(), year, args.get("org_id"))
    return _xlsx(content, f"dues-annual-{year}.xlsx")


@blp.route("/dues/reconciliation", methods=["GET"])
@roles(*STAFF)
@blp.response(200, DuesIssueSchema(many=True))
@blp.paginate(QueryPage)
def reconciliation():
    """Mismatches between provider orders and payments, newest first (never fixed by itself)"""
    return reports.reconciliation_issues(current_actor())


@blp.route("/dues/reconciliation", methods=["POST"])
@roles("admin")
@blp.arguments(DuesReconcileArgs)
@blp.response(200)
def run_reconciliation(args):
    """Run the reconciliation for a day (default today)"""
    return reports.reconcile(args.get("as_of") or today_local())
