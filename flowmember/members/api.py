"""Member ledger: API."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from flowmember.accounts.services import expiry_seconds, issue_token
from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import (
    WRITE_ROLES,
    current_actor,
    current_member,
    member_allowed,
    public,
    roles,
)
from flowmember.core.errors import ValidationError
from flowmember.core.time import today_local
from flowmember.extensions import limiter
from flowmember.members import consent as consent_texts
from flowmember.members import divisions, queries, services
from flowmember.members.models import Member
from flowmember.members.schemas import (
    ActivateArgs,
    ActivationSchema,
    ConsentArgs,
    ConsentSchema,
    ConsentStateSchema,
    DivisionQueryArgs,
    DivisionSchema,
    ExemptionArgs,
    ExemptionSchema,
    IdNumberSchema,
    InvitationSchema,
    MeLocationArgs,
    MemberArgs,
    MemberPatchArgs,
    MemberQueryArgs,
    MemberSchema,
    MeSchema,
    PaperworkQueryArgs,
    PaperworkSchema,
    ReasonArgs,
    StatusEventArgs,
    StatusEventSchema,
)

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="Member ledger")


def _member(member_id: int) -> Member:
    return queries.get_member(current_actor(), member_id)


@blp.route("/members")
class Members(MethodView):
    @blp.arguments(MemberQueryArgs, location="query")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """The ledger: members in the caller's subtree (default status: active and suspended;
        ``status=all`` for every record). ``q`` matches name or phone; ``org_id`` an org's
        subtree; ``flag`` lapse_risk | unreachable | exempt | no_login"""
        return queries.member_query(current_actor(), args)

    @roles(*WRITE_ROLES)
    @blp.arguments(MemberArgs)
    @blp.response(201, MemberSchema)
    @blp.alt_response(409, description="A current member with this ID number exists")
    def post(self, args):
        """Add a member to the ledger (secretary or admin)"""
        return services.create_member(current_actor(), args)


@blp.route("/members/<int:member_id>")
class MemberById(MethodView):
    @blp.response(200, MemberSchema)
    def get(self, member_id):
        """One member (ID number masked)"""
        return _member(member_id)

    @roles(*WRITE_ROLES)
    @blp.arguments(MemberPatchArgs(partial=True))
    @blp.response(200, MemberSchema)
    def patch(self, args, member_id):
        """Change ledger fields (secretary or admin); status moves use status-events"""
        return services.update_member(current_actor(), _member(member_id), args)


def _full_id_number(member_id: int, reason: str) -> dict:
    member = _member(member_id)
    full = services.read_id_number(current_actor(), member, reason)
    return {"id": member.id, "id_number": full}


@blp.route("/members/<int:member_id>/id-number")
class FullIdNumber(MethodView):
    @roles(*WRITE_ROLES)
    @blp.arguments(ReasonArgs, location="query")
    @blp.response(200, IdNumberSchema)
    def get(self, args, member_id):
        """The full ID number (secretary or admin); ``reason`` is required and the read is
        audited (who, when, which member, why)"""
        return _full_id_number(member_id, args["reason"])

    @roles(*WRITE_ROLES)
    @blp.arguments(ReasonArgs)
    @blp.response(200, IdNumberSchema)
    def post(self, args, member_id):
        """The full ID number, the reason in the JSON body ``{reason}``; audited"""
        return _full_id_number(member_id, args["reason"])


@blp.route("/members/<int:member_id>/status-events")
class StatusEvents(MethodView):
    @blp.response(200, StatusEventSchema(many=True))
    def get(self, member_id):
        """The member's status history, oldest first"""
        return services.status_events(_member(member_id).id)

    @roles(*WRITE_ROLES)
    @blp.arguments(StatusEventArgs)
    @blp.response(201, StatusEventSchema)
    def post(self, args, member_id):
        """Record a death (deceased) or correct a mistaken one, as a dated, audited event with a
        reason; the caller is the approver. Removal, suspension and restoration have their
        workflows (lapse cases, /suspension, /restoration, /removal): 409 here"""
        member = _member(member_id)
        return services.edit_status(
            current_actor(), member, args["status"], on=args["on"], reason=args["reason"]
        )


@blp.route("/members/<int:member_id>/exemptions")
class Exemptions(MethodView):
    @blp.response(200, ExemptionSchema(many=True))
    def get(self, member_id):
        """Exemptions from the points and lapse rules"""
        return services.exemptions(_member(member_id).id)

    @roles(*WRITE_ROLES)
    @blp.arguments(ExemptionArgs)
    @blp.response(201, ExemptionSchema)
    def post(self, args, member_id):
        """Exempt a member (elderly, long-term ill, disabled) from a date, optionally to a date"""
        return services.add_exemption(current_actor(), _member(member_id), **args)


@blp.route("/members/<int:member_id>/invitation", methods=["POST"])
@roles(*WRITE_ROLES)
@blp.response(201, InvitationSchema)
def invite(member_id):
    """A single-use activation code for the member's login (valid 7 days; shown only now)"""
    code, invitation = services.create_invitation(current_actor(), _member(member_id))
    return {"code": code, "expires_at": invitation.expires_at}


def _activate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/auth/activate", methods=["POST"])
@public
@limiter.limit(_activate_limit)
@blp.arguments(ActivateArgs)
@blp.response(201, ActivationSchema)
def activate(args):
    """Create a member's login from an invitation code: login = the member's phone (E.164).
    Answers 201 with a bearer token, as POST /auth/token would."""
    user = services.activate(args["code"], args["password"])
    raw, token = issue_token(user)
    return {
        "access_token": raw,
        "token_type": "Bearer",
        "expires_in": expiry_seconds(token),
        "login": user.username,
        "member_id": user.member_id,
    }


@blp.route("/members/paperwork-mismatches")
@blp.arguments(PaperworkQueryArgs, location="query")
@blp.response(200, PaperworkSchema(many=True))
def paperwork_mismatches(args):
    """Members whose paperwork does not match their time away (DOMAIN §4)"""
    as_of = args.get("as_of") or today_local()
    rows = services.paperwork_mismatches(current_actor(), as_of, args.get("org_id"))
    return [_paperwork_row(r) for r in rows]


def _paperwork_row(row: dict) -> dict:
    m = row["member"]
    return {
        "member_id": m.id,
        "name": m.name,
        "org_id": m.org_id,
        "away_since": m.away_since,
        "paper_needed": row["paper_needed"],
        "held_paper": m.away_paper,
        "problem": row["problem"],
        "location": divisions.location_view(m.province_code, m.city_code, m.district_code)
        if m.city_code
        else None,
    }


@blp.route("/divisions")
@member_allowed
@blp.arguments(DivisionQueryArgs, location="query")
@blp.response(200, DivisionSchema(many=True))
def division_list(args):
    """GB/T 2260 divisions: provinces (no parent), a province's cities, a city's districts"""
    parent = args.get("parent")
    if parent and divisions.level_of(parent) is None:
        raise ValidationError({"parent": ["Not a code of GB/T 2260."]})
    return divisions.children_of(parent)


# --- /me ------------------------------------------------------------------------------------------


@blp.route("/me")
@blp.response(200, MeSchema)
def me():
    """The member's own record (ID number in full)"""
    return current_member()


def consent_state(member: Member) -> dict:
    row = services.latest_consent(member.id, "location")
    return {
        "purpose": "location",
        "granted": bool(row and row.granted),
        "text_version": row.text_version if row else None,
        "at": row.at if row else None,
        "current_text_version": consent_texts.LOCATION_TEXT_VERSION,
        "text": str(consent_texts.LOCATION_TEXT),
    }


@blp.route("/me/consents")
class MyConsents(MethodView):
    @blp.response(200, ConsentStateSchema(many=True))
    def get(self):
        """The current state of each consent, with the text to show"""
        return [consent_state(current_member())]

    @blp.arguments(ConsentArgs)
    @blp.response(201, ConsentSchema)
    def post(self, args):
        """Grant or withdraw a consent; withdrawing the location consent deletes the stored
        location and its history"""
        member = current_member()
        return services.set_consent(current_actor(), member, args["purpose"], args["granted"])


@blp.route("/me/location", methods=["PUT"])
@blp.arguments(MeLocationArgs)
@blp.response(200, MeSchema)
@blp.alt_response(409, description="No location consent")
def my_location(args):
    """Report where the member lives or works (needs the location consent)"""
    member = current_member()
    services.record_location(
        current_actor(),
        member,
        args["province_code"],
        args["city_code"],
        args.get("district_code"),
        source="profile",
    )
    return member
