"""Reminders and notices: state changes (flush, never commit) and the reads the pages and the
API share.

The outbox row is written before anything is sent and is unique per (member, kind, period):
enqueueing the same reminder again, from a second scheduler or a re-run, writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

from sqlalchemy import Select, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from flowmember.checkins.services import members_missing_attendance, members_missing_checkin
from flowmember.core.audit import record
from flowmember.core.auth import Actor, org_ids_in_scope, require_org_in_scope, scoped
from flowmember.core.db import UTCDateTime
from flowmember.core.errors import ValidationError
from flowmember.core.time import now_utc
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.models import Org
from flowmember.reminders.models import (
    Kind,
    Notice,
    Reminder,
    ReminderPreference,
    ReminderStatus,
)
from flowmember.reminders.rules import DEFAULT_CHANNELS, MEMBER_CHANNELS

KINDS = frozenset(k.value for k in Kind)
NOTICE_MAX_LENGTH = 500


class ReminderRow(TypedDict):
    """One outbox row to queue: to a member or to a staff user."""

    kind: str
    period: str
    member_id: NotRequired[int | None]
    user_id: NotRequired[int | None]
    notice_id: NotRequired[int | None]
    context: NotRequired[dict[str, Any] | None]
    channels: NotRequired[list[str] | None]


class NoticeFilter(TypedDict, total=False):
    """Which members a batch notice goes to (every key optional)."""

    category: str
    #: Member status; default ``active``.
    status: str
    flag: Literal["lapse_risk", "unreachable"]
    member_ids: list[int]


class ReminderFilter(TypedDict, total=False):
    """The filters of the reminders list (the API's query and the staff page alike)."""

    member_id: int
    kind: Kind | str
    #: A public status: queued (sending reads as queued), sent, failed or skipped.
    status: str
    notice_id: int
    #: Only the actor's own staff reminders (letters, receipts).
    mine: bool


def _dialect_insert():
    dialect = db.session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _insert_ignore(rows: list[dict]) -> list[int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the ids of the rows actually written."""
    if not rows:
        return []
    dialect_insert = _dialect_insert()
    now = now_utc()
    for row in rows:
        row.setdefault("status", ReminderStatus.queued.value)
        row.setdefault("attempts", 0)
        row.setdefault("channel_attempts", 0)
        row.setdefault("bounced", False)
        row.setdefault("created_at", now)
        for key in ("member_id", "user_id", "notice_id", "context", "channels"):
            row.setdefault(key, None)
    stmt = dialect_insert(Reminder).on_conflict_do_nothing().returning(Reminder.id)
    ids: list[int] = []
    for start in range(0, len(rows), 1000):
        ids.extend(db.session.scalars(stmt, rows[start : start + 1000]).all())
    return ids


def enqueue(member_id: int, kind: str, period: str, context: dict[str, Any] | None = None) -> bool:
    """Queue one member reminder; False when (member, kind, period) already exists."""
    if kind not in KINDS:
        raise ValueError(f"unknown reminder kind {kind!r}")
    row = {"member_id": member_id, "kind": kind, "period": period, "context": context}
    return bool(_insert_ignore([row]))


def enqueue_staff(
    user_id: int, kind: str, period: str, context: dict[str, Any] | None = None
) -> bool:
    """Queue one reminder to a staff user; False when (user, kind, period) already exists."""
    if kind not in KINDS:
        raise ValueError(f"unknown reminder kind {kind!r}")
    row = {"user_id": user_id, "kind": kind, "period": period, "context": context}
    return bool(_insert_ignore([row]))


def enqueue_many(rows: list[ReminderRow]) -> int:
    """Queue many reminders at once (dicts with member_id or user_id, kind, period, context?);
    returns how many were new."""
    return len(_insert_ignore([dict(r) for r in rows]))


def enqueue_from_select(kind: str, period: str, member_ids: Select) -> int:
    """Set-based: queue (member, kind, period) for every member id the select returns."""
    dialect_insert = _dialect_insert()
    sub = member_ids.subquery()
    (col,) = sub.c
    source = select(
        col,
        literal(kind),
        literal(period),
        literal(ReminderStatus.queued.value),
        literal(0),
        literal(0),
        literal(False),
        literal(now_utc(), UTCDateTime()),
    ).where(col.is_not(None))  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
    stmt = (
        dialect_insert(Reminder)
        .from_select(
            [
                "member_id",
                "kind",
                "period",
                "status",
                "attempts",
                "channel_attempts",
                "bounced",
                "created_at",
            ],
            source,
        )
        .on_conflict_do_nothing()
        .returning(Reminder.id)
    )
    # RETURNING counts the rows actually added (psycopg reports rowcount -1 for this statement)
    return len(db.session.execute(stmt).all())


# --- batch notices ----------------------------------------------------------------------------


def _clean_channels(channels: list[str] | None, field: str = "channels") -> list[str] | None:
    if channels is None:
        return None
    if not channels or any(c not in MEMBER_CHANNELS for c in channels):
        raise ValidationError({field: [f"Choose from {', '.join(MEMBER_CHANNELS)}."]})
    return list(dict.fromkeys(channels))


def notice_recipients(actor: Actor, org_id: int, flt: NoticeFilter | None) -> Select:
    """Ids of the members a notice from ``org_id`` with this filter goes to (in the actor's
    scope and in the org's subtree). Filter keys: category, status (default active), flag
    (lapse_risk | unreachable), member_ids."""
    org = require_org_in_scope(actor, org_id)
    flt = flt or {}
    subtree = select(Org.id).where(Org.path.startswith(org.path))
    stmt = scoped(select(Member.id), Member, actor).where(Member.scope(subtree))
    stmt = stmt.where(Member.status == flt.get("status", "active"))
    if flt.get("category"):
        stmt = stmt.where(Member.category == flt["category"])
    if flt.get("flag") == "lapse_risk":
        stmt = stmt.where(Member.flag_lapse_risk.is_(True))
    elif flt.get("flag") == "unreachable":
        stmt = stmt.where(Member.flag_unreachable.is_(True))
    if flt.get("member_ids") is not None:
        stmt = stmt.where(Member.id.in_(flt["member_ids"]))
    return stmt.order_by(Member.id)


def count_recipients(actor: Actor, org_id: int, flt: NoticeFilter | None) -> int:
    """How many members a notice from ``org_id`` with this filter would reach (nothing is
    written)."""
    stmt = notice_recipients(actor, org_id, flt)
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def _create_notice(
    actor: Actor,
    org_id: int | None,
    text: str,
    channels: list[str] | None,
    flt: NoticeFilter | None,
    member_ids: list[int],
    *,
    refuse_empty: bool = False,
) -> Notice:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Write the notice."]})
    if len(text) > NOTICE_MAX_LENGTH:
        raise ValidationError({"text": [f"At most {NOTICE_MAX_LENGTH} characters."]})
    channels = _clean_channels(channels)
    if refuse_empty and not member_ids:
        raise ValidationError({"filter": ["No member matches this filter."]})
    notice = Notice(
        org_id=org_id,
        created_by_id=getattr(actor, "id", None),
        text=text,
        channels=channels,
        filter=flt,
        recipients=0,
    )
    db.session.add(notice)
    db.session.flush()
    period = f"notice-{notice.id}"
    rows = [
        {
            "member_id": mid,
            "kind": "notice",
            "period": period,
            "notice_id": notice.id,
            "channels": channels,
        }
        for mid in member_ids
    ]
    notice.recipients = enqueue_many(rows)
    record(actor, "notice.create", notice, after={"recipients": notice.recipients, "text": text})
    db.session.flush()
    return notice


def create_notice(
    actor: Actor,
    *,
    org_id: int,
    text: str,
    channels: list[str] | None = None,
    filter: NoticeFilter | None = None,  # noqa: A002 - the API's name
) -> Notice:
    """A batch notice from ``org_id`` to the members its filter selects. A filter that selects
    nobody is a 422 on ``filter`` (nothing is written)."""
    member_ids = list(db.session.scalars(notice_recipients(actor, org_id, filter)))
    return _create_notice(actor, org_id, text, channels, filter, member_ids, refuse_empty=True)


def enqueue_batch(
    actor: Actor, *, member_ids: list[int], text: str, channels: list[str] | None = None
) -> Notice:
    """A staff batch notice to the given members (those outside the actor's scope are left
    out). Used by pages that pick members themselves (e.g. the check-ins page)."""
    stmt = scoped(select(Member.id), Member, actor).where(Member.id.in_(list(member_ids)))
    ids = list(db.session.scalars(stmt.order_by(Member.id)))
    org_id = getattr(actor, "org_id", None)
    return _create_notice(actor, org_id, text, channels, {"member_ids": list(member_ids)}, ids)


def _remind(actor: Actor, members: Select, text: str) -> int:
    ids = list(db.session.scalars(members.with_only_columns(Member.id)))
    if ids:
        enqueue_batch(actor, member_ids=ids, text=text)
    return len(ids)


def remind_missing_checkins(actor: Actor, org_id: int | None, month: int, text: str) -> int:
    """One batch notice to the members on the check-ins package's missing-check-in list for
    ``month`` (:func:`flowmember.checkins.services.members_missing_checkin`); returns how many
    members it names (none: no notice)."""
    return _remind(actor, members_missing_checkin(actor, org_id, month), text)


def remind_missing_attendance(actor: Actor, org_id: int | None, text: str) -> int:
    """One batch notice to the members without org life this period
    (:func:`flowmember.checkins.services.members_missing_attendance`); returns how many members
    it names (none: no notice)."""
    return _remind(actor, members_missing_attendance(actor, org_id), text)


def notice_counts(notice_id: int) -> dict[str, int]:
    """Delivery status counts of a notice's reminders (sending reads as queued)."""
    stmt = (
        select(Reminder.status, func.count())
        .where(Reminder.notice_id == notice_id)
        .group_by(Reminder.status)
    )
    counts = {"queued": 0, "sent": 0, "failed": 0, "skipped": 0}
    for status, n in db.session.execute(stmt):
        key = "queued" if status == ReminderStatus.sending else status.value
        counts[key] += n
    return counts


# --- preferences and failures -------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    """A member's channel order and WeChat subscription id (the defaults when never set)."""

    channels: list[str]
    wechat_openid: str | None = None


def preferences_of(member_id: int) -> Preferences:
    """The member's channel order (default: :data:`rules.DEFAULT_CHANNELS`)."""
    pref = db.session.scalar(
        select(ReminderPreference).where(ReminderPreference.member_id == member_id)
    )
    if pref is None:
        return Preferences(list(DEFAULT_CHANNELS))
    return Preferences(list(pref.channels), pref.wechat_openid)


def set_preferences(
    member_id: int, *, channels: list[str], wechat_openid: str | None = None
) -> ReminderPreference:
    """A member's channel order (and WeChat subscription id)."""
    channels = _clean_channels(channels)
    pref = db.session.scalar(
        select(ReminderPreference).where(ReminderPreference.member_id == member_id)
    )
    if pref is None:
        pref = ReminderPreference(member_id=member_id, channels=channels)
        db.session.add(pref)
    pref.channels = channels
    if wechat_openid is not None:
        pref.wechat_openid = wechat_openid or None
    db.session.flush()
    return pref


def delivery_failures(since: datetime) -> Select:
    """(member_id, failures) of reminders that failed on every channel or bounced since
    ``since``: the lost-contact sweep counts these as failed contact attempts (DOMAIN §8)."""
    return (
        select(Reminder.member_id, func.count().label("failures"))
        .where(
            Reminder.member_id.is_not(None),
            Reminder.created_at >= since,
            (Reminder.status == ReminderStatus.failed) | Reminder.bounced.is_(True),
        )
        .group_by(Reminder.member_id)
    )


def reminders_in_scope(actor: Actor) -> Select:
    return scoped(select(Reminder), Reminder, actor)


def _status_clause(status: str):
    if status == "queued":
        return Reminder.status.in_([ReminderStatus.queued, ReminderStatus.sending])
    return Reminder.status == status


def list_reminders(actor: Actor, flt: ReminderFilter | None = None) -> Select:
    """Reminders in the actor's subtree, newest first, narrowed by ``flt`` (the staff list of
    the API and of the reminders page)."""
    flt = flt or {}
    stmt = reminders_in_scope(actor).order_by(Reminder.id.desc())
    if flt.get("member_id") is not None:
        stmt = stmt.where(Reminder.member_id == flt["member_id"])
    if flt.get("kind"):
        stmt = stmt.where(Reminder.kind == flt["kind"])
    if flt.get("status"):
        stmt = stmt.where(_status_clause(flt["status"]))
    if flt.get("notice_id") is not None:
        stmt = stmt.where(Reminder.notice_id == flt["notice_id"])
    if flt.get("mine"):
        stmt = stmt.where(Reminder.user_id == actor.id)
    return stmt


def member_reminders(member_id: int) -> Select:
    """A member's own reminders, newest first."""
    return select(Reminder).where(Reminder.member_id == member_id).order_by(Reminder.id.desc())


def notice_texts(notice_ids) -> dict[int, str]:
    """``{notice id: text}`` of these notices."""
    ids = set(notice_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Notice.id, Notice.text).where(Notice.id.in_(ids))).all())


def notices_in_scope(actor: Actor) -> Select:
    return select(Notice).where(Notice.org_id.in_(org_ids_in_scope(actor)))
