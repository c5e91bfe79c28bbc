"""Transfers: pages. Staff: transfers out, in and overdue, one transfer with its actions, a new
transfer, the printable letter. Member: my letters (phone first).

Forms load through the API's ``*Args`` schemas; the steps a page offers are the ones
:func:`flowmember.transfers.permissions.allowed_actions` allows, and the services refuse the
others the same way."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from flowmember.core.errors import FlowMemberError
from flowmember.core.time import LOCAL_TZ, today_local
from flowmember.extensions import db
from flowmember.members.models import Member, MemberStatus
from flowmember.members.queries import member_query
from flowmember.orgs.models import Org
from flowmember.orgs.services import orgs_in_scope
from flowmember.transfers import inflow, letters, queries, rules, services
from flowmember.transfers.models import ReasonKind, TransferStatus
from flowmember.transfers.permissions import allowed_actions
from flowmember.transfers.schemas import (
    CancelArgs,
    HandoverArgs,
    InflowArgs,
    MyTransferArgs,
    ReceiveArgs,
    ReissueArgs,
    ReturnArgs,
    TransferArgs,
)
from flowmember.web import nav, pages

bp = pages.blueprint("transfers_pages", __name__)

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
#: How a form's fields are named in its error messages.
LABELS = {
    "member_id": _l("Member"),
    "to_org_id": _l("Receiving organisation in the system"),
    "to_org_name": _l("Receiving organisation outside the system (name)"),
    "reason_kind": _l("Kind of transfer"),
    "reason": _l("Reason"),
    "validity_days": _l("Validity"),
    "received_on": _l("Received on"),
    "note": _l("Note"),
    "items": _l("Items"),
    "handed_at": _l("Time"),
    "place": _l("Place"),
    "handed_over_by": _l("Handed over by"),
    "received_by": _l("Received by"),
    "letter_no": _l("Letter no."),
    "from_org_name": _l("Issuing organisation"),
    "issued_on": _l("Issued on"),
    "dues_paid_through": _l("Dues paid up to"),
    "name": _l("Name"),
    "gender": _l("Gender"),
    "id_number": _l("ID number"),
    "ethnicity": _l("Ethnicity"),
    "phone": _l("Phone"),
    "stage": _l("Stage"),
    "joined_on": _l("Joined on"),
    "employer": _l("Employer"),
    "org_id": _l("Organisation that takes the member"),
    "identity_checked": _l("Identity check"),
    "identity_check_note": _l("Notes of the talk"),
}
#: The step each action form of the transfer's page posts, and the schema of its fields.
ACTION_FORMS = {
    "approve": None,
    "receive": ReceiveArgs,
    "return": ReturnArgs,
    "cancel": CancelArgs,
    "reissue": ReissueArgs,
    "archive-handover": HandoverArgs,
}


def _load(schema: type[Schema], data: MultiDict | dict) -> dict:
    """A form through the API's schema (the CSRF token is the form's, not the schema's)."""
    data.pop("csrf_token", None)
    return pages.load_form(schema, data)


@bp.app_context_processor
def transfer_labels():
    return {
        "transfer_status_label": lambda s: STATUS_LABELS[TransferStatus(s)],
        "transfer_status_badge": lambda s: STATUS_BADGE.get(TransferStatus(s), ""),
        "transfer_reason_label": lambda k: REASON_LABELS[ReasonKind(k)],
    }


@bp.route("/transfers")
@pages.staff_required
def index():
    tab = request.args.get("tab", "out")
    if tab not in TABS:
        tab = "out"
    if tab == "overdue":
        stmt = queries.list_query(current_user, overdue=True, direction="out")
    else:
        stmt = queries.list_query(current_user, direction=tab)
    return render_template(
        "transfers/index.html", tabs=TABS, tab=tab, rows=pages.paginate(stmt), today=today_local()
    )


@bp.route("/transfers/new", methods=["GET", "POST"])
@pages.staff_required
def new():
    members = db.session.scalars(
        member_query(current_user, {"status": MemberStatus.active.value})
        .order_by(None)
        .order_by(Member.name)
        .limit(500)
    ).all()
    orgs = db.session.scalars(select(Org).order_by(Org.path)).all()
    form = request.form
    if request.method == "POST":
        data = form.copy()
        if (data.get("to_org_id") or "").strip():
            data.pop("to_org_name", None)  # an org chosen in the list wins over a typed name
        try:
            t = services.request_transfer(current_user, **_load(TransferArgs, data))
        except FlowMemberError as err:
            pages.flash_error(err, LABELS)
            return render_template(
                "transfers/new.html", members=members, orgs=orgs, form=form, errors=err.errors
            ), 422
        flash(_("Transfer requested."), "success")
        return redirect(url_for(".detail", transfer_id=t.id))
    return render_template("transfers/new.html", members=members, orgs=orgs, form=form, errors={})


@bp.route("/transfers/inflow", methods=["GET", "POST"])
@pages.staff_required
def inflow_page():
    """Register a member arriving with a paper letter from an org outside the system."""
    orgs = orgs_in_scope(current_user)
    form = request.form
    if request.method == "POST":
        data = form.copy()
        # A checkbox is sent only when ticked; the API's field defaults to a held talk.
        data["identity_checked"] = "true" if form.get("identity_checked") == "yes" else "false"
        try:
            t = inflow.register_inflow(current_user, _load(InflowArgs, data))
        except FlowMemberError as err:
            pages.flash_error(err, LABELS)
            return render_template(
                "transfers/inflow.html", orgs=orgs, form=form, errors=err.errors or {}
            ), 422
        flash(_("The member was registered."), "success")
        return redirect(url_for(".detail", transfer_id=t.id))
    return render_template("transfers/inflow.html", orgs=orgs, form=form, errors={})


@bp.route("/transfers/<int:transfer_id>")
@pages.staff_required
def detail(transfer_id: int):
    try:
        t = queries.get_transfer(current_user, transfer_id)
    except FlowMemberError:
        abort(404)
    today = today_local()
    status = t.effective_status(today)
    allowed = allowed_actions(current_user, t, today)
    return render_template(
        "transfers/detail.html",
        t=t,
        status=status,
        allowed=allowed,
        steps=allowed & rules.WORKFLOW_STEPS,
        awaiting_committee=status == TransferStatus.approved,
        tz=LOCAL_TZ,
        handovers=queries.handovers(t),
        today=today,
    )


@bp.route("/transfers/<int:transfer_id>/<action>", methods=["POST"])
@pages.staff_required
def act(transfer_id: int, action: str):
    if action not in ACTION_FORMS:
        abort(404)
    actor = current_user
    try:
        args = _action_args(action)
        if action == "approve":
            services.approve(actor, transfer_id)
        elif action == "receive":
            services.receive(actor, transfer_id, **args)
        elif action == "return":
            services.return_letter(actor, transfer_id, **args)
        elif action == "cancel":
            services.cancel(actor, transfer_id, **args)
        elif action == "reissue":
            new = services.reissue(actor, transfer_id, **args)
            flash(_("A new letter was made."), "success")
            return redirect(url_for(".detail", transfer_id=new.id))
        else:
            inflow.record_handover(actor, transfer_id, **args)
        flash(_("Saved."), "success")
    except FlowMemberError as err:
        if err.status_code == 404:
            abort(404)
        pages.flash_error(err, LABELS)
    return redirect(url_for(".detail", transfer_id=transfer_id))


def _action_args(action: str) -> dict:
    """The action form's fields through the API's schema (the handover's items: one a line)."""
    schema = ACTION_FORMS[action]
    if schema is None:
        return {}
    data = request.form.to_dict()
    if action == "archive-handover":
        lines = (data.get("items") or "").splitlines()
        data["items"] = [line.strip() for line in lines if line.strip()]
    return _load(schema, data)


@bp.route("/transfers/<int:transfer_id>/letter")
@pages.staff_required
def letter(transfer_id: int):
    """The printable letter (an audited read: it shows the full ID number)."""
    try:
        t = letters.printable(current_user, transfer_id)
    except FlowMemberError as err:
        abort(404 if err.status_code == 404 else 409)
    return render_template(
        "transfers/letter.html", **letters.letter_context(current_user, t, reason="print page")
    )


@bp.route("/m/letters", methods=["GET", "POST"])
@pages.member_required
def my_letters():
    """The member's letters, and a form to ask for a transfer of their own relation."""
    if request.method == "POST":
        try:
            args = _load(MyTransferArgs, request.form.copy())
            services.request_transfer(current_user, **{**args, "member_id": current_user.member_id})
            flash(_("Your request was sent to your branch."), "success")
        except FlowMemberError as err:
            pages.flash_error(err, LABELS)
        return redirect(url_for(".my_letters"))
    rows = queries.member_letters(current_user.member_id)
    open_request = any(t.status in rules.TRANSITIONS["approve"] for t in rows)
    return render_template(
        "transfers/my_letters.html",
        rows=rows,
        today=today_local(),
        open_request=open_request or any(t.status == TransferStatus.issued for t in rows),
        kinds=[k.value for k in ReasonKind if k != ReasonKind.abroad_suspend],
    )
