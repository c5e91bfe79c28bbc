"""Check-ins and contact attempts: state changes (flush, never commit), the reads the pages and
the API share, the staff lists and the location purge. Activities and attendance are in
:mod:`flowmember.checkins.activities`; the summary columns in
:mod:`flowmember.checkins.summaries`.

The staff lists (who has not checked in, who had no org life) are selects; handing such a list
to the reminders package as a batch notice is the caller's business
(:func:`flowmember.reminders.services.remind_missing_checkins`): this package does not know
about reminders."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import NotRequired, TypedDict

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from flowmember.checkins import rules
from flowmember.checkins.models import (
    REACHED_OUTCOMES,
    Checkin,
    ContactAttempt,
    ContactChannel,
    ContactOutcome,
)
from flowmember.checkins.summaries import note_checkin, note_reached
from flowmember.core import audit, months
from flowmember.core.auth import Actor, require_org_in_scope, scope_clause
from flowmember.core.errors import Conflict, ValidationError
from flowmember.core.time import now_utc, today_local
from flowmember.extensions import db
from flowmember.lapse.rules import reports_first_month
from flowmember.members import services as member_services
from flowmember.members.divisions import validate_location
from flowmember.members.models import AWAY_CATEGORIES, Member, MemberStatus
from flowmember.orgs.models import Org

log = logging.getLogger(__name__)

__all__ = [
    "members_missing_attendance",
    "members_missing_checkin",
    "purge_location_history",
    "record_contact",
    "reporting_started_by",
    "submit_checkin",
]

#: Statuses in which a member may check in.
CHECKIN_STATUSES = (MemberStatus.active, MemberStatus.suspended)
_UNSET = object()

CHECKIN_AUDIT_FIELDS = [
    "month",
    "province_code",
    "city_code",
    "district_code",
    "phone",
    "employer",
    "report",
    "revision",
]


class Location(TypedDict):
    """City-level location by GB/T 2260 codes (as :class:`flowmember.core.fields.LocationArgs`
    loads it)."""

    province_code: str
    city_code: str
    district_code: NotRequired[str | None]


# --- check-ins --------------------------------------------------------------------------------


def _validate_checkin(
    month: int | None, report: str, location: Location | None, today: date
) -> tuple[int, str]:
    errors: dict[str, list[str]] = {}
    if month is None:
        month = months.of(today)
    else:
        problem = rules.checkin_month_problem(month, today)
        if problem:
            errors["month"] = [problem]
    report = (report or "").strip()
    if not report:
        errors["report"] = ["Write a short report."]
    elif len(report) > rules.REPORT_MAX_LENGTH:
        errors["report"] = [f"At most {rules.REPORT_MAX_LENGTH} characters."]
    if location is not None:
        try:
            validate_location(
                location.get("province_code"),
                location.get("city_code"),
                location.get("district_code"),
            )
        except ValidationError as exc:
            errors.update(exc.errors or {})
    if errors:
        raise ValidationError(errors)
    return month, report


def submit_checkin(
    actor: Actor,
    member: Member,
    *,
    report: str,
    month: int | None = None,
    location: Location | None = None,
    phone: str | None = None,
    employer=_UNSET,
    client_uuid: str | None = None,
) -> tuple[Checkin, str]:
    """Record the member's check-in for ``month`` (default: the current month).

    Returns ``(checkin, outcome)`` with outcome ``"created"`` (first of the month),
    ``"amended"`` (a second submission in the month, same row) or ``"replayed"`` (a
    submission with an already-stored ``client_uuid``: nothing changes). ``phone`` is E.164
    (:class:`flowmember.core.fields.Phone` reads it). Raises ValidationError (422) for a bad
    month, report or division code, Conflict (409) for a location without the member's granted
    location consent."""
    today = today_local()
    now = now_utc()
    month, report = _validate_checkin(month, report, location, today)
    if client_uuid is not None:
        client_uuid = str(client_uuid)
        previous = db.session.scalars(
            select(Checkin).where(Checkin.client_uuid == client_uuid)
        ).first()
        if previous is not None:
            if previous.member_id != member.id:
                raise Conflict("This submission id is already used.", {"client_uuid": ["Used."]})
            return previous, "replayed"
    if member.status not in CHECKIN_STATUSES:
        raise Conflict("Only a current member can check in.")
    if location is not None:
        if not member_services.has_location_consent(member.id):
            raise Conflict(
                "Sharing your location needs your consent first.",
                {"location": ["Location consent has not been granted."]},
            )
        member_services.record_location(
            actor,
            member,
            location["province_code"],
            location["city_code"],
            location.get("district_code") or None,
            source="checkin",
        )
    _update_member_contact(actor, member, phone, employer)

    checkin = _for_month(member.id, month, lock=True)
    outcome = "amended"
    if checkin is None:
        checkin = Checkin(
            member_id=member.id,
            month=month,
            report=report,
            phone=member.phone,
            employer=member.employer,
            client_uuid=client_uuid,
            submitted_by_id=getattr(actor, "id", None),
            created_at=now,
            updated_at=now,
            revision=1,
        )
        _set_location(checkin, location)
        try:
            with db.session.begin_nested():
                db.session.add(checkin)
        except IntegrityError:
            # A concurrent first submission for the same month won: amend it instead.
            checkin = _for_month(member.id, month, lock=True)
            if checkin is None:  # pragma: no cover - it was the client_uuid that collided
                raise Conflict("This submission id is already used.") from None
        else:
            outcome = "created"
    if outcome == "amended":
        before = audit.snapshot(checkin, CHECKIN_AUDIT_FIELDS)
        checkin.report = report
        checkin.phone = member.phone
        checkin.employer = member.employer
        if location is not None:
            _set_location(checkin, location)
        if client_uuid is not None:
            checkin.client_uuid = client_uuid
        checkin.revision = (checkin.revision or 1) + 1
        checkin.updated_at = now
        checkin.submitted_by_id = getattr(actor, "id", None)
        db.session.flush()
        b, a = audit.changes(before, audit.snapshot(checkin, CHECKIN_AUDIT_FIELDS))
        audit.record(actor, "checkin.amend", checkin, org_id=member.org_id, before=b, after=a)
    else:
        db.session.flush()
        audit.record(
            actor,
            "checkin.create",
            checkin,
            org_id=member.org_id,
            after=audit.snapshot(checkin, CHECKIN_AUDIT_FIELDS),
        )
    note_checkin(member.id, month, now)
    return checkin, outcome


def _for_month(member_id: int, month: int, *, lock: bool = False) -> Checkin | None:
    stmt = select(Checkin).where(Checkin.member_id == member_id, Checkin.month == month)
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt).first()


def _set_location(checkin: Checkin, location: Location | None) -> None:
    if location is None:
        return
    checkin.province_code = location["province_code"]
    checkin.city_code = location["city_code"]
    checkin.district_code = location.get("district_code") or None


def _update_member_contact(actor: Actor, member: Member, phone: str | None, employer) -> None:
    """Phone and employer confirmed in a check-in update the member's ledger (audited)."""
    fields = {}
    if phone is not None and phone != member.phone:
        fields["phone"] = phone
    if employer is not _UNSET:
        employer = (employer or "").strip() or None
        if employer != member.employer:
            fields["employer"] = employer
    if not fields:
        return
    before = audit.snapshot(member, list(fields))
    for key, value in fields.items():
        setattr(member, key, value)
    if "phone" in fields:
        # A member's login is their phone: the members package keeps it in step (409 when the
        # new phone is another login).
        member_services.follow_phone(member)
    audit.record(
        actor,
        "member.update",
        member,
        before=before,
        after=audit.snapshot(member, list(fields)),
        reason="Confirmed by the member in a monthly check-in.",
    )


def checkin_for_month(member_id: int, month: int) -> Checkin | None:
    return _for_month(member_id, month)


def checkins_of(
    member_id: int, *, month_from: int | None = None, month_to: int | None = None
) -> Select:
    """Select of a member's check-ins, newest month first (optionally from / to a month)."""
    stmt = select(Checkin).where(Checkin.member_id == member_id)
    if month_from is not None:
        stmt = stmt.where(Checkin.month >= month_from)
    if month_to is not None:
        stmt = stmt.where(Checkin.month <= month_to)
    return stmt.order_by(Checkin.month.desc())


# --- contact attempts -------------------------------------------------------------------------


def record_contact(
    actor: Actor,
    member: Member,
    *,
    channel: ContactChannel | str,
    outcome: ContactOutcome | str,
    at: datetime | None = None,
    note: str | None = None,
) -> ContactAttempt:
    """Log a contact attempt; ``reached`` or ``refused`` (the member answered, DOMAIN §8) moves
    the member's last_reached_at forward."""
    now = now_utc()
    at = (at or now).astimezone(UTC)  # stored and answered in UTC
    if at > now + timedelta(minutes=5):
        raise ValidationError({"at": ["Cannot be in the future."]})
    attempt = ContactAttempt(
        member_id=member.id,
        at=at,
        channel=ContactChannel(channel),
        outcome=ContactOutcome(outcome),
        note=(note or "").strip() or None,
        recorded_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    db.session.add(attempt)
    db.session.flush()
    audit.record(
        actor,
        "contact.create",
        attempt,
        org_id=member.org_id,
        after=audit.snapshot(attempt, ["member_id", "at", "channel", "outcome", "note"]),
    )
    if attempt.outcome in REACHED_OUTCOMES:
        note_reached(member.id, at)
    return attempt


def contacts_of(member_id: int) -> Select:
    """Select of the contact attempts with a member, newest first."""
    return (
        select(ContactAttempt)
        .where(ContactAttempt.member_id == member_id)
        .order_by(ContactAttempt.at.desc(), ContactAttempt.id.desc())
    )


# --- staff lists ------------------------------------------------------------------------------


def _subtree_ids(org: Org):
    return select(Org.id).where(Org.path.startswith(org.path))


def _members_under(actor: Actor, org_id: int | None) -> Select:
    org = require_org_in_scope(actor, org_id if org_id is not None else actor.org_id)
    return (
        select(Member)
        .where(Member.scope(_subtree_ids(org)), scope_clause(Member, actor))
        .where(Member.status == MemberStatus.active)
    )


def missed_checkin_months(member: Member, current: int) -> int:
    """Whole months without a check-in before ``current``, counted from the first month the
    member owed a report (:func:`flowmember.lapse.rules.reports_first_month`): a member imported
    or received this month has missed nothing."""
    owed_since = reports_first_month(
        member.joined_on,
        tracked_since_month=member.tracked_since_month,
        org_since_month=member.org_since_month,
        entered_month=member.entered_month,
    )
    return rules.missed_months(member.last_checkin_month, current, owed_since)


def reporting_started_by(month: int) -> ColumnElement[bool]:
    """SQL: the member's first month of monthly reports
    (:func:`flowmember.lapse.rules.reports_first_month`) is ``month`` or earlier: joined,
    tracked, under the current org and entered by then. The missing-check-in list, the
    reminders package's check-in selection and the contact sweep all start from it."""
    return and_(
        Member.joined_on <= months.last_day(month),
        Member.tracked_since_month <= month,
        Member.entered_month <= month,
        or_(Member.org_since_month.is_(None), Member.org_since_month <= month),
    )


def members_missing_checkin(actor: Actor, org_id: int | None, month: int) -> Select:
    """Select of active mobile members (graduate, migrant) under the org with no check-in for
    ``month``, from the month they came under the org (the set-based twin of
    ``flowmember.reminders.rules.missing_checkin``). For the current month it reads the summary
    column only."""
    stmt = _members_under(actor, org_id).where(
        Member.category.in_([c.value for c in AWAY_CATEGORIES]), reporting_started_by(month)
    )
    if month >= months.of(today_local()):
        stmt = stmt.where(
            or_(Member.last_checkin_month.is_(None), Member.last_checkin_month < month)
        )
    else:
        done = select(Checkin.id).where(Checkin.member_id == Member.id, Checkin.month == month)
        stmt = stmt.where(~done.exists())
    return stmt.order_by(Member.org_id, Member.name, Member.id)


def home_province() -> str | None:
    """The province of the deployment's orgs (setting ``HOME_PROVINCE_CODE``), if set."""
    return current_app.config.get("HOME_PROVINCE_CODE") or None


def members_missing_attendance(
    actor: Actor, org_id: int | None, today: date | None = None
) -> Select:
    """Select of active members under the org with no attendance (present or online) in the
    current quarter (in-province) or half-year (out-of-province); see rules.is_in_province."""
    today = today or today_local()
    home = home_province()
    q_first, _ = rules.attendance_period(today, in_province=True)
    h_first, _ = rules.attendance_period(today, in_province=False)
    not_since_q = or_(Member.last_attended_month.is_(None), Member.last_attended_month < q_first)
    not_since_h = or_(Member.last_attended_month.is_(None), Member.last_attended_month < h_first)
    stmt = _members_under(actor, org_id)
    if home is None:
        stmt = stmt.where(not_since_q)
    else:
        in_province = or_(Member.province_code.is_(None), Member.province_code == home)
        stmt = stmt.where(or_(in_province & not_since_q, ~in_province & not_since_h))
    return stmt.order_by(Member.org_id, Member.name, Member.id)


# --- location retention -----------------------------------------------------------------------


def purge_location_history(as_of: date) -> int:
    """Delete location history older than 24 calendar months before ``as_of``: the location of
    check-ins for earlier months, and the members package's location history. Returns the
    number of rows cleared. Safe to run twice."""
    cutoff = rules.location_cutoff_month(as_of)
    result = db.session.execute(
        update(Checkin)
        .where(Checkin.month < cutoff, Checkin.province_code.is_not(None))
        .values(province_code=None, city_code=None, district_code=None)
        .execution_options(synchronize_session=False)
    )
    cleared = result.rowcount or 0
    cleared += member_services.purge_location_history(months.first_day(cutoff)) or 0
    log.info("purged location of %s rows before %s", cleared, months.to_str(cutoff))
    return cleared
