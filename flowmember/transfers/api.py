"""Transfers: API (parse, call the service, commit, dump)."""

from __future__ import annotations

from flask import render_template
from flask.views import MethodView

from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import current_actor, current_member
from flowmember.core.idempotency import idempotent
from flowmember.extensions import db
from flowmember.transfers import inflow, letters, services
from flowmember.transfers.schemas import (
    CancelArgs,
    HandoverArgs,
    HandoverSchema,
    InflowArgs,
    LetterSchema,
    MyTransferArgs,
    ReceiveArgs,
    ReissueArgs,
    ReturnArgs,
    TransferArgs,
    TransferQueryArgs,
    TransferSchema,
)

blp = Blueprint("transfers", __name__, url_prefix="/api/v1", description="Transfers")


@blp.route("/transfers")
class Transfers(MethodView):
    @blp.arguments(TransferQueryArgs, location="query")
    @blp.response(200, TransferSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """Transfers out of and into the caller's subtree (?status=&overdue=true&direction=)"""
        return services.list_query(current_actor(), **args)

    @idempotent
    @blp.arguments(TransferArgs)
    @blp.response(201, TransferSchema)
    def post(self, args):
        """Request a transfer of a member's relation (status requested)"""
        t = services.request_transfer(current_actor(), **args)
        db.session.commit()
        return t


@blp.route("/transfers/inflow")
class Inflow(MethodView):
    @idempotent
    @blp.arguments(InflowArgs)
    @blp.response(201, TransferSchema)
    def post(self, args):
        """Register a member arriving with a paper letter from outside the system"""
        t = inflow.register_inflow(current_actor(), args)
        db.session.commit()
        return t


@blp.route("/transfers/<int:transfer_id>")
@blp.response(200, TransferSchema)
def get_transfer(transfer_id):
    """One transfer"""
    return services.get_transfer(current_actor(), transfer_id)


@blp.route("/transfers/<int:transfer_id>/approve", methods=["POST"])
@blp.response(200, TransferSchema)
def approve(transfer_id):
    """Approve (branch, then committee when leaving its tree); the last approval issues"""
    t = services.approve(current_actor(), transfer_id)
    db.session.commit()
    return t


@blp.route("/transfers/<int:transfer_id>/receive", methods=["POST"])
@blp.arguments(ReceiveArgs)
@blp.response(200, TransferSchema)
def receive(args, transfer_id):
    """Record the receipt; the member's org changes now"""
    t = services.receive(current_actor(), transfer_id, **args)
    db.session.commit()
    return t


@blp.route("/transfers/<int:transfer_id>/return", methods=["POST"])
@blp.arguments(ReturnArgs)
@blp.response(200, TransferSchema)
def return_letter(args, transfer_id):
    """Return the letter with a written reason"""
    t = services.return_letter(current_actor(), transfer_id, **args)
    db.session.commit()
    return t


@blp.route("/transfers/<int:transfer_id>/cancel", methods=["POST"])
@blp.arguments(CancelArgs)
@blp.response(200, TransferSchema)
def cancel(args, transfer_id):
    """Cancel a transfer before its receipt"""
    t = services.cancel(current_actor(), transfer_id, **args)
    db.session.commit()
    return t


@blp.route("/transfers/<int:transfer_id>/reissue", methods=["POST"])
@blp.arguments(ReissueArgs)
@blp.response(201, TransferSchema)
def reissue(args, transfer_id):
    """Re-issue a returned or expired letter as a new transfer"""
    t = services.reissue(current_actor(), transfer_id, **args)
    db.session.commit()
    return t


@blp.route("/transfers/<int:transfer_id>/archive-handover", methods=["POST"])
@blp.arguments(HandoverArgs)
@blp.response(201, HandoverSchema)
def archive_handover(args, transfer_id):
    """Record the member archive's handover (items, time, place, both handlers)"""
    row = inflow.record_handover(current_actor(), transfer_id, **args)
    db.session.commit()
    return row


@blp.route("/transfers/<int:transfer_id>/archive-handovers")
@blp.response(200, HandoverSchema(many=True))
def archive_handovers(transfer_id):
    """The archive handovers recorded for a transfer"""
    from sqlalchemy import select

    from flowmember.transfers.models import ArchiveHandover

    t = services.get_transfer(current_actor(), transfer_id)
    stmt = select(ArchiveHandover).where(ArchiveHandover.transfer_id == t.id)
    return db.session.scalars(stmt.order_by(ArchiveHandover.id)).all()


@blp.route("/transfers/<int:transfer_id>/letter")
@blp.doc(
    responses={
        "200": {
            "description": "The letter as an A4 HTML page (full ID number; audited)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        "409": {"description": "No letter in this state, or an inflow"},
    }
)
def letter(transfer_id):
    """The printable letter of introduction (stub, letter, receipt), A4 HTML; an audited read"""
    actor = current_actor()
    t = services.printable(actor, transfer_id)
    html = render_template("transfers/letter.html", **letters.letter_context(actor, t))
    db.session.commit()
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@blp.route("/me/letters")
@blp.response(200, LetterSchema(many=True))
def my_letters():
    """The member's own letters and their status"""
    return services.member_letters(current_member().id)


@blp.route("/me/transfers")
class MyTransfers(MethodView):
    @idempotent
    @blp.arguments(MyTransferArgs)
    @blp.response(201, LetterSchema)
    def post(self, args):
        """A member asks for the transfer of their own relation"""
        actor = current_actor()
        args["member_id"] = current_member().id
        t = services.request_transfer(actor, **args)
        db.session.commit()
        return t
