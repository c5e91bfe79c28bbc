"""Lapse and lost contact: API. Each request is one transaction (committed by the request hook,
:mod:`flowmember.core.transaction`)."""

from __future__ import annotations

import csv
import io

from flask import Response
from flask.views import MethodView
from openpyxl import Workbook

from flowmember.core import sheets
from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import STAFF, WRITE_ROLES, current_actor, roles
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.lapse import services, sweeps
from flowmember.lapse.schemas import (
    ContactCountsSchema,
    EscalationArgs,
    EscalationSchema,
    LapseApprovalArgs,
    LapseCaseDetailSchema,
    LapseCaseQueryArgs,
    LapseCaseSchema,
    LapseCountsSchema,
    LapseDecisionArgs,
    LapseExportArgs,
    LapseStepArgs,
    LapseStepSchema,
    LapseSweepArgs,
    OrgGapArgs,
    OrgGapSchema,
    StatusDecisionArgs,
    StatusProposalQueryArgs,
    StatusProposalSchema,
    StatusReasonArgs,
    StatusRequestSchema,
    UnreachableSchema,
    ValidReasonArgs,
    ValidReasonSchema,
)

blp = Blueprint("lapse", __name__, url_prefix="/api/v1", description="Lapse and lost contact")


# --- sweeps ------------------------------------------------------------------------------------


@blp.route("/sweeps/lapse", methods=["POST"])
@roles("admin")
@blp.arguments(LapseSweepArgs)
@blp.response(200, LapseCountsSchema)
def sweep_lapse(args):
    """Run the six-month lapse sweep now (admin); as_of defaults to today"""
    return sweeps.run_lapse_sweep(args.get("as_of") or today_local())


@blp.route("/sweeps/contact", methods=["POST"])
@roles("admin")
@blp.arguments(LapseSweepArgs)
@blp.response(200, ContactCountsSchema)
def sweep_contact(args):
    """Run the lost-contact sweep now (admin); as_of defaults to today"""
    return sweeps.run_contact_sweep(args.get("as_of") or today_local())


# --- cases -------------------------------------------------------------------------------------


@blp.route("/lapse-cases")
@roles(*STAFF)
@blp.arguments(LapseCaseQueryArgs, location="query")
@blp.response(200, LapseCaseSchema(many=True))
@blp.paginate(QueryPage)
def list_cases(args):
    """Lapse cases in the caller's subtree (status=open|decided|closed, org_id, member_id)"""
    return services.cases_query(current_actor(), **args)


EXPORT_COLUMNS = (
    "id",
    "member_id",
    "member",
    "org_id",
    "opened_on",
    "status",
    "outcome",
    "dues",
    "org_life",
    "reports",
    "decision",
    "meeting_on",
    "closed_on",
)


def _export_rows(cases):
    for c in cases:
        crit = c.criteria
        yield [
            c.id,
            c.member_id,
            c.member.name,
            c.org_id,
            c.opened_on.isoformat(),
            c.status.value,
            c.outcome.value if c.outcome else "",
            " ".join(crit["dues"]),
            " ".join(crit["org_life"]),
            " ".join(crit["reports"]),
            c.decision or "",
            c.meeting_on.isoformat() if c.meeting_on else "",
            c.closed_on.isoformat() if c.closed_on else "",
        ]


@blp.route("/lapse-cases/export")
@roles(*STAFF)
@blp.arguments(LapseExportArgs, location="query")
def export_cases(args):
    """The filtered cases as a CSV or XLSX file (format=csv|xlsx)"""
    fmt = args.pop("format")
    cases = db.session.scalars(services.cases_query(current_actor(), **args)).all()
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "lapse cases"
        sheet.append(sheets.row(EXPORT_COLUMNS))
        for row in _export_rows(cases):
            sheet.append(sheets.row(row))
        buffer = io.BytesIO()
        book.save(buffer)
        return Response(
            buffer.getvalue(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": "attachment; filename=lapse-cases.xlsx"},
        )
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(sheets.row(EXPORT_COLUMNS))
    writer.writerows(sheets.row(row) for row in _export_rows(cases))
    return Response(
        "\ufeff" + text.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=lapse-cases.csv"},
    )


@blp.route("/lapse-cases/<int:case_id>")
@roles(*STAFF)
@blp.response(200, LapseCaseDetailSchema)
def get_case(case_id):
    """One case with its steps"""
    return services.get_case(current_actor(), case_id)


@blp.route("/lapse-cases/<int:case_id>/steps", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(LapseStepArgs)
@blp.response(201, LapseStepSchema)
def add_step(args, case_id):
    """Record an education or contact step"""
    return services.add_step(current_actor(), case_id, **args)


@blp.route("/lapse-cases/<int:case_id>/decision", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(LapseDecisionArgs)
@blp.response(200, LapseCaseDetailSchema)
def decide(args, case_id):
    """The branch member meeting's decision: remove or retain"""
    return services.decide(current_actor(), case_id, **args)


@blp.route("/lapse-cases/<int:case_id>/approval", methods=["POST"])
@roles("admin")
@blp.arguments(LapseApprovalArgs)
@blp.response(200, LapseCaseDetailSchema)
def approve(args, case_id):
    """The higher committee's approval of a removal (admin of a higher org)"""
    return services.approve(current_actor(), case_id, **args)


@blp.route("/lapse/org-gaps")
@roles(*STAFF)
@blp.arguments(OrgGapArgs, location="query")
@blp.response(200, OrgGapSchema(many=True))
def org_gaps(args):
    """Orgs that held no org life in some judged month (those months cannot fault members)"""
    return services.org_gaps(current_actor(), args.get("as_of") or today_local())


# --- valid reasons, escalation contacts, lost contact -------------------------------------------


@blp.route("/members/<int:member_id>/valid-reasons")
class ValidReasons(MethodView):
    @roles(*STAFF)
    @blp.response(200, ValidReasonSchema(many=True))
    def get(self, member_id):
        """Recorded illness and leave"""
        return services.valid_reasons(current_actor(), member_id)

    @roles(*WRITE_ROLES)
    @blp.arguments(ValidReasonArgs)
    @blp.response(201, ValidReasonSchema)
    def post(self, args, member_id):
        """Record illness or approved leave (months that never count for lapse)"""
        return services.add_valid_reason(current_actor(), member_id, **args)


@blp.route("/members/<int:member_id>/escalation-contacts")
class EscalationContacts(MethodView):
    @roles(*STAFF)
    @blp.response(200, EscalationSchema(many=True))
    def get(self, member_id):
        """Introducers, university, family, employer"""
        return services.escalation_contacts(current_actor(), member_id)

    @roles(*WRITE_ROLES)
    @blp.arguments(EscalationArgs)
    @blp.response(201, EscalationSchema)
    def post(self, args, member_id):
        """Add an escalation contact"""
        return services.add_escalation_contact(current_actor(), member_id, args)


@blp.route("/lapse/unreachable")
@roles(*STAFF)
@blp.response(200, UnreachableSchema(many=True))
def unreachable():
    """Members flagged unreachable, with whom to ask"""
    return services.unreachable(current_actor())


@blp.route("/status-proposals")
@roles(*STAFF)
@blp.arguments(StatusProposalQueryArgs, location="query")
@blp.response(200, StatusProposalSchema(many=True))
def list_proposals(args):
    """Open proposals of the contact sweep: suspension, loss of probation, removal"""
    return services.proposals(current_actor(), kind=args.get("kind"))


def _request(kind: str, member_id: int, args):
    return services.request_status(current_actor(), member_id, kind, args["reason"])


def _decide(kind: str, member_id: int, args, approved: bool):
    return services.decide_status_request(
        current_actor(), member_id, kind, approved=approved, note=args.get("note")
    )


@blp.route("/members/<int:member_id>/suspension", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(StatusReasonArgs)
@blp.response(201, StatusRequestSchema)
def request_suspension(args, member_id):
    """Branch decision to suspend (停止党籍); pending approval by a higher committee. For a
    probationary member the request is filed as the loss of probationary status
    (``kind: probation_loss``)"""
    return _request("suspension", member_id, args)


@blp.route("/members/<int:member_id>/suspension/approve", methods=["POST"])
@roles("admin")
@blp.arguments(StatusDecisionArgs)
@blp.response(200, StatusRequestSchema)
def approve_suspension(args, member_id):
    """Approval by an admin of a strictly higher committee: the member becomes suspended (or, for
    a probation-loss request, removed)"""
    return _decide("suspension", member_id, args, True)


@blp.route("/members/<int:member_id>/suspension/reject", methods=["POST"])
@roles("admin")
@blp.arguments(StatusDecisionArgs)
@blp.response(200, StatusRequestSchema)
def reject_suspension(args, member_id):
    """Committee refusal of a suspension"""
    return _decide("suspension", member_id, args, False)


@blp.route("/members/<int:member_id>/restoration", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(StatusReasonArgs)
@blp.response(201, StatusRequestSchema)
def request_restoration(args, member_id):
    """A suspended member's written application to be restored (within 2 years)"""
    return _request("restoration", member_id, args)


@blp.route("/members/<int:member_id>/restoration/approve", methods=["POST"])
@roles("admin")
@blp.arguments(StatusDecisionArgs)
@blp.response(200, StatusRequestSchema)
def approve_restoration(args, member_id):
    """Committee approval: the member is active again"""
    return _decide("restoration", member_id, args, True)


@blp.route("/members/<int:member_id>/restoration/reject", methods=["POST"])
@roles("admin")
@blp.arguments(StatusDecisionArgs)
@blp.response(200, StatusRequestSchema)
def reject_restoration(args, member_id):
    """Committee refusal of a restoration"""
    return _decide("restoration", member_id, args, False)


@blp.route("/members/<int:member_id>/probation-loss", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(StatusReasonArgs)
@blp.response(201, StatusRequestSchema)
def request_probation_loss(args, member_id):
    """Branch decision that a probationary member who cannot be found loses probationary status
    (取消预备党员资格); pending approval by a higher committee. ``/suspension`` files the same
    request for a probationary member"""
    return _request("probation_loss", member_id, args)


@blp.route("/members/<int:member_id>/probation-loss/approve", methods=["POST"])
@roles("admin")
@blp.arguments(StatusDecisionArgs)
@blp.response(200, StatusRequestSchema)
def approve_probation_loss(args, member_id):
    """Approval by a higher committee: the member is removed (probationary status cancelled)"""
    return _decide("probation_loss", member_id, args, True)


@blp.route("/members/<int:member_id>/probation-loss/reject", methods=["POST"])
@roles("admin")
@blp.arguments(StatusDecisionArgs)
@blp.response(200, StatusRequestSchema)
def reject_probation_loss(args, member_id):
    """Refusal by a higher committee: the member stays"""
    return _decide("probation_loss", member_id, args, False)


@blp.route("/members/<int:member_id>/removal", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.arguments(StatusReasonArgs)
@blp.response(201, StatusRequestSchema)
def request_removal(args, member_id):
    """Branch decision to remove a member suspended 2 years or more and still out of contact
    (self-lapsed); pending approval by a higher committee"""
    return _request("removal", member_id, args)


@blp.route("/members/<int:member_id>/removal/approve", methods=["POST"])
@roles("admin")
@blp.arguments(StatusDecisionArgs)
@blp.response(200, StatusRequestSchema)
def approve_removal(args, member_id):
    """Approval by a higher committee: the member is removed"""
    return _decide("removal", member_id, args, True)


@blp.route("/members/<int:member_id>/removal/reject", methods=["POST"])
@roles("admin")
@blp.arguments(StatusDecisionArgs)
@blp.response(200, StatusRequestSchema)
def reject_removal(args, member_id):
    """Refusal by a higher committee: the member stays suspended"""
    return _decide("removal", member_id, args, False)
