"""Transfers: API (parse, call the service, dump). The request commits or rolls back in one
place (:mod:`flowmember.core.transaction`)."""

from __future__ import annotations

from flask import render_template
from flask.views import MethodView

from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import current_actor, current_member
from flowmember.core.idempotency import idempotent
from flowmember.transfers import inflow, letters, queries, services
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
    TransferDetailSchema,
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
        return queries.list_query(current_actor(), **args)

    @idempotent
    @blp.arguments(TransferArgs)
    @blp.response(201, TransferSchema)
    def post(self, args):
        """Request a transfer of a member's relation (status requested)"""
        return services.request_transfer(current_actor(), **args)


@blp.route("/transfers/inflow")
class Inflow(MethodView):
    @idempotent
    @blp.arguments(InflowArgs)
    @blp.response(201, TransferSchema)
    def post(self, args):
        """Register a member arriving with a paper letter from outside the system"""
        return inflow.register_inflow(current_actor(), args)


@blp.route("/transfers/<int:transfer_id>")
@blp.response(200, TransferDetailSchema)
def get_transfer(transfer_id):
    """One transfer, with the steps the caller may take on it (``allowed_actions``)"""
    return queries.get_transfer(current_actor(), transfer_id)


@blp.route("/transfers/<int:transfer_id>/approve", methods=["POST"])
@blp.response(200, TransferSchema)
def approve(transfer_id):
    """Approve (branch, then committee when leaving its tree); the last approval issues"""
    return services.approve(current_actor(), transfer_id)


@blp.route("/transfers/<int:transfer_id>/receive", methods=["POST"])
@blp.arguments(ReceiveArgs)
@blp.response(200, TransferSchema)
def receive(args, transfer_id):
    """Record the receipt; the member's org changes now"""
    return services.receive(current_actor(), transfer_id, **args)


@blp.route("/transfers/<int:transfer_id>/return", methods=["POST"])
@blp.arguments(ReturnArgs)
@blp.response(200, TransferSchema)
def return_letter(args, transfer_id):
    """Return the letter with a written reason"""
    return services.return_letter(current_actor(), transfer_id, **args)


@blp.route("/transfers/<int:transfer_id>/cancel", methods=["POST"])
@blp.arguments(CancelArgs)
@blp.response(200, TransferSchema)
def cancel(args, transfer_id):
    """Cancel a transfer before its receipt"""
    return services.cancel(current_actor(), transfer_id, **args)


@blp.route("/transfers/<int:transfer_id>/reissue", methods=["POST"])
@blp.arguments(ReissueArgs)
@blp.response(201, TransferSchema)
def reissue(args, transfer_id):
    """Re-issue a returned or expired letter as a new transfer"""
    return services.reissue(current_actor(), transfer_id, **args)


@blp.route("/transfers/<int:transfer_id>/archive-handover", methods=["POST"])
@blp.arguments(HandoverArgs)
@blp.response(201, HandoverSchema)
def archive_handover(args, transfer_id):
    """Record the member archive's handover (items, time, place, both handlers)"""
    return inflow.record_handover(current_actor(), transfer_id, **args)


@blp.route("/transfers/<int:transfer_id>/archive-handovers")
@blp.response(200, HandoverSchema(many=True))
def archive_handovers(transfer_id):
    """The archive handovers recorded for a transfer"""
    return queries.handovers(queries.get_transfer(current_actor(), transfer_id))


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
    t = letters.printable(actor, transfer_id)
    html = render_template("transfers/letter.html", **letters.letter_context(actor, t))
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@blp.route("/me/letters")
@blp.response(200, LetterSchema(many=True))
def my_letters():
    """The member's own letters and their status"""
    return queries.member_letters(current_member().id)


@blp.route("/me/transfers")
class MyTransfers(MethodView):
    @idempotent
    @blp.arguments(MyTransferArgs)
    @blp.response(201, LetterSchema)
    def post(self, args):
        """A member asks for the transfer of their own relation"""
        actor = current_actor()
        args["member_id"] = current_member().id
        return services.request_transfer(actor, **args)
