"""Lapse and lost contact: staff pages. Open cases with their evidence as a 12-month calendar
strip per criterion, one case with its steps and the decision and approval forms, and the list of
unreachable members with whom to ask."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from flowmember.core import months
from flowmember.core.errors import FlowMemberError, ValidationError
from flowmember.core.time import LOCAL_TZ, today_local
from flowmember.extensions import csrf, db
from flowmember.lapse import services
from flowmember.lapse.models import CaseStatus
from flowmember.web import nav
from flowmember.web.auth import staff_required

bp = Blueprint("lapse_pages", __name__)

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


@bp.before_request
def protect_forms():
    if request.method == "POST":
        csrf.protect()


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
@staff_required
def index():
    status = request.args.get("status", "open")
    if status not in STATUS_LABELS:
        status = "open"
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = services.cases_query(current_user, status=status).limit(51).offset((page - 1) * 50)
    cases = db.session.scalars(stmt).all()
    rows = [{"case": c, "strip": strip(c, _strip_end(c))} for c in cases[:50]]
    return render_template(
        "lapse/index.html",
        rows=rows,
        status=status,
        tabs=STATUS_LABELS,
        page=page,
        has_next=len(cases) > 50,
    )


@bp.route("/lapse/<int:case_id>", methods=["GET", "POST"])
@staff_required
def detail(case_id: int):
    case = services.get_case(current_user, case_id)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "step":
                services.add_step(
                    current_user,
                    case.id,
                    kind=request.form.get("kind", ""),
                    note=request.form.get("note") or None,
                )
            elif action == "decision":
                services.decide(
                    current_user,
                    case.id,
                    decision=request.form.get("decision", ""),
                    meeting_on=_date(request.form.get("meeting_on"), "meeting_on"),
                    reason=request.form.get("reason", ""),
                )
            elif action == "approval":
                services.approve(
                    current_user,
                    case.id,
                    approved=request.form.get("approved") == "yes",
                    note=request.form.get("note") or None,
                )
            db.session.commit()
            flash(_("Saved."), "success")
        except FlowMemberError as error:
            db.session.rollback()
            flash(_error_text(error), "error")
        return redirect(url_for("lapse_pages.detail", case_id=case_id))
    member = case.member
    return render_template(
        "lapse/detail.html",
        case=case,
        member=member,
        strip=strip(case, _strip_end(case)),
        can_decide=current_user.role in ("admin", "secretary") and case.status == CaseStatus.open,
        # A removal needs an education or contact step first (DOMAIN §8); retaining does not.
        can_remove=any(step.kind in services.STEP_KINDS for step in case.steps),
        can_approve=case.status == CaseStatus.decided
        and services.is_higher_admin(current_user, member.org_id),
        today=today_local(),
        local_tz=LOCAL_TZ,
    )


def _date(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise ValidationError({field: [_("Not a date.")]}) from None


def _error_text(error: FlowMemberError) -> str:
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (error.errors or {}).items())
    if isinstance(error, ValidationError):
        return details or str(error.message)
    return f"{error.message} {details}".strip()


@bp.route("/lapse/unreachable")
@staff_required
def unreachable():
    members = services.unreachable_members(current_user)
    contacts = services.contacts_by_member([m.id for m in members])
    proposals = {}
    for p in services.proposals(current_user):
        proposals.setdefault(p.member_id, []).append(p)
    return render_template(
        "lapse/unreachable.html",
        members=members,
        contacts=contacts,
        proposals=proposals,
        months=months,
        local_tz=LOCAL_TZ,
    )
