"""Member ledger: state changes. Each takes the acting user explicitly, flushes, never commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Required, TypedDict

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from flowmember.accounts.models import User
from flowmember.accounts.services import check_password_strength, create_member_login
from flowmember.checkins.summaries import recompute_attended
from flowmember.core import audit, months
from flowmember.core.auth import (
    WRITE_ROLES,
    Actor,
    client_ip,
    require_org_in_scope,
    require_role,
    scope_clause,
)
from flowmember.core.errors import Conflict, ValidationError
from flowmember.core.phones import PhoneError, normalize_phone
from flowmember.core.time import LOCAL_TZ, now_utc, today_local
from flowmember.dues.paid_through import recompute_paid_through
from flowmember.extensions import db
from flowmember.members import consent as consent_texts
from flowmember.members import identity, rules
from flowmember.members.divisions import validate_location
from flowmember.members.models import (
    CURRENT_STATUSES,
    Category,
    ConsentPurpose,
    Gender,
    Member,
    MemberConsent,
    MemberExemption,
    MemberInvitation,
    MemberLocation,
    MemberStatus,
    MemberStatusEvent,
    Stage,
)
from flowmember.members.queries import exempt_clause, org_subtree_clause
from flowmember.orgs.models import Org
from flowmember.transfers.models import Transfer

#: Columns recorded in the audit log when a member is created or changed.
AUDIT_FIELDS = [
    "name",
    "gender",
    "id_number",
    "birth_date",
    "ethnicity",
    "phone",
    "email",
    "category",
    "stage",
    "status",
    "joined_on",
    "full_on",
    "org_id",
    "home_org_id",
    "home_org_name",
    "employer",
    "university",
    "graduation_year",
    "away_since",
    "retired",
    "away_paper",
    "away_paper_on",
    "tracked_since_month",
    "carried_paid_through_month",
    "carried_org_life_month",
]
#: Input names of the months that decide when lapse counting starts (DOMAIN §8), and their
#: Member columns: the tracking start, and the history an old ledger or a paper letter vouches
#: for (dues paid through 党费交至, last org-life month).
COUNTING_FIELDS = {
    "tracked_since": "tracked_since_month",
    "dues_paid_through": "carried_paid_through_month",
    "last_org_life": "carried_org_life_month",
}
#: Plain fields copied from validated input onto the Member.
PLAIN_FIELDS = [
    f
    for f in AUDIT_FIELDS
    if f not in ("id_number", "phone", "status", "birth_date", *COUNTING_FIELDS.values())
]
INVITATION_TTL = timedelta(days=7)


class LocationInput(TypedDict, total=False):
    """A city-level location by GB/T 2260 codes (:class:`flowmember.core.fields.LocationArgs`)."""

    province_code: Required[str]
    city_code: Required[str]
    district_code: str | None


class MemberInput(TypedDict, total=False):
    """A member's ledger fields as :class:`flowmember.members.schemas.MemberArgs` loads them: all
    of the required ones to create a member, any subset to change one: the counting-start
    months as month indexes, the phone as typed (:func:`check_identity` reads it)."""

    name: str
    gender: Gender
    id_number: str
    birth_date: date | None
    ethnicity: str | None
    phone: str
    email: str | None
    category: Category
    stage: Stage
    joined_on: date
    full_on: date | None
    org_id: int
    home_org_id: int | None
    home_org_name: str | None
    employer: str | None
    university: str | None
    graduation_year: int | None
    away_since: date | None
    retired: bool
    away_paper: str | None
    away_paper_on: date | None
    location: LocationInput | None
    tracked_since: int | None
    dues_paid_through: int | None
    last_org_life: int | None


def _masked_snapshot(member: Member) -> dict:
    snap = audit.snapshot(member, AUDIT_FIELDS)
    snap["id_number"] = member.masked_id_number
    return snap


# --- identity and field checks -----------------------------------------------------------------


def check_identity(data: MemberInput, *, existing: Member | None = None) -> dict:
    """Normalise ID number and phone (:mod:`flowmember.core.phones`), check the birth date
    against the ID number and the location's codes against GB/T 2260.

    Returns the cleaned values; raises ValidationError naming every bad field. (The phone is
    read here rather than by the schema's ``Phone`` field so that one 422 names every bad field
    of a record: identity, phone, location and the counting-start months together.)"""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    if "id_number" in data:
        try:
            clean["id_number"] = identity.normalize_id_number(data["id_number"])
        except identity.IdentityError as exc:
            errors["id_number"] = [str(exc)]
    id_number = clean.get("id_number") or (existing.id_number if existing else None)
    if id_number and "id_number" not in errors:
        from_id = identity.birth_date_of(id_number)
        given = data.get("birth_date")
        if given is not None and given != from_id:
            errors["birth_date"] = ["Does not agree with the ID number."]
        elif "id_number" in clean or given is not None:
            clean["birth_date"] = from_id
    if "phone" in data:
        try:
            clean["phone"] = normalize_phone(data["phone"])
        except PhoneError as exc:
            errors["phone"] = [str(exc)]
    location = data.get("location")
    if location:
        try:
            validate_location(
                location.get("province_code"),
                location.get("city_code"),
                location.get("district_code"),
            )
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return clean


def _check_orgs(actor: Actor, data: MemberInput) -> None:
    if "org_id" in data:
        require_org_in_scope(actor, data["org_id"])
    if data.get("home_org_id") is not None:
        if db.session.get(Org, data["home_org_id"]) is None:
            raise ValidationError({"home_org_id": ["No such organisation."]})


@contextmanager
def _one_current_record() -> Iterator[None]:
    """Make the changes of the block in a savepoint: a clash on the one-current-record-per-ID-
    number index is a 409, and the caller's other work stays intact."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as exc:
        raise Conflict(
            "A current member with this ID number exists.",
            {"id_number": ["A current member with this ID number exists."]},
        ) from exc


def _check_id_free(id_number: str, exclude_id: int | None = None) -> None:
    stmt = select(Member.id).where(
        Member.id_number == id_number, Member.status.in_(CURRENT_STATUSES)
    )
    if exclude_id is not None:
        stmt = stmt.where(Member.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise Conflict(
            "A current member with this ID number exists.",
            {"id_number": ["A current member with this ID number exists."]},
        )


# --- when lapse counting starts (DOMAIN §8) ----------------------------------------------------


def check_counting_start(
    given: dict,
    *,
    joined_on: date | None,
    entered_month: int | None = None,
    stored: dict | None = None,
    keep_earlier_start: bool = False,
) -> dict:
    """Validate the counting-start months of a create, an edit or an import row; return the
    Member column values to set (only for the fields in ``given``).

    ``given``: input name (:data:`COUNTING_FIELDS`) -> month index, or None (tracking start:
    keep it; history: none vouched); ``entered_month``: the month the record entered FlowMember
    (None: a new record, entering now); ``stored``: the existing record's columns;
    ``keep_earlier_start``: an update by import never moves a tracking start later (the later
    value is ignored, not an error).

    The rules (422 naming the field; messages translated when read):

    - no month after the current month; vouched history not before the month of joining;
    - a tracking start before the month of joining is read as the month of joining (clamped:
      months before joining never count anyway, and an old ledger often gives one start date
      for every member, some of whom joined later);
    - a tracking start not after the month the record entered FlowMember;
    - a tracking start earlier than that month only together with the history it vouches for,
      both dues paid through and last org life (on the resulting record): without it, a freshly
      imported ledger opens no case until six tracked months have passed. The check fires when
      a tracking start moves earlier, and when such history is removed from a record whose start
      rests on it; an edit that touches neither passes as before.
    """
    current = months.of(today_local())
    entered = current if entered_month is None else entered_month
    stored = stored or {}
    join = months.of(joined_on) if joined_on is not None else None
    errors: dict[str, list] = {}
    values: dict = {}
    for key in ("dues_paid_through", "last_org_life"):
        if key not in given:
            continue
        month = given[key]
        if month is not None and month > current:
            errors[key] = [_later_than_now(current)]
        elif month is not None and join is not None and month < join:
            errors[key] = [
                _l("Cannot be before the month of joining (%(month)s).", month=months.to_str(join))
            ]
        values[COUNTING_FIELDS[key]] = month
    tracked = given.get("tracked_since")
    old_start = stored.get("tracked_since_month")
    if tracked is not None and join is not None and tracked < join:
        tracked = min(join, entered)
    if tracked is not None:
        if tracked > current:
            errors["tracked_since"] = [_later_than_now(current)]
        elif keep_earlier_start and old_start is not None and tracked >= old_start:
            pass  # an import never moves a tracking start later
        elif tracked > entered:
            errors["tracked_since"] = [
                _l(
                    "Cannot be later than the month the record entered FlowMember (%(month)s).",
                    month=months.to_str(entered),
                )
            ]
        else:
            values["tracked_since_month"] = tracked
    start = values.get("tracked_since_month", old_start if old_start is not None else entered)
    if start < entered and "tracked_since" not in errors:
        history = {
            key: values.get(column, stored.get(column))
            for key, column in COUNTING_FIELDS.items()
            if key != "tracked_since"
        }
        missing = [k for k, v in history.items() if v is None and k not in errors]
        moved_earlier = "tracked_since_month" in values and (old_start is None or start < old_start)
        cleared = [k for k in missing if stored.get(COUNTING_FIELDS[k]) is not None]
        if missing and moved_earlier:
            errors["tracked_since"] = [
                _l(
                    "A tracking start before %(month)s needs the history it vouches for: give "
                    "dues paid through and last org life too, or leave it empty.",
                    month=months.to_str(entered),
                )
            ]
        for key in cleared if not moved_earlier else ():
            errors[key] = [
                _l(
                    "Required while the tracking start (%(start)s) is before the month the "
                    "record entered FlowMember (%(month)s).",
                    start=months.to_str(start),
                    month=months.to_str(entered),
                )
            ]
    if errors:
        raise ValidationError(errors)
    return values


def _later_than_now(current: int):
    return _l("Cannot be later than the current month (%(month)s).", month=months.to_str(current))


def refresh_carried_summaries(member_ids: list[int]) -> None:
    """Recompute the summaries that honour carried history (paid through, last attended) after
    ``carried_paid_through_month`` or ``carried_org_life_month`` changed."""
    if member_ids:
        recompute_paid_through(member_ids)
        recompute_attended(member_ids)


# --- create and update -------------------------------------------------------------------------


def _checked_input(data: MemberInput, existing: Member | None) -> tuple[dict, dict]:
    """(identity values, counting-start columns) of a create or an edit; one 422 naming every
    bad field of both."""
    errors: dict = {}
    clean: dict = {}
    counting: dict = {}
    try:
        clean = check_identity(data, existing=existing)
    except ValidationError as exc:
        errors.update(exc.errors)
    given = {k: data[k] for k in COUNTING_FIELDS if k in data}
    if given:
        stored = None
        if existing is not None:
            stored = {c: getattr(existing, c) for c in COUNTING_FIELDS.values()}
        try:
            counting = check_counting_start(
                given,
                joined_on=data.get("joined_on") or (existing.joined_on if existing else None),
                entered_month=existing.entered_month if existing else None,
                stored=stored,
            )
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return clean, counting


def create_member(actor: Actor, data: MemberInput) -> Member:
    """Add a member to the ledger (status active). ``data`` is MemberArgs-shaped.

    422 for a bad ID number, phone, birth date or location, or counting-start months that break
    :func:`check_counting_start`; 404 for an org outside the actor's subtree; 409 when a current
    (active or suspended) member has the ID number."""
    require_role(actor, WRITE_ROLES)
    clean, counting = _checked_input(data, None)
    _check_orgs(actor, data)
    _check_id_free(clean["id_number"])
    member = Member(
        id_number=clean["id_number"],
        birth_date=clean["birth_date"],
        phone=clean["phone"],
        status=MemberStatus.active,
        status_since=data.get("joined_on"),
        retired=bool(data.get("retired", False)),
        flag_lapse_risk=False,
        flag_unreachable=False,
        **counting,
    )
    for field in PLAIN_FIELDS:
        if field in data and field != "retired":
            setattr(member, field, data[field])
    with _one_current_record():
        db.session.add(member)
    if member.carried_paid_through_month is not None or member.carried_org_life_month is not None:
        refresh_carried_summaries([member.id])
    audit.record(actor, "member.create", member, after=_masked_snapshot(member))
    if data.get("location"):
        _staff_location(actor, member, data["location"], source="staff")
    return member


def update_member(actor: Actor, member: Member, changes: MemberInput) -> Member:
    """Change ledger fields (PATCH). Status moves go through :func:`change_status`."""
    require_role(actor, WRITE_ROLES)
    changes = dict(changes)
    changes.pop("status", None)
    clean, counting = _checked_input(changes, member)
    _check_orgs(actor, changes)
    if "id_number" in clean and clean["id_number"] != member.id_number:
        if member.status in CURRENT_STATUSES:
            _check_id_free(clean["id_number"], exclude_id=member.id)
    before = _masked_snapshot(member)
    carried_before = (member.carried_paid_through_month, member.carried_org_life_month)
    with _one_current_record():
        for key, value in (clean | counting).items():
            setattr(member, key, value)
        for field in PLAIN_FIELDS:
            if field in changes:
                setattr(member, field, changes[field])
        if "phone" in clean:
            follow_phone(member)
    if (member.carried_paid_through_month, member.carried_org_life_month) != carried_before:
        refresh_carried_summaries([member.id])
    b, a = audit.changes(before, _masked_snapshot(member))
    if a:
        audit.record(actor, "member.update", member, before=b, after=a)
    if changes.get("location"):
        _staff_location(actor, member, changes["location"], source="staff")
    return member


def follow_phone(member: Member) -> None:
    """A member's login is their phone: keep it in step."""
    user = db.session.scalars(select(User).where(User.member_id == member.id)).first()
    if user is not None and user.username != member.phone:
        taken = db.session.scalar(
            select(User.id).where(func.lower(User.username) == member.phone.lower())
        )
        if taken is not None and taken != user.id:
            raise Conflict("That phone is another login.", {"phone": ["Already in use."]})
        user.username = member.phone


# --- status events ------------------------------------------------------------------------------


def change_status(actor: Actor, member: Member, status, *, on: date, reason: str) -> None:
    """Move a member to another status as a dated event with reason and approver (audited).

    The primitive the workflows call once their approval is given (lapse removal, suspension,
    restoration, loss of probationary status, transfer out); a user's plain edit goes through
    :func:`edit_status`, which refuses what belongs to a workflow.

    409 for a move the lifecycle does not allow (e.g. from removed) or to a current status when
    another current record holds the ID number."""
    status = MemberStatus(status)
    current = MemberStatus(member.status)
    if not rules.can_change_status(current, status):
        raise Conflict(
            f"A member cannot go from {current.value} to {status.value}.",
            {"status": [f"Not allowed from {current.value}."]},
        )
    _write_status_event(actor, member, status, on=on, reason=reason, action="member.status")


def _write_status_event(
    actor: Actor,
    member: Member,
    status: MemberStatus,
    *,
    on: date,
    reason: str,
    action: str,
    since: date | None = None,
) -> MemberStatusEvent:
    """The dated event, the member's status and ``status_since`` (``since``, default ``on``),
    and the audit entry ``action``."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": ["A reason is required."]})
    current = MemberStatus(member.status)
    if status.value in CURRENT_STATUSES and current.value not in CURRENT_STATUSES:
        _check_id_free(member.id_number, exclude_id=member.id)
    event = MemberStatusEvent(
        member_id=member.id,
        from_status=current.value,
        status=status,
        effective_on=on,
        reason=reason.strip(),
        approver_id=getattr(actor, "id", None),
        approver_name=getattr(actor, "username", None) or getattr(actor, "name", "system"),
        created_at=now_utc(),
    )
    with _one_current_record():
        db.session.add(event)
        member.status = status
        member.status_since = since or on
    audit.record(
        actor,
        action,
        member,
        before={"status": current.value},
        after={"status": status.value, "on": on, "since": member.status_since},
        reason=reason.strip(),
    )
    return event


#: Why a plain status edit may not make a move: each of these has its workflow (DOMAIN §8, §7).
WORKFLOW_MOVES = {
    "removed": _l(
        "A member is removed only through a workflow approved by a higher committee: a lapse "
        "case, a removal request after two years of suspension, or the loss of probationary "
        "status."
    ),
    "suspended": _l(
        "A member is suspended only through a suspension request approved by a higher committee."
    ),
    "restored": _l(
        "A suspended member is restored only through a restoration request approved by a higher "
        "committee."
    ),
    "transfer": _l("Transfers out and back in go through the transfer workflow."),
}
NOT_AN_EDIT = _l(
    "A plain status edit only records a death, or corrects a mistaken one back to the status "
    "before it."
)


def _last_status_events(member_id: int, limit: int = 2) -> list[MemberStatusEvent]:
    """The member's latest status events, in the order they were written, newest first."""
    return db.session.scalars(
        select(MemberStatusEvent)
        .where(MemberStatusEvent.member_id == member_id)
        .order_by(MemberStatusEvent.id.desc())
        .limit(limit)
    ).all()


def _correction(member: Member) -> tuple[MemberStatus, date | None] | None:
    """The status a mistaken ``deceased`` goes back to, with the ``status_since`` it had; None
    when the member's status is not a correctable deceased."""
    if MemberStatus(member.status) != MemberStatus.deceased:
        return None
    events = _last_status_events(member.id)
    if not events or MemberStatus(events[0].status) != MemberStatus.deceased:
        return None
    back = events[0].from_status
    if back not in CURRENT_STATUSES:
        return None
    before = events[1] if len(events) > 1 else None
    if before is not None and before.status == back:
        since = before.effective_on
    else:
        since = member.joined_on
    return MemberStatus(back), since


def editable_statuses(member: Member) -> list[MemberStatus]:
    """What a plain status edit may set on this member (the member page offers only these)."""
    current = MemberStatus(member.status)
    if current.value in CURRENT_STATUSES:
        return [MemberStatus.deceased]
    correction = _correction(member)
    return [correction[0]] if correction else []


def edit_status(
    actor: Actor, member: Member, status, *, on: date, reason: str
) -> MemberStatusEvent:
    """A plain status edit by staff (``POST /members/{id}/status-events`` and the member page).

    DOMAIN §8: no endpoint may set removed, suspended or restored outside their workflows; a
    plain edit covers only deceased and corrections of data entry, and is audited. Precisely:

    - **deceased**, from active or suspended: a death is recorded, not decided. Audited as
      ``member.status_edit``.
    - **a correction of data entry**: undoing a mistaken deceased. When the member's latest status
      event set deceased, the member goes back to the status that event left (active or
      suspended), and ``status_since`` back to the date it had then (the effective date of the
      event before, or the join date), so a suspension keeps its two-year clock. The correction
      is a new event dated ``on`` with ``from_status`` deceased, audited as
      ``member.status_correction``. Nothing else is a correction: a status set by a workflow is
      undone only by its own workflow (a refused approval, a restoration, a transfer).

    409 for everything else, naming the workflow: removed (lapse case, removal request after two
    years of suspension, loss of probationary status), suspended (suspension request), active from
    suspended (restoration request), transferred out and back (transfers), and any move from
    removed. 422 without a reason or for a date in the future."""
    require_role(actor, WRITE_ROLES)
    try:
        status = MemberStatus(status)
    except ValueError:
        raise ValidationError({"status": [_l("Not a member status.")]}) from None
    current = MemberStatus(member.status)
    if on > today_local():
        raise ValidationError({"on": [_l("The date cannot be in the future.")]})
    correction = _correction(member)
    if correction is not None and correction[0] == status:
        return _write_status_event(
            actor,
            member,
            status,
            on=on,
            reason=reason,
            action="member.status_correction",
            since=correction[1],
        )
    if status == MemberStatus.deceased and current.value in CURRENT_STATUSES:
        return _write_status_event(
            actor, member, status, on=on, reason=reason, action="member.status_edit"
        )
    if status == MemberStatus.removed:
        message = WORKFLOW_MOVES["removed"]
    elif status == MemberStatus.suspended:
        message = WORKFLOW_MOVES["suspended"]
    elif status == MemberStatus.active and current == MemberStatus.suspended:
        message = WORKFLOW_MOVES["restored"]
    elif MemberStatus.transferred_out in (status, current):
        message = WORKFLOW_MOVES["transfer"]
    else:
        message = NOT_AN_EDIT
    allowed = ", ".join(s.value for s in editable_statuses(member)) or "-"
    raise Conflict(message, {"status": [_l("Allowed here: %(statuses)s.", statuses=allowed)]})


def status_events(member_id: int) -> list[MemberStatusEvent]:
    return db.session.scalars(
        select(MemberStatusEvent)
        .where(MemberStatusEvent.member_id == member_id)
        .order_by(MemberStatusEvent.effective_on, MemberStatusEvent.id)
    ).all()


# --- exemptions (特殊党员) ------------------------------------------------------------------------


def is_exempt(member_id: int, month: int) -> bool:
    """Whether the member is exempt from the points and lapse rules in ``month`` (a month index):
    an exemption in force on any day of the month counts."""
    stmt = select(exempt_clause(month)).select_from(Member).where(Member.id == member_id)
    return bool(db.session.scalar(stmt))


def add_exemption(
    actor: Actor, member: Member, *, starts_on: date, reason: str, ends_on: date | None = None
) -> MemberExemption:
    """Record an exemption decided by the branch (secretary or admin). ``ends_on`` (inclusive)
    may be left out or None: an open-ended exemption (long-term illness, DOMAIN §3), stored
    with a NULL end and in force until an end is recorded."""
    require_role(actor, WRITE_ROLES)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": ["Cannot be before starts_on."]})
    row = MemberExemption(
        member_id=member.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by_id=getattr(actor, "id", None),
        created_at=now_utc(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "member.exemption",
        member,
        after={"starts_on": starts_on, "ends_on": ends_on},
        reason=reason.strip(),
    )
    return row


def exemptions(member_id: int) -> list[MemberExemption]:
    return db.session.scalars(
        select(MemberExemption)
        .where(MemberExemption.member_id == member_id)
        .order_by(MemberExemption.starts_on, MemberExemption.id)
    ).all()


# --- consent and location ------------------------------------------------------------------


def latest_consent(member_id: int, purpose: str = "location") -> MemberConsent | None:
    return db.session.scalars(
        select(MemberConsent)
        .where(MemberConsent.member_id == member_id, MemberConsent.purpose == purpose)
        .order_by(MemberConsent.id.desc())
        .limit(1)
    ).first()


def has_location_consent(member_id: int) -> bool:
    """Whether the member's latest location consent is a grant."""
    row = latest_consent(member_id, ConsentPurpose.location.value)
    return bool(row and row.granted)


def set_consent(
    actor: Actor, member: Member, purpose: str, granted: bool, *, text_version: str | None = None
) -> MemberConsent:
    """Record a grant or withdrawal. Withdrawing the location consent deletes the current location
    on the ledger and the member's location history (PIPL art. 47), and stops new ones."""
    purpose = ConsentPurpose(purpose)
    row = MemberConsent(
        member_id=member.id,
        purpose=purpose,
        granted=bool(granted),
        text_version=text_version or consent_texts.LOCATION_TEXT_VERSION,
        at=now_utc(),
        ip=client_ip(),
    )
    db.session.add(row)
    if not granted and purpose == ConsentPurpose.location:
        member.province_code = member.city_code = member.district_code = None
        member.location_reported_at = None
        db.session.execute(delete(MemberLocation).where(MemberLocation.member_id == member.id))
    db.session.flush()
    audit.record(
        actor,
        "member.consent_granted" if granted else "member.consent_withdrawn",
        member,
        after={"purpose": purpose.value, "text_version": row.text_version},
    )
    return row


def record_location(
    actor: Actor,
    member: Member,
    province_code: str,
    city_code: str,
    district_code: str | None = None,
    *,
    source: str,
) -> None:
    """Store a self-reported location (GB/T 2260 codes): the member's current location columns and
    a history row. 409 without a granted location consent; 422 for unknown codes."""
    if not has_location_consent(member.id):
        raise Conflict(
            "The member has not consented to recording their location.",
            {"location": ["No location consent."]},
        )
    validate_location(province_code, city_code, district_code)
    now = now_utc()
    member.province_code = province_code
    member.city_code = city_code
    member.district_code = district_code or None
    member.location_reported_at = now
    db.session.add(
        MemberLocation(
            member_id=member.id,
            province_code=province_code,
            city_code=city_code,
            district_code=district_code or None,
            source=source,
            reported_at=now,
        )
    )
    db.session.flush()


def _staff_location(actor: Actor, member: Member, location: LocationInput, *, source: str) -> None:
    """Staff enter a location from the member's signed paper registration form, which carries the
    consent clause: that is recorded as a paper consent unless the member has decided on /me (a
    withdrawal there wins: 409)."""
    if latest_consent(member.id) is None:
        set_consent(actor, member, "location", True, text_version=consent_texts.PAPER_TEXT_VERSION)
    record_location(
        actor,
        member,
        location["province_code"],
        location["city_code"],
        location.get("district_code"),
        source=source,
    )


def purge_location_history(before: date) -> int:
    """Delete location history reported before ``before`` (a local date); returns the count.
    The nightly job passes as_of minus 24 months."""
    cutoff = datetime.combine(before, time.min, tzinfo=LOCAL_TZ)
    result = db.session.execute(delete(MemberLocation).where(MemberLocation.reported_at < cutoff))
    return result.rowcount or 0


def location_history(member_id: int) -> list[MemberLocation]:
    return db.session.scalars(
        select(MemberLocation)
        .where(MemberLocation.member_id == member_id)
        .order_by(MemberLocation.reported_at.desc(), MemberLocation.id.desc())
    ).all()


# --- ID number full read -----------------------------------------------------------------------


def read_id_number(actor: Actor, member: Member, reason: str) -> str:
    """The full ID number (secretary or admin); the read is audited with its reason."""
    require_role(actor, WRITE_ROLES)
    if not reason or len(reason.strip()) < 2:
        raise ValidationError({"reason": ["A reason is required."]})
    audit.record(actor, "member.id_number_read", member, reason=reason.strip())
    return member.id_number


# --- invitations and activation ----------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normalize_code(code).encode()).hexdigest()


def create_invitation(actor: Actor, member: Member) -> tuple[str, MemberInvitation]:
    """A single-use activation code (shown once; stored hashed), valid 7 days. Earlier unused codes
    of the member stop working."""
    require_role(actor, WRITE_ROLES)
    if member.status not in CURRENT_STATUSES:
        raise Conflict("Only a current member can be invited.")
    if db.session.scalar(select(User.id).where(User.member_id == member.id)) is not None:
        raise Conflict("The member already has a login.")
    now = now_utc()
    db.session.execute(
        update(MemberInvitation)
        .where(
            MemberInvitation.member_id == member.id,
            MemberInvitation.used_at.is_(None),
            MemberInvitation.expires_at > now,
        )
        .values(expires_at=now)
    )
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    code = f"{raw[:5]}-{raw[5:]}"
    invitation = MemberInvitation(
        member_id=member.id,
        code_hash=_code_hash(code),
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "member.invitation", member, after={"expires_at": invitation.expires_at})
    return code, invitation


def activate(code: str, password: str) -> User:
    """Turn an invitation code into the member's login (role member, login = E.164 phone)."""
    invitation = db.session.scalars(
        select(MemberInvitation).where(MemberInvitation.code_hash == _code_hash(code))
    ).first()
    now = now_utc()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise ValidationError({"code": ["Unknown, used or expired code."]})
    member = db.session.get(Member, invitation.member_id)
    if member.status not in CURRENT_STATUSES:
        raise ValidationError({"code": ["Unknown, used or expired code."]})
    check_password_strength(password)
    user = create_member_login(member, password)
    invitation.used_at = now
    audit.record(user, "member.activated", member)
    return user


# --- time away ----------------------------------------------------------------------------------


#: Transfer statuses in which a member's paperwork is on its way (DOMAIN §4).
OPEN_TRANSFER_STATUSES = ("requested", "approved", "issued", "received")


def _open_transfer_member_ids(member_ids: list[int]) -> set[int]:
    if not member_ids:
        return set()
    stmt = select(Transfer.member_id).where(
        Transfer.member_id.in_(member_ids), Transfer.status.in_(OPEN_TRANSFER_STATUSES)
    )
    return set(db.session.scalars(stmt).all())


def paperwork(members: list[Member], as_of: date) -> list[dict]:
    """For each member: the paper their time away needs and what does not match (DOMAIN §4)."""
    ids = [m.id for m in members]
    history: dict[int, list[tuple[date, str]]] = {}
    if ids:
        since = datetime.combine(rules.add_months(as_of, -6), time.min, tzinfo=LOCAL_TZ)
        rows = db.session.execute(
            select(
                MemberLocation.member_id, MemberLocation.reported_at, MemberLocation.city_code
            ).where(MemberLocation.member_id.in_(ids), MemberLocation.reported_at >= since)
        ).all()
        for member_id, at, city in rows:
            history.setdefault(member_id, []).append((at.astimezone(LOCAL_TZ).date(), city))
    transfers = _open_transfer_member_ids(ids)
    out = []
    for m in members:
        fixed = rules.is_fixed_place(m.city_code, history.get(m.id, []), as_of)
        paper = rules.paper_needed(m.away_since, as_of, fixed)
        problem = rules.paperwork_problem(
            paper,
            held_paper=m.away_paper,
            transfer_open=m.id in transfers,
            last_report_month=m.last_checkin_month,
            as_of=as_of,
        )
        out.append(
            {"member": m, "paper_needed": paper.value, "fixed_place": fixed, "problem": problem}
        )
    return out


def paperwork_mismatches(actor: Actor, as_of: date, org_id: int | None = None) -> list[dict]:
    """Active members in the actor's subtree whose paperwork does not match their time away."""
    stmt = select(Member).where(
        scope_clause(Member, actor),
        Member.status == MemberStatus.active,
        Member.away_since.is_not(None),
        Member.away_since <= as_of,
    )
    if org_id is not None:
        stmt = stmt.where(org_subtree_clause(actor, org_id))
    members = db.session.scalars(stmt.order_by(Member.id)).all()
    return [row for row in paperwork(members, as_of) if row["problem"]]

