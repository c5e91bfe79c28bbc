"""Who is due which reminder: the set-based selection the daily jobs run (DOMAIN §9).

Each selection is one SELECT of member ids (or rows) fed to the outbox with INSERT ... ON
CONFLICT DO NOTHING, so a re-run or a second scheduler queues nothing twice. Each is the SQL twin
of a pure rule in :mod:`flowmember.reminders.rules`, which is its oracle:
tests/reminders/test_selection_property.py compares them member by member on random histories.

========================  =====================================  ================================
selection                 SQL                                    rule
========================  =====================================  ================================
check-in due / missed     :func:`checkin_owing`                  ``rules.checkin_reminders``
dues due / overdue        :func:`dues_owing`                     ``rules.dues_reminder``
lapse warnings            :func:`lapse_warning_rows`             ``rules.lapse_warning_reminders``
staff: overdue letters    :func:`transfer_reminder_rows`         ``transfers.rules.is_overdue``,
                                                                 ``rules.transfer_reminder_kind``
========================  =====================================  ================================
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Select, and_, exists, func, or_, select

from flowmember.accounts.models import User
from flowmember.checkins.services import reporting_started_by
from flowmember.core import months
from flowmember.dues.models import DuesAssessment
from flowmember.dues.rules import UNPAID_STATUSES
from flowmember.extensions import db
from flowmember.lapse.models import LapseWarning
from flowmember.members.models import AWAY_CATEGORIES, Member, MemberStatus
from flowmember.orgs.models import Org
from flowmember.reminders import rules
from flowmember.reminders.services import enqueue_from_select, enqueue_many
from flowmember.transfers.models import Transfer, overdue_clause

#: Staff who hear of overdue letters: admins and secretaries of the issuing org (or the nearest
#: org above it that has any).
STAFF_ROLES = ("admin", "secretary")


# --- members -----------------------------------------------------------------------------------


def owes_reports():
    """SQL twin of :func:`rules.owes_reports`: active members away from their org."""
    return and_(
        Member.status == MemberStatus.active.value,
        Member.category.in_([c.value for c in AWAY_CATEGORIES]),
    )


# --- check-ins ---------------------------------------------------------------------------------


def checkin_owing(month: int) -> Select:
    """Ids of members who owe a report for ``month`` and have none for it (nor a later one):
    :func:`rules.checkin_reminders` for one window."""
    return select(Member.id).where(
        owes_reports(),
        or_(Member.last_checkin_month.is_(None), Member.last_checkin_month < month),
        reporting_started_by(month),
    )


def enqueue_checkin_reminders(as_of: date) -> dict[str, int]:
    """Queue ``checkin_due`` (from the 20th, this month) and ``checkin_missed`` (1st to 5th, last
    month) for every member who owes that report; returns how many were new per kind."""
    counts = {"checkin_due": 0, "checkin_missed": 0}
    for kind, month in rules.checkin_windows(as_of):
        counts[kind] += enqueue_from_select(kind, months.to_str(month), checkin_owing(month))
    return counts


# --- dues --------------------------------------------------------------------------------------


def _owes_dues(condition):
    """SQL: the member has an owed assessment (unpaid, or reduced and not yet paid) matching
    ``condition``."""
    return exists().where(
        DuesAssessment.member_id == Member.id,
        DuesAssessment.status.in_(UNPAID_STATUSES),
        condition,
    )


def dues_owing(kind: str, as_of: date) -> Select:
    """Ids of active members due the dues reminder ``kind`` on ``as_of``
    (:func:`rules.dues_reminder`): ``dues_overdue`` when an earlier month is owed, ``dues_due``
    when only the current month is (the caller checks the day)."""
    current = months.of(as_of)
    earlier = _owes_dues(DuesAssessment.month < current)
    active = select(Member.id).where(Member.status == MemberStatus.active.value)
    if kind == "dues_overdue":
        return active.where(earlier)
    if kind == "dues_due":
        return active.where(_owes_dues(DuesAssessment.month == current), ~earlier)
    raise ValueError(f"not a dues reminder: {kind!r}")


def enqueue_dues_reminders(as_of: date) -> dict[str, int]:
    """Queue ``dues_overdue`` (period = this month) and, from the 15th, ``dues_due``; returns how
    many were new per kind."""
    period = months.to_str(months.of(as_of))
    counts = {"dues_overdue": 0, "dues_due": 0}
    for kind in counts:
        if kind == "dues_due" and as_of.day < rules.DUES_DUE_FROM_DAY:
            continue
        counts[kind] = enqueue_from_select(kind, period, dues_owing(kind, as_of))
    return counts


# --- lapse warnings ----------------------------------------------------------------------------


def lapse_warning_rows(as_of: date) -> list[dict]:
    """One reminder row per (member, lapse_warning_3|5, period) for the recent warnings of
    active members (the period is the month the run reached the threshold), with the criteria
    that reached it: :func:`rules.lapse_warning_reminders`."""
    oldest = months.to_str(months.of(as_of) - rules.LAPSE_WARNING_LOOKBACK)
    stmt = (
        select(
            LapseWarning.member_id,
            LapseWarning.threshold,
            LapseWarning.period,
            LapseWarning.criterion,
        )
        .join(Member, Member.id == LapseWarning.member_id)
        .where(
            Member.status == MemberStatus.active.value,
            LapseWarning.period >= oldest,
            LapseWarning.threshold.in_(rules.LAPSE_WARNING_THRESHOLDS),
        )
    )
    grouped: dict[tuple[int, int, str], set[str]] = defaultdict(set)
    for member_id, threshold, period, criterion in db.session.execute(stmt):
        grouped[(member_id, threshold, period)].add(str(criterion))
    return [
        {
            "member_id": member_id,
            "kind": f"lapse_warning_{threshold}",
            "period": period,
            "context": {"criteria": sorted(criteria)},
        }
        for (member_id, threshold, period), criteria in sorted(grouped.items())
    ]


def enqueue_lapse_warnings(as_of: date) -> int:
    """Queue the reminders of :func:`lapse_warning_rows`; returns how many were new."""
    return enqueue_many(lapse_warning_rows(as_of))


# --- staff: overdue letters of introduction ----------------------------------------------------


def staff_recipients(org_ids: set[int]) -> dict[int, list[int]]:
    """``{org_id: [user ids]}``: the active admins and secretaries of each org, or of the
    nearest org above it that has any (one query for all the orgs and their ancestors)."""
    if not org_ids:
        return {}
    paths = dict(db.session.execute(select(Org.id, Org.path).where(Org.id.in_(org_ids))).all())
    chains = {
        org_id: [int(part) for part in reversed(path.strip("/").split("/")) if part]
        for org_id, path in paths.items()
    }
    ancestors = {a for chain in chains.values() for a in chain}
    staff: dict[int, list[int]] = defaultdict(list)
    stmt = (
        select(User.org_id, User.id)
        .where(
            User.org_id.in_(ancestors),
            User.role.in_(STAFF_ROLES),
            User.is_active_flag.is_(True),
        )
        .order_by(User.id)
    )
    for org_id, user_id in db.session.execute(stmt):
        staff[org_id].append(user_id)
    nearest = {}
    for org_id, chain in chains.items():
        nearest[org_id] = next((staff[a] for a in chain if a in staff), [])
    return nearest


def transfer_reminder_rows(as_of: date) -> tuple[list[dict], dict[str, int]]:
    """Staff reminder rows (one per staff user, kind and transfer) for the overdue letters of
    :func:`flowmember.transfers.models.overdue_clause`, and the count of letters per kind."""
    stmt = (
        select(
            Transfer.id,
            Transfer.letter_no,
            Transfer.issued_on,
            Transfer.expires_on,
            func.coalesce(Transfer.from_org_id, Member.org_id).label("issuing_org_id"),
            Member.name,
        )
        .join(Member, Member.id == Transfer.member_id)
        .where(overdue_clause(as_of))
        .order_by(Transfer.issued_on, Transfer.id)
    )
    letters = db.session.execute(stmt).all()
    recipients = staff_recipients({row.issuing_org_id for row in letters})
    counts = {"letter_expiring": 0, "receipt_overdue": 0}
    rows: list[dict] = []
    for row in letters:
        kind = rules.transfer_reminder_kind(as_of, row.expires_on)
        counts[kind] += 1
        when = row.expires_on if kind == "letter_expiring" else row.issued_on
        context = {
            "transfer_id": row.id,
            "letter_no": row.letter_no or str(row.id),
            "member_name": row.name or "",
            "date": when.isoformat() if when else "",
            "path": f"/transfers/{row.id}",
        }
        rows.extend(
            {"user_id": user_id, "kind": kind, "period": f"transfer-{row.id}", "context": context}
            for user_id in recipients.get(row.issuing_org_id, [])
        )
    return rows, counts


def enqueue_transfer_reminders(as_of: date) -> dict[str, int]:
    """Queue the staff reminders of :func:`transfer_reminder_rows`: ``{letters_expired,
    receipts_overdue, reminders}`` (reminders = how many were new)."""
    rows, counts = transfer_reminder_rows(as_of)
    return {
        "letters_expired": counts["letter_expiring"],
        "receipts_overdue": counts["receipt_overdue"],
        "reminders": enqueue_many(rows),
    }
