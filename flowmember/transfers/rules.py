"""Transfers: pure rules (no Flask, no session).

The workflow as an explicit state machine::

    requested --approve--> approved --approve (committee)--> issued
    requested --approve (no committee step needed)--------> issued
    issued --receive--> received        issued --return--> returned
    issued --(validity passes, no receipt)--> expired      (derived on read)
    requested | approved | issued | expired --cancel--> cancelled
    returned | expired --reissue--> (a new transfer)

Validity: a letter issued on day D with N days of validity is valid through ``D + N``
inclusive (``expires_on``); read on ``expires_on + 1`` it is expired."""

from __future__ import annotations

import enum
from datetime import date, timedelta


class TransferStatus(enum.StrEnum):
    requested = "requested"
    #: Approved by the branch; waits for the committee (destination outside its tree).
    approved = "approved"
    issued = "issued"
    received = "received"
    returned = "returned"
    expired = "expired"
    cancelled = "cancelled"


class ReasonKind(enum.StrEnum):
    graduate_to_employer = "graduate_to_employer"
    graduate_to_centre = "graduate_to_centre"
    graduate_to_community = "graduate_to_community"
    work_move = "work_move"
    residence_move = "residence_move"
    abroad_retain = "abroad_retain"
    abroad_suspend = "abroad_suspend"
    other = "other"


class Direction(enum.StrEnum):
    #: A letter issued by an org in the system.
    out = "out"
    #: A paper letter from an org outside the system, registered at arrival.
    inflow = "inflow"


class ReceiptKind(enum.StrEnum):
    #: The receiving org in the system confirmed the receipt itself.
    system = "system"
    #: The issuing org recorded a paper receipt (回执) from an outside org.
    paper = "paper"
    #: Inflow registration from a paper letter.
    inflow = "inflow"


S = TransferStatus

#: Stored statuses of a transfer that is still open (at most one per member).
OPEN_STATUSES = (S.requested.value, S.approved.value, S.issued.value)
#: Stored statuses of a letter issued and not yet received: the member is "in transit", still on
#: the issuing org's lists.
IN_TRANSIT_STATUSES = (S.issued.value, S.expired.value)

MIN_VALIDITY_DAYS = 1
MAX_VALIDITY_DAYS = 90
DEFAULT_VALIDITY_DAYS = 30
#: A receipt not recorded this many days after issue is overdue (whatever the validity).
RECEIPT_OVERDUE_DAYS = 30

#: action -> stored/effective statuses it may start from.
TRANSITIONS: dict[str, frozenset[TransferStatus]] = {
    "approve": frozenset({S.requested, S.approved}),
    "receive": frozenset({S.issued}),
    "return": frozenset({S.issued}),
    "cancel": frozenset({S.requested, S.approved, S.issued, S.expired}),
    "reissue": frozenset({S.returned, S.expired}),
    "expire": frozenset({S.issued}),
    "archive_handover": frozenset({S.issued, S.received}),
    "letter": frozenset({S.issued, S.received, S.returned, S.expired}),
}

#: The steps a person takes on a transfer (``expire`` is the expiry job's), as offered on the
#: transfer's page and in the API's ``allowed_actions``.
STEPS = ("approve", "receive", "return", "cancel", "reissue", "archive_handover", "letter")
#: Steps that record the workflow (the archive handover and the letter are records beside it).
WORKFLOW_STEPS = frozenset({"approve", "receive", "return", "cancel", "reissue"})

#: Where each action leads (approve is decided by :func:`approval_target`).
TARGETS: dict[str, TransferStatus] = {
    "receive": S.received,
    "return": S.returned,
    "cancel": S.cancelled,
    "expire": S.expired,
}


#: How the 409 message names an action that is not a plain verb.
ACTION_WORDS = {"letter": "print the letter", "archive_handover": "record an archive handover"}


class IllegalTransition(Exception):
    """An action the current status does not allow (the API answers 409)."""

    def __init__(self, current: TransferStatus, action: str):
        self.current = TransferStatus(current)
        self.action = action
        words = ACTION_WORDS.get(action, action)
        super().__init__(f"Transfer is {self.current.value}; cannot {words}")


def expires_on(issued_on: date, validity_days: int) -> date:
    """Last valid day of a letter (inclusive)."""
    return issued_on + timedelta(days=validity_days)


def is_expired(expires: date | None, today: date) -> bool:
    return expires is not None and today > expires


def effective_status(stored: TransferStatus | str, expires: date | None, today: date) -> S:
    """The status a reader sees: an issued letter past its last valid day reads as expired."""
    stored = TransferStatus(stored)
    if stored == S.issued and is_expired(expires, today):
        return S.expired
    return stored


def check(current: TransferStatus | str, action: str) -> None:
    """Raise :class:`IllegalTransition` unless ``action`` may start from ``current``."""
    if TransferStatus(current) not in TRANSITIONS[action]:
        raise IllegalTransition(current, action)


def target(current: TransferStatus | str, action: str) -> TransferStatus:
    check(current, action)
    return TARGETS[action]


def approval_target(current: TransferStatus | str, needs_committee: bool) -> TransferStatus:
    """Status after one approval: the branch's (from requested) and, when the destination is
    outside the committee's tree, the committee's (from approved)."""
    check(current, "approve")
    if TransferStatus(current) == S.requested and needs_committee:
        return S.approved
    return S.issued


def approval_step(current: TransferStatus | str) -> str:
    """Which approval the next ``approve`` records: "branch" or "committee"."""
    check(current, "approve")
    return "branch" if TransferStatus(current) == S.requested else "committee"


def validity_error(days: int | None) -> str | None:
    """A message when the validity is out of bounds, else None."""
    if days is None:
        return None
    if not MIN_VALIDITY_DAYS <= days <= MAX_VALIDITY_DAYS:
        return f"Validity must be {MIN_VALIDITY_DAYS} to {MAX_VALIDITY_DAYS} days."
    return None


def needs_committee_approval(committee_path: str, to_org_path: str | None) -> bool:
    """True when the destination is outside the issuing committee's tree (or the system)."""
    if to_org_path is None:
        return True
    return not to_org_path.startswith(committee_path)


def letter_no(prefix: str, year: int, seq: int) -> str:
    """``"DH-2026-0007"``: the issuing committee's code, the year, the running number."""
    return f"{prefix}-{year}-{seq:04d}"


def receipt_overdue(issued_on: date | None, as_of: date) -> bool:
    """No receipt recorded ``RECEIPT_OVERDUE_DAYS`` full days after issue."""
    return issued_on is not None and (as_of - issued_on).days > RECEIPT_OVERDUE_DAYS


def in_transit(stored: TransferStatus | str) -> bool:
    """Issued and not yet received (or returned, or cancelled)."""
    return TransferStatus(stored).value in IN_TRANSIT_STATUSES


def is_overdue(stored: TransferStatus | str, issued_on, expires, as_of: date) -> bool:
    """Issued (or marked expired) with no receipt, and past validity or the receipt deadline."""
    if not in_transit(stored):
        return False
    return is_expired(expires, as_of) or receipt_overdue(issued_on, as_of)


def receipt_date_error(received_on: date, issued_on: date, today: date) -> str | None:
    if received_on < issued_on:
        return "The receipt date is before the letter was issued."
    if received_on > today:
        return "The receipt date is in the future."
    return None


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def N_(message: str) -> str:
    """Mark a message for extraction (pybabel's default keywords); translated where shown."""
    return message


#: Follow-up recorded at receipt, by reason kind (DOMAIN §7: graduates and abroad).
FOLLOW_UPS: dict[ReasonKind, str] = {
    ReasonKind.graduate_to_employer: N_(
        "Graduate to the employer's org: the receiving org enters the member in its next "
        "org life and the archive follows the relation."
    ),
    ReasonKind.graduate_to_centre: N_(
        "Graduate to the talent-service centre: the centre keeps the archive with the personnel "
        "file and moves the relation on when the member finds an employer with an org."
    ),
    ReasonKind.graduate_to_community: N_(
        "Graduate to the community org of the residence: check the residence proof and move "
        "the relation on once the member is employed."
    ),
    ReasonKind.abroad_retain: N_(
        "Abroad, membership retained: contact the member at least every 6 months; abroad and "
        "unreachable counts as lost contact."
    ),
    ReasonKind.abroad_suspend: N_(
        "Abroad, membership to be suspended: open the suspension (lost contact / abroad) "
        "workflow for the member; the archive is kept by the higher org."
    ),
}


def follow_up(kind: ReasonKind | str) -> str | None:
    return FOLLOW_UPS.get(ReasonKind(kind))


#: Reason kinds whose destination must be a talent-service centre when it is in the system.
CENTRE_KINDS = frozenset({ReasonKind.graduate_to_centre})
GRADUATE_KINDS = frozenset(
    {
        ReasonKind.graduate_to_employer,
        ReasonKind.graduate_to_centre,
        ReasonKind.graduate_to_community,
    }
)
