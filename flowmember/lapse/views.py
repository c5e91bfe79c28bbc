"""Lapse and lost contact: staff pages. Open cases with their evidence as a 12-month calendar
strip per criterion, one case with its steps and the decision and approval forms, and the list of
unreachable members with whom to ask."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import EXCLUDE

from flowmember.core import months
from flowmember.core.errors import FlowMemberError
from flowmember.core.time import LOCAL_TZ, today_local
from flowmember.lapse import services
from flowmember.lapse.schemas import LapseApprovalArgs, LapseDecisionArgs, LapseStepArgs
from flowmember.web import nav, pages

bp = pages.blueprint("lapse_pages", __name__)

nav.staff("lapse_pages.index", _l("Lapse cases"), order=60)
nav.staff("lapse_pages.unreachable", _l("Unreachable"), order=65)

CRITERION_LABELS = {
    "dues": _l("Dues"),
    "org_life": _l("Org life"),
    "reports": _l("Monthly reports"),
}
STATUS_LABELS = {
    "open": _l("Open"),
    "decided": _l("Awaiting approval"),
    "closed": _l("Closed"),
}
OUTCOME_LABELS = {
    "resolved": _l("Caught up"),
    "retained": _l("Retained by the branch"),
    "removed": _l("Removed"),
    "removal_rejected": _l("Removal not approved"),
}
STEP_LABELS = {
    "education": _l("Education"),
    "contact": _l("Contact"),
    "decision": _l("Branch decision"),
    "approval": _l("Committee approval"),
    "resolved": _l("Caught up"),
}
PROPOSAL_LABELS = {
    "suspension": _l("Suspension"),
    "probation_loss": _l("Loss of probationary status"),
    "removal": _l("Removal"),
}
DECISION_LABELS = {"remove": _l("Remove"), "retain": _l("Retain")}
ESCALATION_LABELS = {
    "introducer": _l("Introducer"),
    "university": _l("University / class teacher"),
    "family": _l("Family"),
    "employer": _l("Employer"),
}
#: The case page's forms: which action loads which of the API's schemas, and the service it calls.
ACTIONS = {
    "step": (LapseStepArgs, services.add_step),
    "decision": (LapseDecisionArgs, services.decide),
    "approval": (LapseApprovalArgs, services.approve),
}
#: Field names in error messages, as the forms label them.
FORM_LABELS = {
    "kind": _l("Kind"),
    "note": _l("Note"),
    "decision": _l("Decision"),
    "meeting_on": _l("Meeting date"),
    "reason": _l("Reason"),
    "approved": _l("Higher committee approval"),
}


@bp.app_context_processor
def lapse_labels():
    return {
        "lapse_criterion_label": lambda c: CRITERION_LABELS[c],
        "lapse_status_label": lambda s: STATUS_LABELS[getattr(s, "value", s)],
        "lapse_outcome_label": lambda o: OUTCOME_LABELS[getattr(o, "value", o)] if o else "",
        "lapse_step_label": lambda k: STEP_LABELS.get(k, k),
        "escalation_label": lambda k: ESCALATION_LABELS[getattr(k, "value", k)],
        "proposal_label": lambda k: PROPOSAL_LABELS[getattr(k, "value", k)],
        "decision_label": lambda d: DECISION_LABELS.get(d, d),
    }


def strip(case, last: int) -> list[dict]:
    """Per criterion: the 12 months up to ``last``, each marked when it is evidence."""
    window = list(months.span(last - 11, last))
    rows = []
    for criterion in CRITERION_LABELS:
        evidence = set(case.months_of(criterion))
        rows.append(
            {
                "criterion": criterion,
                "count": len(evidence),
                "months": [
                    {
                        "label": months.to_str(m),
                        "short": str(months.year_month(m)[1]),
                        "missed": m in evidence,
                    }
                    for m in window
                ],
            }
        )
    return rows


def _strip_end(case) -> int:
    ends = [getattr(case, f"{c}_to") for c in CRITERION_LABELS]
    ends = [e for e in ends if e is not None]
    return max(ends) if ends else months.of(case.opened_on) - 1


@bp.route("/lapse")
@pages.staff_required
def index():
    status = request.args.get("status", "open")
    if status not in STATUS_LABELS:
        status = "open"
    page = pages.paginate(services.cases_query(current_user, status=status))
    rows = [{"case": c, "strip": strip(c, _strip_end(c))} for c in page.items]
    return render_template(
        "lapse/index.html", rows=rows, status=status, tabs=STATUS_LABELS, page=page
    )


@bp.route("/lapse/<int:case_id>", methods=["GET", "POST"])
@pages.staff_required
def detail(case_id: int):
    case = services.get_case(current_user, case_id)
    if request.method == "POST":
        action = ACTIONS.get(request.form.get("action", ""))
        if action is not None:
            schema, service = action
            try:
                service(current_user, case.id, **pages.load_form(schema, unknown=EXCLUDE))
                flash(_("Saved."), "success")
            except FlowMemberError as error:
                pages.flash_error(error, FORM_LABELS)  # and the request rolls back
        return redirect(url_for("lapse_pages.detail", case_id=case_id))
    return render_template(
        "lapse/detail.html",
        case=case,
        member=case.member,
        strip=strip(case, _strip_end(case)),
        # What the services would allow: a removal needs an education or contact step first
        # (DOMAIN §8); retaining does not.
        allowed=services.allowed_actions(current_user, case),
        today=today_local(),
        local_tz=LOCAL_TZ,
    )


@bp.route("/lapse/unreachable")
@pages.staff_required
def unreachable():
    return render_template(
        "lapse/unreachable.html",
        rows=services.unreachable(current_user),
        months=months,
        local_tz=LOCAL_TZ,
    )
