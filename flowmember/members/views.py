"""Member ledger: pages. Staff: the ledger with filters, a member, the create/edit form, the
import with its preview. Members (phone first): activation, profile, location consent."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from marshmallow import ValidationError as MarshmallowValidationError
from sqlalchemy import select

from flowmember.core import months
from flowmember.core.auth import get_scoped, scope_clause
from flowmember.core.errors import FlowMemberError
from flowmember.core.time import today_local
from flowmember.extensions import csrf, db, limiter
from flowmember.members import consent as consent_texts
from flowmember.members import divisions, ledger_io, services
from flowmember.members.identity import format_phone
from flowmember.members.models import Category, Gender, Member, MemberStatus, Stage
from flowmember.members.schemas import MemberArgs
from flowmember.orgs.models import Org
from flowmember.web import nav
from flowmember.web.auth import member_required, staff_required

bp = Blueprint("members_pages", __name__)

nav.staff("members_pages.index", _l("Members"), order=10)
nav.member("members_pages.profile", _l("My profile"), order=10)
nav.member("members_pages.consent", _l("Location consent"), order=90)

PAGE_SIZE = 50
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


@bp.before_request
def protect_forms():
    if request.method == "POST":
        csrf.protect()


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


def _error_text(err: FlowMemberError) -> str:
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (err.errors or {}).items())
    return f"{err.message} {details}".strip()


def _orgs_in_scope() -> list[Org]:
    return db.session.scalars(
        select(Org).where(scope_clause(Org, current_user)).order_by(Org.path)
    ).all()


# --- staff: the ledger ------------------------------------------------------------------------


@bp.route("/members")
@staff_required
def index():
    from flowmember.members.api import member_query

    args = {
        k: v
        for k in ("q", "category", "status", "flag", "stage")
        if (v := request.args.get(k, "").strip())
    }
    org_id = request.args.get("org_id", type=int)
    if org_id:
        args["org_id"] = org_id
    try:
        stmt = member_query(current_user, args)
    except FlowMemberError as err:
        flash(_error_text(err), "error")
        return redirect(url_for("members_pages.index"))
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db.session.scalars(stmt.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "members/index.html",
        rows=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        args=args,
        orgs=_orgs_in_scope(),
    )


def _member(member_id: int) -> Member:
    return get_scoped(Member, member_id, current_user, what="Member")


@bp.route("/members/<int:member_id>")
@staff_required
def detail(member_id: int):
    member = _member(member_id)
    today = today_local()
    paper = services.paperwork([member], today)[0]
    return render_template(
        "members/detail.html",
        m=member,
        events=services.status_events(member.id),
        exemptions=services.exemptions(member.id),
        exempt_now=services.is_exempt(member.id, months.of(today)),
        consent=services.latest_consent(member.id),
        paper=paper,
        today=today,
        full_id=None,
        statuses=services.editable_statuses(member),
    )


@bp.route("/members/<int:member_id>/<action>", methods=["POST"])
@staff_required
def act(member_id: int, action: str):
    from datetime import date

    member = _member(member_id)
    form = request.form
    try:
        if action == "status":
            services.edit_status(
                current_user,
                member,
                form.get("status", ""),
                on=date.fromisoformat(form.get("on") or today_local().isoformat()),
                reason=form.get("reason", ""),
            )
            flash(_("Status changed."), "success")
        elif action == "exemption":
            ends = form.get("ends_on") or None
            services.add_exemption(
                current_user,
                member,
                starts_on=date.fromisoformat(form.get("starts_on") or ""),
                ends_on=date.fromisoformat(ends) if ends else None,
                reason=form.get("reason", ""),
            )
            flash(_("Exemption recorded."), "success")
        elif action == "invitation":
            code, invitation = services.create_invitation(current_user, member)
            db.session.commit()
            flash(
                _(
                    "Activation code for the member: %(code)s (valid until %(date)s; shown once).",
                    code=code,
                    date=invitation.expires_at.date().isoformat(),
                ),
                "success",
            )
            return redirect(url_for("members_pages.detail", member_id=member.id))
        elif action == "id-number":
            full = services.read_id_number(current_user, member, form.get("reason", ""))
            db.session.commit()
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
                full_id=full,
                statuses=services.editable_statuses(member),
            )
        else:
            abort(404)
        db.session.commit()
    except ValueError:
        db.session.rollback()
        flash(_("Enter dates as YYYY-MM-DD."), "error")
    except FlowMemberError as err:
        db.session.rollback()
        flash(_error_text(err), "error")
    return redirect(url_for("members_pages.detail", member_id=member.id))


# --- staff: create and edit ---------------------------------------------------------------------


def _form_data(form, partial: bool) -> tuple[dict, dict]:
    raw = {k: form.get(k, "").strip() for k in FORM_FIELDS if k in form}
    data = {k: v for k, v in raw.items() if v != ""}
    if partial:
        for k, v in raw.items():
            if v == "" and k not in ("name", "gender", "id_number", "phone", "category", "stage"):
                data[k] = None
    data["retired"] = form.get("retired") == "on"
    if form.get("city_code"):
        data["location"] = {
            "province_code": form.get("province_code", ""),
            "city_code": form.get("city_code", ""),
            "district_code": form.get("district_code") or None,
        }
    try:
        return MemberArgs(partial=partial).load(data), {}
    except MarshmallowValidationError as exc:
        errors = {}
        for key, msgs in exc.normalized_messages().items():
            if isinstance(msgs, dict):
                for sub, sub_msgs in msgs.items():
                    errors[f"location.{sub}"] = sub_msgs
            else:
                errors[key] = msgs
        return {}, errors


def _options() -> dict:
    return {
        "gender": [(k.value, v) for k, v in GENDER_LABELS.items()],
        "category": [(k.value, v) for k, v in CATEGORY_LABELS.items()],
        "stage": [(k.value, v) for k, v in STAGE_LABELS.items()],
        "orgs": [(o.id, o.name) for o in _orgs_in_scope()],
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
@staff_required
def new():
    if current_user.role not in ("admin", "secretary"):
        abort(403)
    if request.method == "GET":
        return _form_page(None, {"org_id": current_user.org_id}, {})
    data, errors = _form_data(request.form, partial=False)
    if not errors:
        try:
            member = services.create_member(current_user, data)
            db.session.commit()
            flash(_("Member added."), "success")
            return redirect(url_for("members_pages.detail", member_id=member.id))
        except FlowMemberError as err:
            db.session.rollback()
            errors = err.errors or {"form": [err.message]}
    return _form_page(None, request.form.to_dict(), errors, 422)


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(member_id: int):
    if current_user.role not in ("admin", "secretary"):
        abort(403)
    member = _member(member_id)
    if request.method == "GET":
        values = {k: getattr(member, k) for k in FORM_FIELDS if hasattr(Member, k)}
        for key, column in services.COUNTING_FIELDS.items():
            values[key] = months.to_str(getattr(member, column))
        values["retired"] = member.retired
        values["id_number"] = ""  # kept unless retyped
        return _form_page(member, values, {})
    form = request.form.to_dict()
    if not form.get("id_number"):
        form.pop("id_number", None)
    data, errors = _form_data(form, partial=True)
    if not errors:
        try:
            services.update_member(current_user, member, data)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("members_pages.detail", member_id=member.id))
        except FlowMemberError as err:
            db.session.rollback()
            errors = err.errors or {"form": [err.message]}
    return _form_page(member, request.form.to_dict(), errors, 422)


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
@staff_required
def import_page():
    if current_user.role not in ("admin", "secretary"):
        abort(403)
    if request.method == "GET":
        return render_template("members/import.html", report=None, orgs=_orgs_in_scope())
    org_id = request.form.get("org_id", type=int)
    token = request.form.get("token", "")
    confirm = request.form.get("confirm") == "1"
    path = _upload_path(token) if token else None
    if path is None:
        upload = request.files.get("file")
        suffix = Path(upload.filename or "").suffix.lower() if upload else ""
        if not upload or suffix not in (".xlsx", ".csv"):
            flash(_("Choose an .xlsx or .csv file."), "error")
            return render_template("members/import.html", report=None, orgs=_orgs_in_scope()), 422
        token = f"{current_user.id}-{secrets.token_urlsafe(12)}"
        path = _import_dir() / f"{token}{suffix}"
        upload.save(path)
        confirm = False
    try:
        report = ledger_io.import_members(
            current_user, path, dry_run=not confirm, default_org_id=org_id
        )
        if confirm:
            db.session.commit()
        else:
            db.session.rollback()
    except FlowMemberError as err:
        db.session.rollback()
        flash(_error_text(err), "error")
        return render_template("members/import.html", report=None, orgs=_orgs_in_scope()), 422
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
        orgs=_orgs_in_scope(),
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
@staff_required
def export():
    """The ledger of the user's subtree as .xlsx (full ID numbers: admin and secretary; audited)."""
    if current_user.role not in ("admin", "secretary"):
        abort(403)
    path = _import_dir() / f"export-{current_user.id}-{secrets.token_hex(6)}.xlsx"
    ledger_io.export_members(current_user, path)
    db.session.commit()
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
        user = services.activate(code, password)
        db.session.commit()
    except FlowMemberError as err:
        db.session.rollback()
        flash(_error_text(err), "error")
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
    if request.method == "POST":
        try:
            services.record_location(
                current_user,
                member,
                request.form.get("province_code", ""),
                request.form.get("city_code", ""),
                request.form.get("district_code") or None,
                source="profile",
            )
            db.session.commit()
            flash(_("Location saved."), "success")
            return redirect(url_for("members_pages.profile"))
        except FlowMemberError as err:
            db.session.rollback()
            flash(_error_text(err), "error")
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
    )


@bp.route("/m/consent", methods=["GET", "POST"])
@member_required
def consent():
    member = _me()
    if request.method == "POST":
        granted = request.form.get("granted") == "1"
        services.set_consent(current_user, member, "location", granted)
        db.session.commit()
        flash(
            _("Thank you: you may now report your city.")
            if granted
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
