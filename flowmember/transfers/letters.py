"""Letters of introduction: numbering and the printable letter.

Overdue letters reach staff through ``jobs/transfer_overdue.py`` (the reminders job), which
reads the same rule as :func:`flowmember.transfers.queries.overdue`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from flowmember.core import audit, months
from flowmember.core.auth import Actor
from flowmember.core.errors import Conflict
from flowmember.core.sequences import next_number
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.models import Org
from flowmember.transfers import rules
from flowmember.transfers.models import Direction, LetterCounter, Transfer
from flowmember.transfers.permissions import check_status
from flowmember.transfers.queries import get_transfer


def allocate_letter_no(committee_id: int, issued_on: date) -> tuple[int, int, str]:
    """The committee's next number for the year: ``(year, seq, letter_no)``.

    One series per (committee, year) (:func:`flowmember.core.sequences.next_number`); the unique
    constraint on the transfers table is the last guard."""
    year = issued_on.year
    seq = next_number(LetterCounter.__table__, "last_seq", committee_id=committee_id, year=year)
    code = db.session.execute(select(Org.code).where(Org.id == committee_id)).scalar()
    prefix = code or f"C{committee_id}"
    return year, seq, rules.letter_no(prefix, year, seq)


def printable(actor: Actor, transfer_id: int) -> Transfer:
    """A letter this system issued, in a state that has a letter (else 409)."""
    t = get_transfer(actor, transfer_id)
    if t.direction != Direction.out:
        raise Conflict("This transfer came in on a paper letter; there is no letter to print.")
    check_status(t, "letter")
    return t


STAGE_ZH = {"probationary": "预备党员", "full": "正式党员"}
GENDER_ZH = {"male": "男", "female": "女"}


def letter_context(actor: Actor, t: Transfer, *, reason: str = "print letter") -> dict:
    """Everything the printed letter shows. The full ID number is printed, so each rendering
    is an audited read."""
    member = db.session.get(Member, t.member_id)
    paid = months.year_month(t.dues_paid_through) if t.dues_paid_through is not None else None
    audit.record(
        actor,
        "transfer.letter_read",
        t,
        org_id=t.org_id,
        reason=reason,
        after={"letter_no": t.letter_no, "member_id": t.member_id, "id_number": "full"},
    )
    return {
        "t": t,
        "member": member,
        "name": t.member_name or member.name,
        "gender": GENDER_ZH.get(member.gender.value, member.gender.value),
        "age": rules.age_on(member.birth_date, t.issued_on or today_local()),
        # printed as "X族": the ledger may hold "汉" or "汉族"
        "ethnicity": (member.ethnicity or "").removesuffix("族"),
        "id_number": t.id_number or member.id_number,
        "stage": STAGE_ZH.get((t.stage or member.stage).value, ""),
        "from_name": t.from_name or "",
        "to_name": t.to_name or "",
        "committee_name": t.issuing_committee.name if t.issuing_committee else t.from_name,
        "paid_year": paid[0] if paid else None,
        "paid_month": paid[1] if paid else None,
        "issued_on": t.issued_on,
        "validity_days": t.validity_days,
        "letter_no": t.letter_no,
    }
