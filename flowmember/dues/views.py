"""Dues: pages. The member's dues page (phone) with the sandbox cashier, and the staff pages:
collection for the month, arrears, a member's dues (record payment, reversal, large dues,
exemption, base), exemptions to approve and the reconciliation list.

Forms are loaded through the API's ``*Args`` schemas (:func:`flowmember.web.pages.load_form`),
so a form and an API call give the same messages; the request commits (or not) in one place."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import EXCLUDE
from sqlalchemy import select

from flowmember.core import months
from flowmember.core.auth import WRITE_ROLES
from flowmember.core.errors import FlowMemberError
from flowmember.core.money import fmt
from flowmember.core.time import today_local
from flowmember.dues import common, exemptions, explain, payments, reports, services, statement
from flowmember.dues.models import DuesExemption, OrderStatus
from flowmember.dues.provider import PROVIDERS
from flowmember.dues.schemas import (
    DuesArrearsArgs,
    DuesAssessArgs,
    DuesExemptionArgs,
    DuesOrderArgs,
    DuesPaymentArgs,
    DuesQuoteArgs,
    DuesReportArgs,
    DuesReverseArgs,
    LargeDuesArgs,
)
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs import services as orgs
from flowmember.web import nav, pages

bp = pages.blueprint("dues_pages", __name__)
T = TypeVar("T")

nav.staff("dues_pages.collection", _l("Dues"), order=40)
nav.member("dues_pages.my_dues", _l("My dues"), order=30)

#: Form fields as the pages label them (for error messages).
LABELS = {
    "month": _l("Month"),
    "org_id": _l("Organisation"),
    "min_months": _l("At least months unpaid"),
    "months": _l("Months"),
    "amount": _l("Amount"),
    "method": _l("Method"),
    "reference": _l("Reference"),
    "paid_on": _l("Paid on"),
    "year": _l("Year"),
    "base": _l("Base (yuan per month)"),
    "kind": _l("Kind"),
    "farmer_amount": _l("Farmer amount (0.20 to 1.00)"),
    "voluntary": _l("Voluntary monthly amount"),
    "from_month": _l("From"),
    "to_month": _l("To"),
    "monthly": _l("Reduced monthly amount"),
    "reason": _l("Reason"),
}


@bp.context_processor
def labels():
    return {
        "status_label": lambda s: explain.STATUS_LABELS.get(s, s),
        "method_label": lambda m: explain.METHOD_LABELS.get(m, m),
        "kind_label": lambda k: explain.KIND_LABELS.get(k, k),
        "month_str": months.to_str,
        "fmt": fmt,
    }


# --- member pages -----------------------------------------------------------------------------


def _my_member() -> Member:
    member = db.session.get(Member, current_user.member_id) if current_user.member_id else None
    if member is None:
        abort(404)
    return member


@bp.route("/m/dues")
@pages.member_required
def my_dues():
    member = _my_member()
    return render_template(
        "dues/my_dues.html",
        dues=statement.member_dues(member),
        payable=payments.payable_online(member.id),
    )


@bp.route("/m/dues/pay", methods=["POST"])
@pages.member_required
def my_pay():
    member = _my_member()

    def act():
        args = pages.load_form(DuesOrderArgs)
        return payments.create_order(current_user, member, args["months"])

    order = pages.attempt(act, LABELS)
    if order is None:
        return redirect(url_for("dues_pages.my_dues"))
    return redirect(payments.order_view(order)["pay_url"])


@bp.route("/m/pay/sandbox/<order_id>", methods=["GET", "POST"])
@pages.member_required
def sandbox_pay(order_id: str):
    """The sandbox provider's cashier: confirming posts the signed callback server-side, the
    way a real provider notifies the app."""
    order = payments.member_order(current_user.member_id, order_id)
    if request.method == "POST":
        outcome = "FAIL" if request.form.get("outcome") == "fail" else "SUCCESS"
        body, signature = PROVIDERS["sandbox"].callback(
            order.id, fmt(order.amount_fen), txn_id=f"SBX{secrets.token_hex(8)}", status=outcome
        )
        paid = pages.attempt(lambda: payments.handle_callback("sandbox", body, signature), LABELS)
        if paid is None:
            return redirect(url_for("dues_pages.sandbox_pay", order_id=order.id))
        db.session.refresh(order)
        if order.status == OrderStatus.paid:
            flash(_("Payment received. Thank you."), "success")
        else:
            flash(_("The payment did not go through."), "error")
        return redirect(url_for("dues_pages.my_dues"))
    return render_template("dues/sandbox_pay.html", order=order)


# --- staff pages ------------------------------------------------------------------------------


def _org_choices():
    return list(orgs.subtree(current_user.org))


@bp.route("/dues", methods=["GET", "POST"])
@pages.staff_required
def collection():
    shown = pages.load_query(DuesReportArgs, LABELS)
    month, org_id = shown.get("month", common.current_month()), shown.get("org_id")
    if request.method == "POST":

        def act():
            args = pages.load_form(DuesAssessArgs)
            return args["month"], services.assess_month(current_user, **args)

        if (done := pages.attempt(act, LABELS)) is not None:
            month, added = done
            flash(_("Assessed %(count)s members.", count=added), "success")
        return redirect(url_for("dues_pages.collection", month=months.to_str(month)))
    try:
        data = reports.collection(current_user, month, org_id)
        missing = services.missing_bases(current_user, month, org_id)
    except FlowMemberError:
        abort(404)
    return render_template(
        "dues/collection.html",
        data=data,
        month=month,
        org_id=org_id,
        orgs=_org_choices(),
        missing=missing,
    )


@bp.route("/dues/arrears")
@pages.staff_required
def arrears():
    args = pages.load_query(DuesArrearsArgs, LABELS)
    org_id, min_months = args.get("org_id"), args.get("min_months", 1)
    try:
        rows = reports.arrears_list(current_user, org_id, min_months)
    except FlowMemberError:
        abort(404)
    return render_template(
        "dues/arrears.html", rows=rows, org_id=org_id, orgs=_org_choices(), min_months=min_months
    )


@bp.route("/dues/members/<int:member_id>")
@pages.staff_required
def member(member_id: int):
    try:
        m = common.get_member(current_user, member_id)
    except FlowMemberError:
        abort(404)
    return render_template(
        "dues/member.html",
        member=m,
        dues=statement.member_dues(m),
        kinds=list(explain.KIND_LABELS.items()),
        year=today_local().year,
        today=today_local(),
        may_approve_backpay=pages.has_role(*WRITE_ROLES),
    )


def _member_action(member_id: int | None, action: Callable[[], object]):
    pages.attempt(action, LABELS, _("Saved."))
    return redirect(url_for("dues_pages.member", member_id=member_id))


@bp.route("/dues/members/<int:member_id>/payments", methods=["POST"])
@pages.staff_required
def record_payment(member_id: int):
    def act():
        args = pages.load_form(DuesPaymentArgs)
        payments.record_payment(
            current_user,
            member_id,
            months_=args["months"],
            amount=args["amount"],
            method=args["method"],
            reference=args.get("reference"),
            paid_on=args.get("paid_on"),
            backpay_approved=args["backpay_approved"],
        )

    return _member_action(member_id, act)


@bp.route("/dues/members/<int:member_id>/large-dues", methods=["POST"])
@pages.staff_required
def large_dues(member_id: int):
    def act():
        args = pages.load_form(LargeDuesArgs)
        payments.record_large_dues(current_user, member_id, **args)

    return _member_action(member_id, act)


@bp.route("/dues/payments/<int:payment_id>/reverse", methods=["POST"])
@pages.staff_required
def reverse(payment_id: int):
    def act():
        args = pages.load_form(DuesReverseArgs, unknown=EXCLUDE)  # and the page's member_id
        payments.reverse_payment(current_user, payment_id, args["reason"])

    return _member_action(request.form.get("member_id", type=int), act)


@bp.route("/dues/members/<int:member_id>/exemptions", methods=["POST"])
@pages.staff_required
def request_exemption(member_id: int):
    def act():
        args = pages.load_form(DuesExemptionArgs)
        exemptions.request_exemption(current_user, member_id, args)

    return _member_action(member_id, act)


@bp.route("/dues/members/<int:member_id>/base", methods=["POST"])
@pages.staff_required
def set_base(member_id: int):
    year = request.form.get("year", type=int) or today_local().year

    def act():
        args = pages.load_form(DuesQuoteArgs, unknown=EXCLUDE)  # the form also has the year
        services.set_base(current_user, member_id, year, args)

    return _member_action(member_id, act)


@bp.route("/dues/exemptions", methods=["GET", "POST"])
@pages.staff_required
def exemption_list():
    if request.method == "POST":
        ident = request.form.get("id", type=int)
        if request.form.get("what") == "base_change":
            pages.attempt(
                lambda: services.approve_base_change(current_user, ident), LABELS, _("Approved.")
            )
        else:
            pages.attempt(
                lambda: exemptions.approve_exemption(current_user, ident), LABELS, _("Approved.")
            )
        return redirect(url_for("dues_pages.exemption_list"))
    pending = db.session.scalars(
        exemptions.exemptions_query(current_user, status="pending")
        .order_by(None)
        .order_by(DuesExemption.id)
    ).all()
    changes = db.session.scalars(services.pending_base_changes(current_user)).all()
    names = dict(
        db.session.execute(
            select(Member.id, Member.name).where(
                Member.id.in_([e.member_id for e in pending] + [c.member_id for c in changes])
            )
        ).all()
    )
    return render_template("dues/exemptions.html", pending=pending, changes=changes, names=names)


@bp.route("/dues/reconciliation")
@pages.staff_required
def reconciliation():
    page = pages.paginate(reports.reconciliation_issues(current_user))
    return render_template("dues/reconciliation.html", issues=page.items, page=page)
