"""Organisation life: activities and attendance (state changes; flush, never commit).

Who can be recorded at an activity: a member whose org (``Member.org_id``) or home org
(``Member.home_org_id``) lies in the activity's org subtree — a branch's activity is for the
members it holds and for its members working elsewhere; a committee's lecture is for everyone
below it. Staff record attendance for activities of orgs in their own subtree (admin and
secretary). A member sees the activities of their org and of the orgs above it (the same
relation seen from the member) and may confirm online attendance with the activity's code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypedDict

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError

from flowmember.checkins import rules
from flowmember.checkins.models import (
    ATTENDED,
    Activity,
    ActivityKind,
    Attendance,
    AttendanceStatus,
)
from flowmember.checkins.summaries import recompute_attended
from flowmember.core import audit, months
from flowmember.core.auth import Actor, get_scoped, require_org_in_scope, scoped
from flowmember.core.errors import Conflict, NotFound, ValidationError
from flowmember.core.time import now_utc, today_local
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.models import Org

ACTIVITY_AUDIT_FIELDS = ["org_id", "kind", "title", "held_on", "online"]


class AttendanceEntry(TypedDict):
    """One member's attendance in a bulk recording."""

    member_id: int
    status: AttendanceStatus | str


def create_activity(
    actor: Actor,
    *,
    org_id: int,
    kind: ActivityKind | str,
    title: str,
    held_on: date,
    online: bool = False,
) -> Activity:
    """Add an activity of an org in the actor's subtree, with a fresh attendance code."""
    require_org_in_scope(actor, org_id)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": ["Required."]})
    activity = Activity(
        org_id=org_id,
        kind=ActivityKind(kind),
        title=title,
        held_on=held_on,
        month=months.of(held_on),
        online=bool(online),
        code=rules.new_activity_code(),
        created_by_id=getattr(actor, "id", None),
        created_at=now_utc(),
    )
    db.session.add(activity)
    db.session.flush()
    audit.record(
        actor,
        "activity.create",
        activity,
        after=audit.snapshot(activity, ACTIVITY_AUDIT_FIELDS),
    )
    return activity


def get_activity(actor: Actor, activity_id: int) -> Activity:
    return get_scoped(Activity, activity_id, actor, what="Activity")


def activities_in_scope(
    actor: Actor,
    *,
    org_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """Select of the activities of orgs in the actor's subtree, newest first (optionally of one
    org, from / to a date)."""
    stmt = scoped(select(Activity), Activity, actor)
    if org_id is not None:
        stmt = stmt.where(Activity.org_id == org_id)
    if date_from is not None:
        stmt = stmt.where(Activity.held_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Activity.held_on <= date_to)
    return stmt.order_by(Activity.held_on.desc(), Activity.id.desc())


def eligible_members(activity: Activity) -> Select:
    """Select of the members who may be recorded at this activity."""
    org_path = select(Org.path).where(Org.id == activity.org_id).scalar_subquery()
    subtree = select(Org.id).where(Org.path.startswith(org_path))
    return select(Member).where(or_(Member.org_id.in_(subtree), Member.home_org_id.in_(subtree)))


def _check_status(
    activity: Activity, status: AttendanceStatus | str | None, field: str
) -> AttendanceStatus:
    try:
        status = AttendanceStatus(status)
    except ValueError:
        raise ValidationError({field: ["Not a valid attendance status."]}) from None
    problem = rules.attendance_problem(status.value, activity.held_on, today_local())
    if problem:
        raise Conflict(problem, {field: [problem]})
    return status


def set_attendance(
    actor: Actor, activity: Activity, member_id: int, status: AttendanceStatus | str
) -> Attendance:
    """Record (or change) one member's attendance."""
    return set_attendance_bulk(actor, activity, [{"member_id": member_id, "status": status}])[0]


def set_attendance_bulk(
    actor: Actor, activity: Activity, entries: Sequence[AttendanceEntry]
) -> list[Attendance]:
    """Record many members' attendance at once (a whole branch): all or nothing. A bad entry
    raises 422 naming it, e.g. ``entries.3.member_id``; nothing is written."""
    seen: dict[int, int] = {}
    statuses: dict[int, AttendanceStatus] = {}
    errors: dict[str, list[str]] = {}
    for i, entry in enumerate(entries):
        member_id = entry.get("member_id")
        if member_id in seen:
            errors[f"entries.{i}.member_id"] = [f"Repeats entry {seen[member_id]}."]
            continue
        seen[member_id] = i
        try:
            statuses[member_id] = _check_status(activity, entry.get("status"), "status")
        except ValidationError as exc:
            errors[f"entries.{i}.status"] = exc.errors["status"]
        except Conflict as exc:
            raise Conflict(exc.message, {f"entries.{i}.status": [exc.message]}) from None
    if seen:
        known = set(
            db.session.scalars(
                eligible_members(activity)
                .where(Member.id.in_(list(seen)))
                .with_only_columns(Member.id)
            )
        )
        for member_id, i in seen.items():
            if member_id not in known:
                errors[f"entries.{i}.member_id"] = ["Not a member of this activity's org."]
    if errors:
        raise ValidationError(dict(sorted(errors.items())))
    now = now_utc()
    existing = {
        a.member_id: a
        for a in db.session.scalars(
            select(Attendance)
            .where(Attendance.activity_id == activity.id, Attendance.member_id.in_(list(seen)))
            .with_for_update()
        )
    }
    rows, changed = [], []
    for member_id, status in statuses.items():
        row = existing.get(member_id)
        if row is None:
            row = Attendance(activity_id=activity.id, member_id=member_id, status=status)
            db.session.add(row)
            changed.append({"member_id": member_id, "from": None, "to": status.value})
        elif row.status != status:
            changed.append({"member_id": member_id, "from": row.status.value, "to": status.value})
            row.status = status
        else:
            rows.append(row)
            continue
        row.recorded_by_id = getattr(actor, "id", None)
        row.recorded_at = now
        rows.append(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("Attendance was changed at the same time; try again.") from None
    if changed:
        audit.record(
            actor,
            "attendance.set",
            activity,
            after={"changes": changed},
        )
        recompute_attended(c["member_id"] for c in changed)
    order = {m: i for i, m in enumerate(statuses)}
    return sorted(rows, key=lambda r: order[r.member_id])


def delete_attendance(actor: Actor, activity: Activity, member_id: int) -> None:
    row = db.session.scalars(
        select(Attendance).where(
            Attendance.activity_id == activity.id, Attendance.member_id == member_id
        )
    ).first()
    if row is None:
        raise NotFound("No attendance recorded for this member.")
    audit.record(
        actor,
        "attendance.delete",
        activity,
        before={"member_id": member_id, "status": row.status.value},
    )
    db.session.delete(row)
    db.session.flush()
    recompute_attended([member_id])


def attendance_of(activity: Activity) -> Select:
    return (
        select(Attendance)
        .where(Attendance.activity_id == activity.id)
        .order_by(Attendance.member_id)
    )


# --- the member's side ------------------------------------------------------------------------


def _member_org_ids(member: Member) -> list[int]:
    """Ids of the member's org and home org and every org above them."""
    ids: set[int] = set()
    for org_id in (member.org_id, member.home_org_id):
        if org_id is None:
            continue
        org = db.session.get(Org, org_id)
        ids.update(int(p) for p in org.path.strip("/").split("/") if p)
    return sorted(ids)


def activities_for_member(member: Member) -> Select:
    """Select of the activities the member belongs to, newest first."""
    return (
        select(Activity)
        .where(Activity.org_id.in_(_member_org_ids(member)))
        .order_by(Activity.held_on.desc(), Activity.id.desc())
    )


def my_activities(member: Member, *, limit: int, offset: int = 0) -> list[Activity]:
    """One page of the member's activities (:func:`activities_for_member`), each with
    ``my_status``: the member's recorded attendance (a status value) or None. The member's
    page and ``GET /me/activities`` both read it."""
    page = list(db.session.scalars(activities_for_member(member).limit(limit).offset(offset)))
    statuses = dict(
        db.session.execute(
            select(Attendance.activity_id, Attendance.status).where(
                Attendance.member_id == member.id,
                Attendance.activity_id.in_([a.id for a in page]),
            )
        ).all()
    )
    for activity in page:
        status = statuses.get(activity.id)
        activity.my_status = status.value if status is not None else None
    return page


def member_activity(member: Member, activity_id: int) -> Activity:
    activity = db.session.scalars(
        activities_for_member(member).where(Activity.id == activity_id)
    ).first()
    if activity is None:
        raise NotFound("Activity not found.")
    return activity


def confirm_online(actor: Actor, member: Member, activity_id: int, code: str) -> Attendance:
    """A member confirms online attendance with the code announced at the activity. A
    recorded 'present' is kept; anything else becomes 'online'."""
    activity = member_activity(member, activity_id)
    problem = rules.online_confirm_problem(activity.online, activity.held_on, today_local())
    if problem:
        raise Conflict(problem)
    if rules.normalize_code(code or "") != activity.code:
        raise ValidationError({"code": ["Wrong code."]})
    row = db.session.scalars(
        select(Attendance).where(
            Attendance.activity_id == activity.id, Attendance.member_id == member.id
        )
    ).first()
    if row is not None and row.status in ATTENDED:
        return row
    before = row.status.value if row is not None else None
    if row is None:
        row = Attendance(activity_id=activity.id, member_id=member.id)
        db.session.add(row)
    row.status = AttendanceStatus.online
    row.recorded_by_id = None
    row.recorded_at = now_utc()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("Attendance was changed at the same time; try again.") from None
    audit.record(
        actor,
        "attendance.confirm_online",
        activity,
        after={"changes": [{"member_id": member.id, "from": before, "to": "online"}]},
    )
    recompute_attended([member.id])
    return row
