"""Daily: staff reminders for letters of introduction that expired without a receipt
(``letter_expiring``) and receipts not recorded 30 days after issue (``receipt_overdue``).
One reminder per (staff user, kind, transfer)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

STAFF_ROLES = ("admin", "secretary")


def _issuing_org_id(transfer) -> int | None:
    for attr in ("from_org_id", "issuing_org_id", "org_id"):
        value = getattr(transfer, attr, None)
        if value is not None:
            return value
    member = getattr(transfer, "member", None)
    return getattr(member, "org_id", None)


def recipients(org_id: int) -> list[int]:
    """Admins and secretaries of the org, or of the nearest org above it that has any."""
    from flowmember.accounts.models import User
    from flowmember.extensions import db
    from flowmember.orgs.models import Org

    org = db.session.get(Org, org_id)
    while org is not None:
        ids = list(
            db.session.scalars(
                select(User.id).where(
                    User.org_id == org.id,
                    User.role.in_(STAFF_ROLES),
                    User.is_active_flag.is_(True),
                )
            )
        )
        if ids:
            return ids
        org = db.session.get(Org, org.parent_id) if org.parent_id else None
    return []


def run(as_of: date) -> dict:
    from flowmember.extensions import db
    from flowmember.members.models import Member
    from flowmember.reminders.services import enqueue_many
    from flowmember.transfers.services import overdue

    rows = []
    letters = receipts = 0
    for transfer in overdue(as_of):
        expires_on = getattr(transfer, "expires_on", None)
        expired = expires_on is not None and expires_on < as_of
        kind = "letter_expiring" if expired else "receipt_overdue"
        letters += expired
        receipts += not expired
        member = db.session.get(Member, transfer.member_id)
        when = expires_on if expired else getattr(transfer, "issued_on", None)
        context = {
            "transfer_id": transfer.id,
            "letter_no": getattr(transfer, "letter_no", None) or str(transfer.id),
            "member_name": member.name if member else "",
            "date": when.isoformat() if when else "",
            "path": f"/transfers/{transfer.id}",
        }
        org_id = _issuing_org_id(transfer)
        for user_id in recipients(org_id) if org_id else []:
            rows.append(
                {
                    "user_id": user_id,
                    "kind": kind,
                    "period": f"transfer-{transfer.id}",
                    "context": context,
                }
            )
    return {
        "letters_expired": letters,
        "receipts_overdue": receipts,
        "reminders": enqueue_many(rows),
    }
