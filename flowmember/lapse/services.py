"""Lapse and lost contact: state changes and the reads the API and the pages share (the caller
owns the transaction; nothing here commits). The sweeps are in :mod:`.sweeps`.

The case workflow (DOMAIN §8): the sweep opens a case with its evidence; staff record education and
contact steps; the branch member meeting decides (remove or retain, with the meeting date and a
reason); a removal goes to the higher committee, and only its approval changes the member's
status. Retaining closes the case, and the months up to the meeting no longer count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypedDict

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from flowmember.checkins.models import Activity
from flowmember.core import audit, months
from flowmember.core.auth import WRITE_ROLES, Actor, get_scoped, require_role, scoped
from flowmember.core.errors import Conflict, PermissionDenied, ValidationError
from flowmember.core.time import local_date, now_utc, today_local
from flowmember.extensions import db
from flowmember.lapse import rules
from flowmember.lapse.models import (
    CaseOutcome,
    CaseStatus,
    EscalationContact,
    LapseCase,
    LapseCaseStep,
    ProposalKind,
    RequestKind,
    RequestStatus,
    StatusProposal,
    StatusRequest,
    ValidReason,
)
from flowmember.members.models import Member, MemberStatus, MemberStatusEvent, Stage
from flowmember.members.services import change_status
from flowmember.orgs.models import Org

STEP_KINDS = ("education", "contact")
TOO_LATE = _l("Suspended more than 2 years ago: restoration is no longer possible.")
DECISIONS = ("remove", "retain")
NOT_HIGHER = _l("Only an admin of a higher committee may approve.")
NO_STEP = _l(
    "A removal needs at least one education or contact step recorded on the case first: "
    "analyse the cause and educate the member before the branch meeting decides."
)
#: The status event reason when a probationary member loses probationary status (取消预备党员资格).
PROBATION_LOSS_REASON = "Probationary status cancelled: the member cannot be found"


def _actor_name(actor: Actor) -> str:
    return getattr(actor, "username", None) or getattr(actor, "name", None) or "system"


def _require_text(value: str | None, field: str) -> str:
    if not value or not value.strip():
        raise ValidationError({field: ["This field is required."]})
    return value.strip()


def get_member(actor: Actor, member_id: int) -> Member:
    return get_scoped(Member, member_id, actor, what="Member")


def org_path(org_id: int) -> str:
    return db.session.scalar(select(Org.path).where(Org.id == org_id)) or ""


def is_higher_admin(actor: Actor, org_id: int) -> bool:
    """An admin whose org lies strictly above ``org_id`` (the system counts as one)."""
    if actor.is_system:
        return True
    if actor.role != "admin":
        return False
    mine, theirs = org_path(actor.org_id), org_path(org_id)
    return bool(mine) and theirs.startswith(mine) and theirs != mine


def allowed_actions(actor: Actor, case: LapseCase) -> frozenset[str]:
    """What the actor may do on the case now, as the services below decide it: ``step``
    (education or contact, secretary or admin, case not closed), ``decide`` (the branch meeting,
    case open), ``remove`` (a removal may be decided: a step is recorded first) and ``approve``
    (an admin of a strictly higher committee, case decided)."""
    actions = set()
    writer = actor.is_system or actor.role in WRITE_ROLES
    if writer and case.status != CaseStatus.closed:
        actions.add("step")
    if writer and case.status == CaseStatus.open:
        actions.add("decide")
        if educated_by(case, today_local()):
            actions.add("remove")
    if case.status == CaseStatus.decided and is_higher_admin(actor, case.member.org_id):
        actions.add("approve")
    return frozenset(actions)


# --- cases -------------------------------------------------------------------------------------


def cases_query(
    actor: Actor,
    *,
    status: str | None = None,
    org_id: int | None = None,
    member_id: int | None = None,
) -> Select:
    """A SELECT of the cases the actor may see, newest first (the API's list and export and the
    pages' list)."""
    stmt = scoped(select(LapseCase), LapseCase, actor)
    if status:
        stmt = stmt.where(LapseCase.status == status)
    if org_id is not None:
        path = select(Org.path).where(Org.id == org_id).scalar_subquery()
        below = select(Org.id).where(Org.path.startswith(path))
        stmt = stmt.where(
            LapseCase.member_id.in_(select(Member.id).where(Member.org_id.in_(below)))
        )
    if member_id is not None:
        stmt = stmt.where(LapseCase.member_id == member_id)
    return stmt.order_by(LapseCase.opened_on.desc(), LapseCase.id.desc())


def get_case(actor: Actor, case_id: int, *, for_update: bool = False) -> LapseCase:
    return get_scoped(LapseCase, case_id, actor, what="Lapse case", for_update=for_update)


def educated_by(case: LapseCase, meeting_on: date) -> bool:
    """Whether an education or contact step took place by the day of the branch meeting (DOMAIN
    §8: the branch educates first, then the meeting decides)."""
    return any(
        step.kind in STEP_KINDS and local_date(step.at) <= meeting_on for step in case.steps
    )


def _step(
    actor: Actor, case: LapseCase, kind: str, note: str | None, at: datetime | None = None
) -> LapseCaseStep:
    step = LapseCaseStep(
        case_id=case.id,
        kind=kind,
        at=at or now_utc(),
        note=note,
        actor_id=actor.id,
        actor_name=_actor_name(actor),
        created_at=now_utc(),
    )
    db.session.add(step)
    return step


def add_step(
    actor: Actor, case_id: int, *, kind: str, note: str | None = None, at: datetime | None = None
) -> LapseCaseStep:
    """Record an education or contact step on a case that is not closed (secretary or admin)."""
    require_role(actor, WRITE_ROLES)
    if kind not in STEP_KINDS:
        raise ValidationError({"kind": ["Must be education or contact."]})
    if at is not None and at > now_utc() + timedelta(minutes=5):
        raise ValidationError({"at": [_l("A step is recorded after it happened, not before.")]})
    case = get_case(actor, case_id, for_update=True)
    if case.status == CaseStatus.closed:
        raise Conflict("The case is closed.")
    step = _step(actor, case, kind, note, at)
    db.session.flush()
    audit.record(actor, "lapse_case.step", case, after={"kind": kind, "note": note})
    return step


def decide(
    actor: Actor, case_id: int, *, decision: str, meeting_on: date, reason: str
) -> LapseCase:
    """The branch member meeting's decision on an open case (secretary or admin in scope).

    The branch must first analyse the cause and educate (DOMAIN §8): a removal is refused (409)
    until the case has at least one education or contact step; retaining needs none."""
    require_role(actor, WRITE_ROLES)
    if decision not in DECISIONS:
        raise ValidationError({"decision": ["Must be remove or retain."]})
    reason = _require_text(reason, "reason")
    if meeting_on > today_local():
        raise ValidationError({"meeting_on": ["The meeting cannot be in the future."]})
    case = get_case(actor, case_id, for_update=True)
    if case.status != CaseStatus.open:
        raise Conflict("Only an open case can be decided.", {"status": [case.status.value]})
    if meeting_on < case.opened_on:
        raise ValidationError({"meeting_on": ["The meeting cannot be before the case opened."]})
    if decision == "remove" and not educated_by(case, meeting_on):
        raise Conflict(NO_STEP, {"steps": [_l("No education or contact step yet.")]})
    before = audit.snapshot(case, ["status", "decision"])
    case.decision = decision
    case.meeting_on = meeting_on
    case.decision_reason = reason
    case.decided_by = actor.id
    if decision == "retain":
        case.status = CaseStatus.closed
        case.outcome = CaseOutcome.retained
        case.closed_on = meeting_on
    else:
        case.status = CaseStatus.decided
    _step(actor, case, "decision", f"{decision}: {reason}")
    db.session.flush()
    audit.record(
        actor,
        "lapse_case.decide",
        case,
        before=before,
        after={**audit.snapshot(case, ["status", "decision"]), "meeting_on": meeting_on},
        reason=reason,
    )
    return case


def approve(
    actor: Actor, case_id: int, *, approved: bool, note: str | None = None
) -> LapseCase:
    """The higher committee's approval of a removal decision (admin of a strictly higher org).

    Approved: the member is removed (a dated, audited status change). Refused: the case closes and
    the member stays."""
    case = get_case(actor, case_id, for_update=True)
    member = db.session.get(Member, case.member_id)
    if not is_higher_admin(actor, member.org_id):
        raise PermissionDenied(NOT_HIGHER)
    if case.status != CaseStatus.decided:
        raise Conflict("Only a decided case can be approved.", {"status": [case.status.value]})
    before = audit.snapshot(case, ["status", "outcome"])
    today = today_local()
    case.approved = approved
    case.approval_note = note
    case.approved_by = actor.id
    case.status = CaseStatus.closed
    case.closed_on = today
    if approved:
        case.outcome = CaseOutcome.removed
        change_member_status(
            actor,
            member,
            MemberStatus.removed,
            on=today,
            reason=note or case.decision_reason or "Six-month lapse: removal approved.",
        )
    else:
        case.outcome = CaseOutcome.removal_rejected
    _step(actor, case, "approval", f"{'approved' if approved else 'refused'}: {note or ''}".strip())
    db.session.flush()
    audit.record(
        actor,
        "lapse_case.approve",
        case,
        before=before,
        after=audit.snapshot(case, ["status", "outcome"]),
        reason=note,
    )
    return case


def change_member_status(
    actor: Actor, member: Member, status: MemberStatus, *, on: date, reason: str
) -> None:
    """Through the members package (dated status event + audit); a reason longer than the
    event's column is cut there with an ellipsis (the full text stays on the case or request)."""
    limit = MemberStatusEvent.__table__.c.reason.type.length
    if len(reason) > limit:
        reason = reason[: limit - 1] + "…"
    change_status(actor, member, status, on=on, reason=reason)


# --- valid reasons and escalation contacts ------------------------------------------------------


def add_valid_reason(
    actor: Actor,
    member_id: int,
    *,
    kind: str,
    from_month: int,
    to_month: int,
    note: str | None = None,
) -> ValidReason:
    """Record illness or approved leave: those months never count and break a run."""
    require_role(actor, WRITE_ROLES)
    member = get_member(actor, member_id)
    if to_month < from_month:
        raise ValidationError({"to_month": ["Must not be before from_month."]})
    row = ValidReason(
        member_id=member.id,
        kind=kind,
        from_month=from_month,
        to_month=to_month,
        note=note,
        recorded_by=actor.id,
        created_at=now_utc(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "valid_reason.create",
        row,
        org_id=member.org_id,
        after={"kind": kind, "from": months.to_str(from_month), "to": months.to_str(to_month)},
        reason=note,
    )
    return row


def valid_reasons(actor: Actor, member_id: int) -> list[ValidReason]:
    member = get_member(actor, member_id)
    return db.session.scalars(
        select(ValidReason)
        .where(ValidReason.member_id == member.id)
        .order_by(ValidReason.from_month)
    ).all()


class EscalationContactData(TypedDict, total=False):
    """An escalation contact as :class:`~flowmember.lapse.schemas.EscalationArgs` loads it."""

    kind: str  # required: introducer | university | family | employer
    name: str  # required
    phone: str | None  # E.164
    note: str | None


def add_escalation_contact(
    actor: Actor, member_id: int, data: EscalationContactData
) -> EscalationContact:
    """Someone to ask about a member out of contact (secretary or admin)."""
    require_role(actor, WRITE_ROLES)
    member = get_member(actor, member_id)
    row = EscalationContact(member_id=member.id, created_at=now_utc(), **data)
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "escalation_contact.create",
        row,
        org_id=member.org_id,
        after={"kind": data.get("kind"), "name": data.get("name")},
    )
    return row


def escalation_contacts(actor: Actor, member_id: int) -> list[EscalationContact]:
    member = get_member(actor, member_id)
    return db.session.scalars(
        select(EscalationContact)
        .where(EscalationContact.member_id == member.id)
        .order_by(EscalationContact.kind, EscalationContact.id)
    ).all()


def unreachable_members(actor: Actor, limit: int = 500) -> list[Member]:
    stmt = scoped(select(Member), Member, actor).where(
        Member.flag_unreachable.is_(True), Member.status == MemberStatus.active
    )
    return db.session.scalars(stmt.order_by(Member.last_reached_at, Member.id).limit(limit)).all()


def contacts_by_member(member_ids: list[int]) -> dict[int, list[EscalationContact]]:
    out: dict[int, list[EscalationContact]] = {i: [] for i in member_ids}
    if member_ids:
        rows = db.session.scalars(
            select(EscalationContact)
            .where(EscalationContact.member_id.in_(member_ids))
            .order_by(EscalationContact.kind, EscalationContact.id)
        )
        for row in rows:
            out[row.member_id].append(row)
    return out


def proposals(
    actor: Actor, *, kind: str | None = None, status: str = "proposed"
) -> list[StatusProposal]:
    stmt = scoped(select(StatusProposal), StatusProposal, actor).where(
        StatusProposal.status == status
    )
    if kind:
        stmt = stmt.where(StatusProposal.kind == kind)
    return db.session.scalars(stmt.order_by(StatusProposal.id)).all()


@dataclass(frozen=True)
class Unreachable:
    """A member flagged unreachable, with whom to ask and the contact sweep's open proposals."""

    member: Member
    contacts: list[EscalationContact]
    proposals: list[StatusProposal]


def unreachable(actor: Actor, limit: int = 500) -> list[Unreachable]:
    """The unreachable list of the API and the page: active members flagged unreachable, the
    longest silent first."""
    members = unreachable_members(actor, limit)
    contacts = contacts_by_member([m.id for m in members])
    open_proposals: dict[int, list[StatusProposal]] = {m.id: [] for m in members}
    if members:
        stmt = scoped(select(StatusProposal), StatusProposal, actor).where(
            StatusProposal.status == "proposed",
            StatusProposal.member_id.in_(list(open_proposals)),
        )
        for proposal in db.session.scalars(stmt.order_by(StatusProposal.id)):
            open_proposals[proposal.member_id].append(proposal)
    return [Unreachable(m, contacts[m.id], open_proposals[m.id]) for m in members]


# --- suspension and restoration -----------------------------------------------------------------


REQUEST_LABELS = {
    RequestKind.suspension: _l("Suspension"),
    RequestKind.restoration: _l("Restoration"),
    RequestKind.probation_loss: _l("Loss of probationary status"),
    RequestKind.removal: _l("Removal"),
}
#: Which pending requests an approval of ``kind`` decides: a suspension requested for a
#: probationary member was filed as the loss of probationary status.
DECIDES = {
    RequestKind.suspension: (RequestKind.suspension, RequestKind.probation_loss),
    RequestKind.probation_loss: (RequestKind.probation_loss,),
    RequestKind.restoration: (RequestKind.restoration,),
    RequestKind.removal: (RequestKind.removal,),
}


def request_status(actor: Actor, member_id: int, kind: str, reason: str) -> StatusRequest:
    """A branch decision that a higher committee approves (DOMAIN §8); one pending request per
    member.

    - ``suspension``: an active member out of contact. For a *probationary* member the request
      is filed as ``probation_loss`` instead: a probationary member who cannot be found loses
      probationary status rather than being suspended.
    - ``probation_loss``: an active probationary member who cannot be found.
    - ``restoration``: a suspended member back in touch, less than 2 years after the suspension.
    - ``removal``: a member suspended 2 years or more and still out of contact (self-lapsed)."""
    require_role(actor, WRITE_ROLES)
    reason = _require_text(reason, "reason")
    kind = RequestKind(kind)
    member = get_member(actor, member_id)
    today = today_local()
    if kind in (RequestKind.suspension, RequestKind.probation_loss):
        if member.status != MemberStatus.active:
            raise Conflict(
                _l("Only an active member can be suspended or lose probationary status.")
            )
        probationary = member.stage == Stage.probationary
        if kind == RequestKind.probation_loss and not probationary:
            raise Conflict(_l("Only a probationary member can lose probationary status."))
        if probationary:
            kind = RequestKind.probation_loss
    else:
        if member.status != MemberStatus.suspended:
            raise Conflict(_l("Only a suspended member can be restored or removed this way."))
        since = member.status_since or today
        allowed = rules.restoration_allowed(since, today)
        if kind == RequestKind.restoration and not allowed:
            raise Conflict(TOO_LATE)
        if kind == RequestKind.removal and allowed:
            raise Conflict(
                _l(
                    "Suspended less than 2 years ago: the member may still be restored, "
                    "not removed."
                )
            )
    row = StatusRequest(
        member_id=member.id,
        kind=kind,
        reason=reason,
        status=RequestStatus.pending,
        requested_by=actor.id,
        requested_on=today,
        created_at=now_utc(),
    )
    try:
        # One pending request per member is the database's (a partial unique index). The row
        # is added inside the savepoint (which flushes the rest of the session first), so a
        # refusal undoes only the row.
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict("The member already has a pending request.") from None
    audit.record(
        actor,
        f"member.{kind.value}_request",
        row,
        org_id=member.org_id,
        after={"kind": kind.value, "status": "pending"},
        reason=reason,
    )
    return row


def decide_status_request(
    actor: Actor, member_id: int, kind: str, *, approved: bool = True, note: str | None = None
) -> StatusRequest:
    """Approval or refusal of the member's pending request of that kind, by an admin of a
    strictly higher committee than the member's org (:func:`is_higher_admin`, as for lapse
    cases); an admin of the member's own branch may not approve.

    Approved: suspension -> suspended; restoration -> active (within 2 years); removal ->
    removed; probation_loss -> removed, with the event reason :data:`PROBATION_LOSS_REASON` and
    the request's reason (the member's stage stays probationary, as the record of what was lost;
    the audit entries are ``member.status`` and ``member.probation_loss_approve``). An approval of
    ``suspension`` also decides a pending probation-loss request (what a suspension request for a
    probationary member becomes)."""
    kind = RequestKind(kind)
    member = get_member(actor, member_id)
    if not is_higher_admin(actor, member.org_id):
        raise PermissionDenied(NOT_HIGHER)
    row = db.session.scalars(
        select(StatusRequest)
        .where(
            StatusRequest.member_id == member.id,
            StatusRequest.kind.in_(DECIDES[kind]),
            StatusRequest.status == RequestStatus.pending,
        )
        .with_for_update()
    ).first()
    if row is None:
        raise Conflict(_l("No pending request: %(kind)s.", kind=REQUEST_LABELS[kind]))
    kind = RequestKind(row.kind)
    today = today_local()
    row.status = RequestStatus.approved if approved else RequestStatus.rejected
    row.decided_by = actor.id
    row.decided_on = today
    row.note = note
    if approved:
        if kind == RequestKind.suspension:
            change_member_status(actor, member, MemberStatus.suspended, on=today, reason=row.reason)
            closing = [ProposalKind.suspension, ProposalKind.probation_loss]
        elif kind == RequestKind.probation_loss:
            change_member_status(
                actor,
                member,
                MemberStatus.removed,
                on=today,
                reason=f"{PROBATION_LOSS_REASON}. {row.reason}",
            )
            closing = [ProposalKind.suspension, ProposalKind.probation_loss]
        elif kind == RequestKind.removal:
            change_member_status(actor, member, MemberStatus.removed, on=today, reason=row.reason)
            closing = [ProposalKind.removal]
        else:
            if not rules.restoration_allowed(member.status_since or today, today):
                raise Conflict(TOO_LATE)
            change_member_status(actor, member, MemberStatus.active, on=today, reason=row.reason)
            member.flag_unreachable = False
            closing = [ProposalKind.removal]
        for proposal in db.session.scalars(
            select(StatusProposal).where(
                StatusProposal.member_id == member.id,
                StatusProposal.status == "proposed",
                StatusProposal.kind.in_(closing),
            )
        ):
            proposal.status = "closed"
    db.session.flush()
    audit.record(
        actor,
        f"member.{kind.value}_{'approve' if approved else 'reject'}",
        row,
        org_id=member.org_id,
        after={"status": row.status.value},
        reason=note,
    )
    return row


class OrgGap(TypedDict):
    org_id: int
    name: str
    months: list[str]  # "YYYY-MM"


def org_gaps(actor: Actor, as_of: date) -> list[OrgGap]:
    """Orgs with active members that held no activity in some judged month of the org-life
    window: those months cannot count against their members (DOMAIN §8)."""
    last = rules.last_judged_month(as_of)
    first = last - rules.ORG_LIFE_WINDOW + 1
    with_members = select(Member.org_id).where(Member.status == MemberStatus.active)
    orgs = db.session.scalars(
        scoped(select(Org), Org, actor).where(Org.id.in_(with_members)).order_by(Org.path)
    ).all()
    held: dict[int, set[int]] = {o.id: set() for o in orgs}
    if orgs:
        rows = db.session.execute(
            select(Activity.org_id, Activity.month)
            .distinct()
            .where(Activity.org_id.in_(list(held)), Activity.month.between(first, last))
        )
        for org_id, month in rows:
            held[org_id].add(month)
    out = []
    for org in orgs:
        gaps = rules.org_gaps(held[org.id], first, last)
        if gaps:
            out.append(
                {"org_id": org.id, "name": org.name, "months": [months.to_str(m) for m in gaps]}
            )
    return out
