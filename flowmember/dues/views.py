"""Dues: pages. The member's dues page (phone) with the sandbox cashier, and the staff pages:
collection for the month, arrears, a member's dues (record payment, reversal, large dues,
exemption, base), exemptions to approve and the reconciliation list."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from flowmember.core import months
from flowmember.core.auth import scoped
from flowmember.core.errors import FlowMemberError
from flowmember.core.money import fmt
from flowmember.core.time import today_local
from flowmember.dues import common, exemptions, explain, payments, reports, services
from flowmember.dues.models import (
    ApprovalStatus,
    DuesBaseChange,
    DuesExemption,
    PaymentOrder,
    ReconciliationIssue,
)
from flowmember.dues.provider import PROVIDERS
from flowmember.extensions import csrf, db
from flowmember.members.models import Member
from flowmember.orgs import services as orgs
from flowmember.web import nav
from flowmember.web.auth import member_required, staff_required

bp = Blueprint("dues_pages", __name__)

nav.staff("dues_pages.collection", _l("Dues"), order=40)
nav.member("dues_pages.my_dues", _l("My dues"), order=30)


@bp.before_request
def protect_forms():
    if request.method == "POST":
        csrf.protect()


@bp.context_processor
def labels():
    return {
        "status_label": lambda s: explain.STATUS_LABELS.get(s, s),
        "method_label": lambda m: explain.METHOD_LABELS.get(m, m),
        "kind_label": lambda k: explain.KIND_LABELS.get(k, k),
        "month_str": months.to_str,
        "fmt": fmt,
    }


def _actor():
    return current_user._get_current_object()


def _fail(exc: FlowMemberError) -> None:
    db.session.rollback()
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (exc.errors or {}).items())
    flash(f"{exc.message} {details}".strip(), "error")


# --- member pages -----------------------------------------------------------------------------


def _my_member() -> Member:
    member = db.session.get(Member, current_user.member_id) if current_user.member_id else None
    if member is None:
        abort(404)
    return member


@bp.route("/m/dues")
@member_required
def my_dues():
    member = _my_member()
    dues = services.member_dues(member)
    current = common.current_month()
    payable = [a for a in dues["arrears"] if current - months.parse(a["month"]) <= 6]
    return render_template("dues/my_dues.html", dues=dues, payable=payable)


@bp.route("/m/dues/pay", methods=["POST"])
@member_required
def my_pay():
    member = _my_member()
    chosen = request.form.getlist("months")
    try:
        order = payments.create_order(_actor(), member, chosen)
        db.session.commit()
    except FlowMemberError as exc:
        _fail(exc)
        return redirect(url_for("dues_pages.my_dues"))
    return redirect(payments.order_view(order)["pay_url"])


def _my_order(order_id: str) -> PaymentOrder:
    order = db.session.get(PaymentOrder, order_id)
    if order is None or order.member_id != current_user.member_id:
        abort(404)
    return order


@bp.route("/m/pay/sandbox/<order_id>", methods=["GET", "POST"])
@member_required
def sandbox_pay(order_id: str):
    """The sandbox provider's cashier: confirming posts the signed callback server-side, the
    way a real provider notifies the app."""
    order = _my_order(order_id)
    if request.method == "POST":
        outcome = "FAIL" if request.form.get("outcome") == "fail" else "SUCCESS"
        provider = PROVIDERS["sandbox"]
        body, signature = provider.callback(
            order.id, fmt(order.amount_fen), txn_id=f"SBX{secrets.token_hex(8)}", status=outcome
        )
        try:
            payments.handle_callback("sandbox", body, signature)
            db.session.commit()
        except FlowMemberError as exc:
            _fail(exc)
            return redirect(url_for("dues_pages.sandbox_pay", order_id=order.id))
        db.session.expire_all()
        order = db.session.get(PaymentOrder, order_id)
        if order.status.value == "paid":
            flash(_("Payment received. Thank you."), "success")
        else:
            flash(_("The payment did not go through."), "error")
        return redirect(url_for("dues_pages.my_dues"))
    return render_template("dues/sandbox_pay.html", order=order)


# --- staff pages ------------------------------------------------------------------------------


def _month_arg() -> int:
    try:
        return months.parse(request.args.get("month") or "")
    except ValueError:
        return common.current_month()


def _org_choices():
    return [node for node in orgs.subtree(current_user.org)]


def _org_arg() -> int | None:
    value = request.args.get("org_id", type=int)
    return value


@bp.route("/dues", methods=["GET", "POST"])
@staff_required
def collection():
    month = _month_arg()
    org_id = _org_arg()
    if request.method == "POST":
        try:
            month = common.parse_month(request.form.get("month"))
            added = services.assess_month(_actor(), month, request.form.get("org_id", type=int))
            db.session.commit()
            flash(_("Assessed %(count)s members.", count=added), "success")
        except FlowMemberError as exc:
            _fail(exc)
        return redirect(url_for("dues_pages.collection", month=months.to_str(month)))
    try:
        data = reports.collection(_actor(), month, org_id)
        missing = services.missing_bases(_actor(), month, org_id)
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
@staff_required
def arrears():
    org_id = _org_arg()
    min_months = max(1, request.args.get("min_months", default=1, type=int) or 1)
    try:
        rows = reports.arrears_list(_actor(), org_id, min_months)
    except FlowMemberError:
        abort(404)
    return render_template(
        "dues/arrears.html", rows=rows, org_id=org_id, orgs=_org_choices(), min_months=min_months
    )


@bp.route("/dues/members/<int:member_id>")
@staff_required
def member(member_id: int):
    try:
        m = common.get_member(_actor(), member_id)
    except FlowMemberError:
        abort(404)
    dues = services.member_dues(m)
    return render_template(
        "dues/member.html",
        member=m,
        dues=dues,
        kinds=list(explain.KIND_LABELS.items()),
        year=today_local().year,
        today=today_local(),
    )


def _member_action(member_id: int, action) -> object:
    try:
        action()
        db.session.commit()
        flash(_("Saved."), "success")
    except FlowMemberError as exc:
        _fail(exc)
    return redirect(url_for("dues_pages.member", member_id=member_id))


@bp.route("/dues/members/<int:member_id>/payments", methods=["POST"])
@staff_required
def record_payment(member_id: int):
    form = request.form

    def act():
        paid_on = form.get("paid_on") or None
        if paid_on:
            from datetime import date

            try:
                paid_on = date.fromisoformat(paid_on)
            except ValueError:
                from flowmember.core.errors import ValidationError

                raise ValidationError({"paid_on": ["Not a date."]}) from None
        payments.record_payment(
            _actor(),
            member_id,
            months_=form.getlist("months"),
            amount=form.get("amount", ""),
            method=form.get("method", "cash"),
            reference=form.get("reference") or None,
            paid_on=paid_on,
            backpay_approved=form.get("backpay_approved") == "1",
        )

    return _member_action(member_id, act)


@bp.route("/dues/members/<int:member_id>/large-dues", methods=["POST"])
@staff_required
def large_dues(member_id: int):
    form = request.form
    return _member_action(
        member_id,
        lambda: payments.record_large_dues(
            _actor(),
            member_id,
            amount=form.get("amount", ""),
            method=form.get("method", "bank"),
            reference=form.get("reference") or None,
        ),
    )


@bp.route("/dues/payments/<int:payment_id>/reverse", methods=["POST"])
@staff_required
def reverse(payment_id: int):
    member_id = request.form.get("member_id", type=int)
    return _member_action(
        member_id,
        lambda: payments.reverse_payment(_actor(), payment_id, request.form.get("reason", "")),
    )


@bp.route("/dues/members/<int:member_id>/exemptions", methods=["POST"])
@staff_required
def request_exemption(member_id: int):
    data = {k: request.form.get(k) for k in ("from_month", "to_month", "kind", "reason")}
    data["monthly"] = request.form.get("monthly") or None
    if data["kind"] not in ("exempt", "reduced"):
        data["kind"] = "exempt"
    return _member_action(
        member_id, lambda: exemptions.request_exemption(_actor(), member_id, data)
    )


@bp.route("/dues/members/<int:member_id>/base", methods=["POST"])
@staff_required
def set_base(member_id: int):
    form = request.form
    data = {"base": form.get("base", ""), "kind": form.get("kind", "")}
    for key in ("farmer_amount", "voluntary"):
        if form.get(key):
            data[key] = form.get(key)
    year = form.get("year", type=int) or today_local().year
    return _member_action(member_id, lambda: services.set_base(_actor(), member_id, year, data))


@bp.route("/dues/exemptions", methods=["GET", "POST"])
@staff_required
def exemption_list():
    if request.method == "POST":
        try:
            if request.form.get("what") == "base_change":
                services.approve_base_change(_actor(), request.form.get("id", type=int))
            else:
                exemptions.approve_exemption(_actor(), request.form.get("id", type=int))
            db.session.commit()
            flash(_("Approved."), "success")
        except FlowMemberError as exc:
            _fail(exc)
        return redirect(url_for("dues_pages.exemption_list"))
    actor = _actor()
    pending = db.session.scalars(
        scoped(
            select(DuesExemption).where(DuesExemption.status == ApprovalStatus.pending),
            DuesExemption,
            actor,
        ).order_by(DuesExemption.id)
    ).all()
    changes = db.session.scalars(
        scoped(
            select(DuesBaseChange).where(DuesBaseChange.status == ApprovalStatus.pending),
            DuesBaseChange,
            actor,
        ).order_by(DuesBaseChange.id)
    ).all()
    names = dict(
        db.session.execute(
            select(Member.id, Member.name).where(
                Member.id.in_([e.member_id for e in pending] + [c.member_id for c in changes])
            )
        ).all()
    )
    return render_template("dues/exemptions.html", pending=pending, changes=changes, names=names)


@bp.route("/dues/reconciliation")
@staff_required
def reconciliation():
    issues = db.session.scalars(
        scoped(select(ReconciliationIssue), ReconciliationIssue, _actor())
        .order_by(ReconciliationIssue.id.desc())
        .limit(200)
    ).all()
    return render_template("dues/reconciliation.html", issues=issues)
