"""Transfers: pages. Staff: transfers out, in and overdue, one transfer with its actions, a new
transfer, the printable letter. Member: my letters (phone first)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from flowmember.core import months
from flowmember.core.auth import in_scope, scoped
from flowmember.core.errors import FlowMemberError
from flowmember.core.time import LOCAL_TZ, today_local
from flowmember.extensions import csrf, db
from flowmember.members.models import Member, MemberStatus
from flowmember.orgs.models import Org
from flowmember.transfers import inflow, letters, rules, services
from flowmember.transfers.models import ArchiveHandover, ReasonKind, TransferStatus
from flowmember.web import nav
from flowmember.web.auth import member_required, staff_required

bp = Blueprint("transfers_pages", __name__)

nav.staff("transfers_pages.index", _l("Transfers"), order=40)
nav.member("transfers_pages.my_letters", _l("My letters"), order=40)

STATUS_LABELS = {
    TransferStatus.requested: _l("Requested"),
    TransferStatus.approved: _l("Approved by the branch"),
    TransferStatus.issued: _l("Issued"),
    TransferStatus.received: _l("Received"),
    TransferStatus.returned: _l("Returned"),
    TransferStatus.expired: _l("Expired"),
    TransferStatus.cancelled: _l("Cancelled"),
}
STATUS_BADGE = {
    TransferStatus.issued: "badge-warn",
    TransferStatus.approved: "badge-warn",
    TransferStatus.received: "badge-ok",
    TransferStatus.returned: "badge-err",
    TransferStatus.expired: "badge-err",
}
REASON_LABELS = {
    ReasonKind.graduate_to_employer: _l("Graduate to the employer's org"),
    ReasonKind.graduate_to_centre: _l("Graduate to a talent-service centre"),
    ReasonKind.graduate_to_community: _l("Graduate to the community of residence"),
    ReasonKind.work_move: _l("New place of work"),
    ReasonKind.residence_move: _l("New place of residence"),
    ReasonKind.abroad_retain: _l("Abroad, membership retained"),
    ReasonKind.abroad_suspend: _l("Abroad, membership suspended"),
    ReasonKind.other: _l("Other"),
}
TABS = {
    "out": _l("Transfers out"),
    "in": _l("Transfers in"),
    "overdue": _l("Overdue"),
}


@bp.before_request
def protect_forms():
    if request.method == "POST":
        csrf.protect()


@bp.app_context_processor
def transfer_labels():
    return {
        "transfer_status_label": lambda s: STATUS_LABELS[TransferStatus(s)],
        "transfer_status_badge": lambda s: STATUS_BADGE.get(TransferStatus(s), ""),
        "transfer_reason_label": lambda k: REASON_LABELS[ReasonKind(k)],
    }


@bp.route("/transfers")
@staff_required
def index():
    tab = request.args.get("tab", "out")
    if tab not in TABS:
        tab = "out"
    page = max(request.args.get("page", 1, type=int), 1)
    if tab == "overdue":
        stmt = services.list_query(current_user, overdue=True, direction="out")
    else:
        stmt = services.list_query(current_user, direction=tab)
    rows = db.session.scalars(stmt.limit(51).offset((page - 1) * 50)).all()
    return render_template(
        "transfers/index.html",
        tabs=TABS,
        tab=tab,
        rows=rows[:50],
        page=page,
        has_next=len(rows) > 50,
        today=today_local(),
        rules=rules,
    )


def _form_int(name: str) -> int | None:
    value = (request.form.get(name) or "").strip()
    return int(value) if value.isdigit() else None


@bp.route("/transfers/new", methods=["GET", "POST"])
@staff_required
def new():
    members = db.session.scalars(
        scoped(select(Member), Member, current_user)
        .where(Member.status == MemberStatus.active)
        .order_by(Member.name)
        .limit(500)
    ).all()
    orgs = db.session.scalars(select(Org).order_by(Org.path)).all()
    form = request.form
    if request.method == "POST":
        to_org_id = _form_int("to_org_id")
        to_org_name = (form.get("to_org_name") or "").strip() or None
        try:
            t = services.request_transfer(
                current_user,
                member_id=_form_int("member_id") or 0,
                to_org_id=to_org_id,
                to_org_name=None if to_org_id else to_org_name,
                reason=form.get("reason", ""),
                reason_kind=form.get("reason_kind") or ReasonKind.other,
                validity_days=_form_int("validity_days") or rules.DEFAULT_VALIDITY_DAYS,
            )
            db.session.commit()
        except FlowMemberError as err:
            db.session.rollback()
            flash(_error_text(err), "error")
            return render_template(
                "transfers/new.html", members=members, orgs=orgs, form=form, errors=err.errors
            ), 422
        flash(_("Transfer requested."), "success")
        return redirect(url_for(".detail", transfer_id=t.id))
    return render_template("transfers/new.html", members=members, orgs=orgs, form=form, errors={})


INFLOW_TEXT = (
    "name",
    "id_number",
    "phone",
    "ethnicity",
    "employer",
    "letter_no",
    "from_org_name",
    "identity_check_note",
)
INFLOW_DATES = ("joined_on", "received_on", "issued_on")


@bp.route("/transfers/inflow", methods=["GET", "POST"])
@staff_required
def inflow_page():
    """Register a member arriving with a paper letter from an org outside the system."""
    orgs = db.session.scalars(scoped(select(Org), Org, current_user).order_by(Org.path)).all()
    form = request.form
    if request.method == "POST":
        data = {k: (form.get(k) or "").strip() or None for k in INFLOW_TEXT}
        for key in INFLOW_DATES:
            data[key] = _parse_date(form.get(key))
        data.update(
            gender=form.get("gender") or None,
            stage=form.get("stage") or None,
            org_id=_form_int("org_id"),
            identity_checked=form.get("identity_checked") == "yes",
        )
        data = {k: v for k, v in data.items() if v is not None}
        errors = {
            k: ["Required."]
            for k in ("name", "gender", "id_number", "phone", "stage", "joined_on", "org_id")
            if k not in data
        }
        # The letter's 党费交至, YYYY-MM (an <input type="month">).
        if dues := (form.get("dues_paid_through") or "").strip():
            try:
                data["dues_paid_through"] = months.parse(dues)
            except ValueError:
                errors["dues_paid_through"] = [_("Not a month; expected YYYY-MM.")]
        try:
            if errors:
                from flowmember.core.errors import ValidationError

                raise ValidationError(errors)
            t = inflow.register_inflow(current_user, data)
            db.session.commit()
        except FlowMemberError as err:
            db.session.rollback()
            flash(_error_text(err), "error")
            return render_template(
                "transfers/inflow.html", orgs=orgs, form=form, errors=err.errors or {}
            ), 422
        flash(_("The member was registered."), "success")
        return redirect(url_for(".detail", transfer_id=t.id))
    return render_template("transfers/inflow.html", orgs=orgs, form=form, errors={})


def _error_text(err: FlowMemberError) -> str:
    if err.errors:
        fields = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in err.errors.items())
        return f"{err.message} ({fields})"
    return err.message


@bp.route("/transfers/<int:transfer_id>")
@staff_required
def detail(transfer_id: int):
    try:
        t = services.get_transfer(current_user, transfer_id)
    except FlowMemberError:
        abort(404)
    handovers = db.session.scalars(
        select(ArchiveHandover)
        .where(ArchiveHandover.transfer_id == t.id)
        .order_by(ArchiveHandover.id)
    ).all()
    today = today_local()
    status = t.effective_status(today)
    allowed = {a for a, states in rules.TRANSITIONS.items() if status in states}
    # Offer only the steps this user's side of the transfer takes (the services check again).
    issuing = t.from_org_id is not None and in_scope(current_user, t.from_org_id)
    receiving = t.to_org_id is not None and in_scope(current_user, t.to_org_id)
    receipt_side = receiving if t.to_org_id is not None else issuing
    if not issuing:
        allowed -= {"approve", "cancel", "reissue"}
    awaiting_committee = status == TransferStatus.approved
    if awaiting_committee and not services._may_approve_as_committee(current_user, t):
        allowed.discard("approve")
    if not receipt_side:
        allowed -= {"receive", "return"}
    return render_template(
        "transfers/detail.html",
        t=t,
        status=status,
        allowed=allowed,
        steps=allowed - {"letter", "archive_handover"},
        awaiting_committee=awaiting_committee,
        tz=LOCAL_TZ,
        handovers=handovers,
        today=today,
        overdue=rules.is_overdue(t.status, t.issued_on, t.expires_on, today)
        and t.direction.value == "out",
        in_transit=t.status in (TransferStatus.issued, TransferStatus.expired),
    )


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/transfers/<int:transfer_id>/<action>", methods=["POST"])
@staff_required
def act(transfer_id: int, action: str):
    form = request.form
    actor = current_user
    try:
        if action == "approve":
            services.approve(actor, transfer_id)
        elif action == "receive":
            services.receive(
                actor,
                transfer_id,
                received_on=_parse_date(form.get("received_on")),
                note=(form.get("note") or "").strip() or None,
            )
        elif action == "return":
            services.return_letter(actor, transfer_id, reason=form.get("reason", ""))
        elif action == "cancel":
            services.cancel(actor, transfer_id, reason=(form.get("reason") or "").strip() or None)
        elif action == "reissue":
            new = services.reissue(actor, transfer_id)
            db.session.commit()
            flash(_("A new letter was made."), "success")
            return redirect(url_for(".detail", transfer_id=new.id))
        elif action == "archive-handover":
            handed = _parse_datetime(form.get("handed_at"))
            inflow.record_handover(
                actor,
                transfer_id,
                items=[i for i in (form.get("items") or "").splitlines()],
                handed_at=handed,
                place=form.get("place", ""),
                handed_over_by=form.get("handed_over_by", ""),
                received_by=form.get("received_by", ""),
            )
        else:
            abort(404)
        db.session.commit()
        flash(_("Saved."), "success")
    except FlowMemberError as err:
        db.session.rollback()
        if err.status_code == 404:
            abort(404)
        flash(_error_text(err), "error")
    return redirect(url_for(".detail", transfer_id=transfer_id))


def _parse_datetime(value: str | None) -> datetime:
    """A ``datetime-local`` input is local (Asia/Shanghai) time; empty means now."""
    from flowmember.core.time import now_utc

    try:
        return datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ) if value else now_utc()
    except ValueError:
        return now_utc()


@bp.route("/transfers/<int:transfer_id>/letter")
@staff_required
def letter(transfer_id: int):
    """The printable letter (an audited read: it shows the full ID number)."""
    try:
        t = services.printable(current_user, transfer_id)
    except FlowMemberError as err:
        abort(404 if err.status_code == 404 else 409)
    html = render_template(
        "transfers/letter.html", **letters.letter_context(current_user, t, reason="print page")
    )
    db.session.commit()
    return html


@bp.route("/m/letters", methods=["GET", "POST"])
@member_required
def my_letters():
    """The member's letters, and a form to ask for a transfer of their own relation."""
    if request.method == "POST":
        form = request.form
        try:
            services.request_transfer(
                current_user,
                member_id=current_user.member_id,
                to_org_name=(form.get("to_org_name") or "").strip() or None,
                reason=form.get("reason", ""),
                reason_kind=form.get("reason_kind") or ReasonKind.other,
            )
            db.session.commit()
            flash(_("Your request was sent to your branch."), "success")
        except FlowMemberError as err:
            db.session.rollback()
            flash(_error_text(err), "error")
        return redirect(url_for(".my_letters"))
    rows = services.member_letters(current_user.member_id)
    open_request = any(t.status in rules.TRANSITIONS["approve"] for t in rows)
    return render_template(
        "transfers/my_letters.html",
        rows=rows,
        today=today_local(),
        open_request=open_request or any(t.status == TransferStatus.issued for t in rows),
        kinds=[k.value for k in ReasonKind if k != ReasonKind.abroad_suspend],
    )
