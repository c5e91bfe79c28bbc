"""Member ledger: pages. Staff: the ledger with filters, a member, the create/edit form, the
import with its preview. Members (phone first): activation, profile, location consent.

Pages read and write through the same queries, schemas and services as the API
(:mod:`flowmember.members.queries`, :mod:`flowmember.members.schemas`,
:mod:`flowmember.members.services`); the request commits or rolls back
(:mod:`flowmember.core.transaction`)."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from marshmallow import EXCLUDE

from flowmember.core import months
from flowmember.core.auth import WRITE_ROLES
from flowmember.core.errors import FlowMemberError
from flowmember.core.phones import format_phone
from flowmember.core.time import today_local
from flowmember.extensions import db, limiter
from flowmember.members import consent as consent_texts
from flowmember.members import divisions, ledger_io, queries, services
from flowmember.members.models import Category, Gender, Member, MemberStatus, Stage
from flowmember.members.schemas import (
    ActivateArgs,
    ConsentArgs,
    ExemptionArgs,
    MeLocationArgs,
    MemberArgs,
    MemberPatchArgs,
    MemberQueryArgs,
    ReasonArgs,
    StatusEventArgs,
)
from flowmember.members.services import MemberInput
from flowmember.orgs.services import orgs_in_scope
from flowmember.web import nav
from flowmember.web.pages import (
    blueprint,
    flash_error,
    has_role,
    load_form,
    member_required,
    paginate,
    roles_required,
    staff_required,
)

bp = blueprint("members_pages", __name__)

nav.staff("members_pages.index", _l("Members"), order=10)
nav.member("members_pages.profile", _l("My profile"), order=10)
nav.member("members_pages.consent", _l("Location consent"), order=90)

GENDER_LABELS = {Gender.male: _l("Male"), Gender.female: _l("Female")}
CATEGORY_LABELS = {
    Category.graduate: _l("Graduate"),
    Category.migrant: _l("Migrant worker"),
    Category.inflow: _l("Inflow member"),
    Category.other: _l("Other"),
}
STAGE_LABELS = {Stage.full: _l("Full member"), Stage.probationary: _l("Probationary member")}
STATUS_LABELS = {
    MemberStatus.active: _l("Active"),
    MemberStatus.transferred_out: _l("Transferred out"),
    MemberStatus.suspended: _l("Suspended"),
    MemberStatus.removed: _l("Removed"),
    MemberStatus.deceased: _l("Deceased"),
}
FLAG_LABELS = {
    "lapse_risk": _l("Lapse risk"),
    "unreachable": _l("Unreachable"),
    "exempt": _l("Exempt"),
    "no_login": _l("No login yet"),
}
PAPER_LABELS = {
    "none": _l("Not away"),
    "certificate_letter": _l("Certificate letter (if needed)"),
    "activity_certificate": _l("Mobile-member activity certificate"),
    "transfer": _l("Formal transfer of the membership relation"),
    "report_home": _l("Relation stays home; report twice a year"),
}
PROBLEM_LABELS = {
    "activity_certificate_missing": _l("No activity certificate recorded"),
    "transfer_missing": _l("Away over 6 months at a fixed place with no transfer"),
    "reports_missing": _l("No report to the home branch in the last 6 months"),
}
FORM_FIELDS = [
    "name",
    "gender",
    "id_number",
    "birth_date",
    "ethnicity",
    "phone",
    "email",
    "category",
    "stage",
    "joined_on",
    "full_on",
    "org_id",
    "home_org_id",
    "home_org_name",
    "employer",
    "university",
    "graduation_year",
    "away_since",
    "away_paper",
    "away_paper_on",
    # Months carried over from the paper ledger (DOMAIN §8), shown as YYYY-MM.
    *services.COUNTING_FIELDS,
]


#: Inputs a blank leaves unchanged on an edit (a blank in the others clears the field).
KEPT_WHEN_BLANK = ("name", "gender", "id_number", "phone", "category", "stage")
#: Field names as the reader sees them, for error messages.
FIELD_LABELS = {
    "q": _l("Name or phone"),
    "org_id": _l("Organisation"),
    "category": _l("Category"),
    "stage": _l("Stage"),
    "status": _l("Status"),
    "flag": _l("Flag"),
    "on": _l("Effective on"),
    "reason": _l("Reason"),
    "starts_on": _l("From"),
    "ends_on": _l("To (optional)"),
    "file": _l("File"),
    "code": _l("Activation code"),
    "password": _l("Password"),
    "phone": _l("Phone"),
    "id_number": _l("ID number"),
    "location": _l("Location"),
    "province_code": _l("Province"),
    "city_code": _l("City"),
    "district_code": _l("District (optional)"),
    "location.province_code": _l("Province"),
    "location.city_code": _l("City"),
    "location.district_code": _l("District (optional)"),
}


@bp.app_context_processor
def member_labels():
    return {
        "gender_labels": GENDER_LABELS,
        "category_labels": CATEGORY_LABELS,
        "stage_labels": STAGE_LABELS,
        "member_status_labels": STATUS_LABELS,
        "member_flag_labels": FLAG_LABELS,
        "paper_labels": PAPER_LABELS,
        "paper_problem_labels": PROBLEM_LABELS,
        "location_label": divisions.label,
        "phone_display": format_phone,
        "month_str": months.to_str,
    }


@bp.context_processor
def permissions():
    """What the ledger's pages offer the user (the services decide what they may do)."""
    return {"can_write": has_role(*WRITE_ROLES)}


# --- staff: the ledger ------------------------------------------------------------------------


@bp.route("/members")
@staff_required
def index():
    try:
        filters = load_form(MemberQueryArgs, request.args, unknown=EXCLUDE)
        page = paginate(queries.member_query(current_user, filters))
    except FlowMemberError as err:
        flash_error(err, FIELD_LABELS)
        return redirect(url_for("members_pages.index"))
    return render_template(
        "members/index.html",
        page=page,
        args=MemberQueryArgs().dump(filters),
        orgs=orgs_in_scope(current_user),
    )


def _detail_page(member: Member, full_id: str | None = None):
    today = today_local()
    return render_template(
        "members/detail.html",
        m=member,
        events=services.status_events(member.id),
        exemptions=services.exemptions(member.id),
        exempt_now=services.is_exempt(member.id, months.of(today)),
        consent=services.latest_consent(member.id),
        paper=services.paperwork([member], today)[0],
        today=today,
        full_id=full_id,
        statuses=services.editable_statuses(member),
    )


@bp.route("/members/<int:member_id>")
@staff_required
def detail(member_id: int):
    return _detail_page(queries.get_member(current_user, member_id))


ACTIONS = ("status", "exemption", "invitation", "id-number")


@bp.route("/members/<int:member_id>/<action>", methods=["POST"])
@roles_required(*WRITE_ROLES)
def act(member_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    member = queries.get_member(current_user, member_id)
    try:
        if action == "id-number":
            args = load_form(ReasonArgs, unknown=EXCLUDE)
            full_id = services.read_id_number(current_user, member, args["reason"])
            return _detail_page(member, full_id=full_id)
        flash(_act(action, member), "success")
    except FlowMemberError as err:  # a refused action leaves nothing behind (flash_error)
        flash_error(err, FIELD_LABELS)
    return redirect(url_for("members_pages.detail", member_id=member.id))


def _act(action: str, member: Member) -> str:
    """Do a change the member page offers; the message that says it was done."""
    if action == "status":
        form = request.form.to_dict()
        form["on"] = form.get("on") or today_local().isoformat()
        args = load_form(StatusEventArgs, form, unknown=EXCLUDE)
        services.edit_status(
            current_user, member, args["status"], on=args["on"], reason=args["reason"]
        )
        return _("Status changed.")
    if action == "exemption":
        services.add_exemption(current_user, member, **load_form(ExemptionArgs, unknown=EXCLUDE))
        return _("Exemption recorded.")
    code, invitation = services.create_invitation(current_user, member)
    return _(
        "Activation code for the member: %(code)s (valid until %(date)s; shown once).",
        code=code,
        date=invitation.expires_at.date().isoformat(),
    )


# --- staff: create and edit ---------------------------------------------------------------------


def _member_form(*, partial: bool) -> MemberInput:
    """The member form through the API's schema (``MemberArgs``; on an edit ``MemberPatchArgs``,
    where a blank clears a field unless it is one of :data:`KEPT_WHEN_BLANK`)."""
    form = request.form
    raw = {k: form.get(k, "").strip() for k in FORM_FIELDS if k in form}
    data: dict = {k: v for k, v in raw.items() if v != ""}
    if partial:
        data.update({k: None for k, v in raw.items() if v == "" and k not in KEPT_WHEN_BLANK})
    data["retired"] = form.get("retired") == "on"
    if form.get("city_code"):
        data["location"] = {
            "province_code": form.get("province_code", ""),
            "city_code": form.get("city_code", ""),
            "district_code": form.get("district_code") or None,
        }
    schema = MemberPatchArgs if partial else MemberArgs
    return load_form(schema, data, blank_is_missing=False, partial=partial)


def _field_errors(err: FlowMemberError) -> dict[str, list]:
    """An error as the form shows it: problems by input name (``location.city_code`` for the
    location's parts), or one line for the whole form."""
    errors: dict[str, list] = {}
    for key, problems in (err.errors or {}).items():
        if isinstance(problems, dict):
            for sub, sub_problems in problems.items():
                errors[f"{key}.{sub}"] = sub_problems
        else:
            errors[key] = problems
    return errors or {"form": [err.message]}


def _options() -> dict:
    return {
        "gender": [(k.value, v) for k, v in GENDER_LABELS.items()],
        "category": [(k.value, v) for k, v in CATEGORY_LABELS.items()],
        "stage": [(k.value, v) for k, v in STAGE_LABELS.items()],
        "orgs": [(o.id, o.name) for o in orgs_in_scope(current_user)],
    }


def _form_page(member: Member | None, values: dict, errors: dict, status: int = 200):
    province = values.get("province_code") or (member.province_code if member else None)
    city = values.get("city_code") or (member.city_code if member else None)
    return (
        render_template(
            "members/form.html",
            m=member,
            values=values,
            errors=errors,
            options=_options(),
            provinces=divisions.provinces(),
            cities=divisions.cities(province) if province else [],
            districts=divisions.districts(city) if city else [],
        ),
        status,
    )


@bp.route("/members/new", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def new():
    if request.method == "GET":
        return _form_page(None, {"org_id": current_user.org_id}, {})
    try:
        member = services.create_member(current_user, _member_form(partial=False))
    except FlowMemberError as err:
        return _form_page(None, request.form.to_dict(), _field_errors(err), 422)
    flash(_("Member added."), "success")
    return redirect(url_for("members_pages.detail", member_id=member.id))


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def edit(member_id: int):
    member = queries.get_member(current_user, member_id)
    if request.method == "GET":
        values = {k: getattr(member, k) for k in FORM_FIELDS if hasattr(Member, k)}
        for key, column in services.COUNTING_FIELDS.items():
            values[key] = months.to_str(getattr(member, column))
        values["retired"] = member.retired
        values["id_number"] = ""  # kept unless retyped
        return _form_page(member, values, {})
    try:
        services.update_member(current_user, member, _member_form(partial=True))
    except FlowMemberError as err:
        return _form_page(member, request.form.to_dict(), _field_errors(err), 422)
    flash(_("Saved."), "success")
    return redirect(url_for("members_pages.detail", member_id=member.id))


# --- staff: import ------------------------------------------------------------------------------


def _import_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_path(token: str) -> Path | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    for suffix in (".xlsx", ".csv"):
        candidate = _import_dir() / f"{token}{suffix}"
        if candidate.exists():
            return candidate
    return None


@bp.route("/members/import", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def import_page():
    orgs = orgs_in_scope(current_user)
    if request.method == "GET":
        return render_template("members/import.html", report=None, orgs=orgs)
    org_id = request.form.get("org_id", type=int)
    token = request.form.get("token", "")
    confirm = request.form.get("confirm") == "1"
    path = _upload_path(token) if token else None
    if path is None:
        upload = request.files.get("file")
        suffix = Path(upload.filename or "").suffix.lower() if upload else ""
        if not upload or suffix not in (".xlsx", ".csv"):
            flash(_("Choose an .xlsx or .csv file."), "error")
            return render_template("members/import.html", report=None, orgs=orgs), 422
        token = f"{current_user.id}-{secrets.token_urlsafe(12)}"
        path = _import_dir() / f"{token}{suffix}"
        upload.save(path)
        confirm = False
    try:
        # A preview is a dry run: it writes nothing.
        report = ledger_io.import_members(
            current_user, path, dry_run=not confirm, default_org_id=org_id
        )
    except FlowMemberError as err:
        flash_error(err, FIELD_LABELS)
        return render_template("members/import.html", report=None, orgs=orgs), 422
    if confirm:
        flash(
            _(
                "Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged; "
                "%(rejected)s rejected.",
                created=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
                rejected=len(report.rejected),
            ),
            "success",
        )
    return render_template(
        "members/import.html",
        report=report,
        token=token,
        org_id=org_id,
        confirmed=confirm,
        orgs=orgs,
        preview=report.accepted[:100],
    )


@bp.route("/members/import/<token>/rejected")
@staff_required
def rejected_file(token: str):
    if not token.startswith(f"{current_user.id}-"):
        abort(404)
    path = _upload_path(token)
    if path is None:
        abort(404)
    rejected = ledger_io.rejected_path_for(path)
    if not rejected.exists():
        abort(404)
    return send_file(rejected, as_attachment=True, download_name=f"rejected{rejected.suffix}")


@bp.route("/members/import-template.xlsx")
@staff_required
def import_template():
    path = _import_dir() / "member-import-template.xlsx"
    ledger_io.write_template(path)
    return send_file(path, as_attachment=True, download_name="member-import-template.xlsx")


@bp.route("/members/export.xlsx")
@roles_required(*WRITE_ROLES)
def export():
    """The ledger of the user's subtree as .xlsx (full ID numbers: admin and secretary; audited)."""
    path = _import_dir() / f"export-{current_user.id}-{secrets.token_hex(6)}.xlsx"
    ledger_io.export_members(current_user, path)
    data = path.read_bytes()
    path.unlink()
    return current_app.response_class(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=members.xlsx"},
    )


@bp.route("/members/paperwork")
@staff_required
def paperwork():
    rows = services.paperwork_mismatches(current_user, today_local())
    return render_template("members/paperwork.html", rows=rows, today=today_local())


# --- member pages ---------------------------------------------------------------------------------


@bp.route("/m/activate", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def activate():
    if request.method == "GET":
        return render_template("members/activate.html", code=request.args.get("code", ""))
    code = request.form.get("code", "")
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        flash(_("The two passwords differ."), "error")
        return render_template("members/activate.html", code=code), 422
    try:
        args = load_form(ActivateArgs, {"code": code, "password": password})
        # The password as typed: the form loader trims inputs, a password keeps its spaces.
        user = services.activate(args["code"], password)
    except FlowMemberError as err:
        flash_error(err, FIELD_LABELS)
        return render_template("members/activate.html", code=code), 422
    login_user(user)
    flash(_("Your login is ready: sign in with your phone number %(phone)s.", phone=user.username))
    return redirect(url_for("members_pages.consent"))


def _me() -> Member:
    member = db.session.get(Member, current_user.member_id)
    if member is None:
        abort(404)
    return member


@bp.route("/m/profile", methods=["GET", "POST"])
@member_required
def profile():
    member = _me()
    status = 200
    if request.method == "POST":
        try:
            location = load_form(MeLocationArgs, unknown=EXCLUDE)
            services.record_location(
                current_user,
                member,
                location["province_code"],
                location["city_code"],
                location.get("district_code"),
                source="profile",
            )
        except FlowMemberError as err:
            flash_error(err, FIELD_LABELS)
            status = 422
        else:
            flash(_("Location saved."), "success")
            return redirect(url_for("members_pages.profile"))
    province = request.form.get("province_code") or member.province_code
    city = request.form.get("city_code") or member.city_code
    return render_template(
        "members/profile.html",
        m=member,
        consented=services.has_location_consent(member.id),
        provinces=divisions.provinces(),
        cities=divisions.cities(province) if province else [],
        districts=divisions.districts(city) if city else [],
        values={"province_code": province, "city_code": city},
    ), status


@bp.route("/m/consent", methods=["GET", "POST"])
@member_required
def consent():
    member = _me()
    if request.method == "POST":
        try:
            args = load_form(
                ConsentArgs, {"purpose": "location", "granted": request.form.get("granted", "")}
            )
            row = services.set_consent(current_user, member, args["purpose"], args["granted"])
        except FlowMemberError as err:
            flash_error(err, FIELD_LABELS)
        else:
            flash(
                _("Thank you: you may now report your city.")
                if row.granted
                else _("Consent withdrawn; your recorded location was deleted."),
                "success",
            )
        return redirect(url_for("members_pages.consent"))
    return render_template(
        "members/consent.html",
        latest=services.latest_consent(member.id),
        text=consent_texts.LOCATION_TEXT,
        version=consent_texts.LOCATION_TEXT_VERSION,
    )
