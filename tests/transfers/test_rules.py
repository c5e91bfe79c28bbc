"""The transfer rules as tables: state machine, validity, overdue, letter numbers."""

from __future__ import annotations

from datetime import date

import pytest

from flowmember.transfers import rules
from flowmember.transfers.models import ReasonKind, TransferStatus

S = TransferStatus
ISSUED = date(2026, 11, 1)

ALL = list(S)
LEGAL = {
    "approve": {S.requested, S.approved},
    "receive": {S.issued},
    "return": {S.issued},
    "cancel": {S.requested, S.approved, S.issued, S.expired},
    "reissue": {S.returned, S.expired},
}


@pytest.mark.parametrize("action", sorted(LEGAL))
@pytest.mark.parametrize("status", ALL, ids=lambda s: s.value)
def test_each_action_from_each_status(action, status):
    if status in LEGAL[action]:
        rules.check(status, action)
    else:
        with pytest.raises(rules.IllegalTransition) as err:
            rules.check(status, action)
        assert str(err.value) == f"Transfer is {status.value}; cannot {action}"


@pytest.mark.parametrize(
    "current, needs_committee, expected",
    [
        (S.requested, False, S.issued),
        (S.requested, True, S.approved),
        (S.approved, True, S.issued),
    ],
)
def test_approval_target(current, needs_committee, expected):
    assert rules.approval_target(current, needs_committee) == expected


@pytest.mark.parametrize("current, step", [(S.requested, "branch"), (S.approved, "committee")])
def test_approval_step(current, step):
    assert rules.approval_step(current) == step


@pytest.mark.parametrize(
    "action, target", [("receive", S.received), ("return", S.returned), ("cancel", S.cancelled)]
)
def test_targets(action, target):
    assert rules.target(S.issued, action) == target


@pytest.mark.parametrize(
    "days, error",
    [(0, True), (1, False), (30, False), (90, False), (91, True), (-5, True), (None, False)],
)
def test_validity_bounds(days, error):
    assert (rules.validity_error(days) is not None) is error


@pytest.mark.parametrize(
    "validity, expires", [(1, date(2026, 11, 2)), (30, date(2026, 12, 1)), (90, date(2027, 1, 30))]
)
def test_expires_on_is_issue_day_plus_validity(validity, expires):
    assert rules.expires_on(ISSUED, validity) == expires


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2026, 11, 1), S.issued),
        (date(2026, 12, 1), S.issued),  # day 30 after issue: last valid day
        (date(2026, 12, 2), S.expired),  # day 31: expired
    ],
)
def test_issued_reads_expired_after_last_valid_day(today, expected):
    assert rules.effective_status(S.issued, date(2026, 12, 1), today) == expected


@pytest.mark.parametrize("stored", [S.received, S.returned, S.cancelled, S.requested])
def test_only_issued_letters_expire(stored):
    assert rules.effective_status(stored, date(2026, 12, 1), date(2027, 6, 1)) == stored


@pytest.mark.parametrize(
    "stored, validity, as_of, overdue",
    [
        (S.issued, 30, date(2026, 12, 1), False),  # last valid day, 30 days after issue
        (S.issued, 30, date(2026, 12, 2), True),  # past validity
        (S.issued, 90, date(2026, 12, 1), False),  # 30 days: receipt not yet overdue
        (S.issued, 90, date(2026, 12, 2), True),  # 31 days without receipt
        (S.issued, 10, date(2026, 11, 11), False),
        (S.issued, 10, date(2026, 11, 12), True),  # short letter past validity
        (S.expired, 30, date(2026, 12, 2), True),
        (S.received, 30, date(2027, 1, 1), False),
        (S.cancelled, 30, date(2027, 1, 1), False),
    ],
)
def test_overdue(stored, validity, as_of, overdue):
    expires = rules.expires_on(ISSUED, validity)
    assert rules.is_overdue(stored, ISSUED, expires, as_of) is overdue


@pytest.mark.parametrize(
    "committee, to_path, needed",
    [
        ("/1/", "/1/4/", False),
        ("/1/", "/1/", False),
        ("/1/", "/12/4/", True),  # a prefix of digits is not the same tree
        ("/1/", "/2/5/", True),
        ("/1/", None, True),  # outside the system
    ],
)
def test_committee_approval_needed_when_leaving_the_tree(committee, to_path, needed):
    assert rules.needs_committee_approval(committee, to_path) is needed


@pytest.mark.parametrize(
    "prefix, year, seq, expected",
    [("DH", 2026, 1, "DH-2026-0001"), ("C7", 2027, 12345, "C7-2027-12345")],
)
def test_letter_no(prefix, year, seq, expected):
    assert rules.letter_no(prefix, year, seq) == expected


@pytest.mark.parametrize(
    "birth, day, age",
    [
        (date(1995, 6, 15), date(2026, 6, 14), 30),
        (date(1995, 6, 15), date(2026, 6, 15), 31),
        (date(2000, 2, 29), date(2026, 2, 28), 25),
    ],
)
def test_age_on(birth, day, age):
    assert rules.age_on(birth, day) == age


@pytest.mark.parametrize(
    "received, error",
    [
        (date(2026, 10, 31), "before"),
        (date(2026, 11, 1), None),
        (date(2026, 11, 20), None),
        (date(2026, 11, 21), "future"),
    ],
)
def test_receipt_date(received, error):
    msg = rules.receipt_date_error(received, ISSUED, date(2026, 11, 20))
    assert (msg is None) if error is None else (error in msg)


@pytest.mark.parametrize(
    "kind, words",
    [
        (ReasonKind.abroad_retain, "every 6 months"),
        (ReasonKind.abroad_suspend, "suspension"),
        (ReasonKind.graduate_to_centre, "centre"),
        (ReasonKind.graduate_to_employer, "employer"),
        (ReasonKind.graduate_to_community, "residence"),
        (ReasonKind.work_move, None),
        (ReasonKind.other, None),
    ],
)
def test_follow_up_by_reason_kind(kind, words):
    text = rules.follow_up(kind)
    assert (text is None) if words is None else (words in text)
