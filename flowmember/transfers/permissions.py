"""Transfers: who may take which step, asked in one place. The transfer's page offers the steps
of :func:`allowed_actions`, the API lists them on a transfer, and the services refuse with
:func:`check_status` (409) and :func:`authorize` (403) — the same answers.

A step needs the status to allow it (the state machine of :mod:`flowmember.transfers.rules`),
a role (the workflow steps: admin or secretary; the archive handover and the letter: any staff)
and the actor to stand on the right side of the transfer:

==========================  =====================================================================
approve (the branch's)      the issuing org
approve (the committee's)   an admin of a committee-level org above the issuing org
receive, return             the receiving org when it is in the system; otherwise the issuing org
                            (it records the outside org's paper receipt)
cancel, reissue             the issuing org
==========================  =====================================================================

The system (the scheduler, the command line) may take every step the status allows."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from flowmember.core.auth import STAFF, WRITE_ROLES, Actor, in_scope
from flowmember.core.errors import Conflict, PermissionDenied
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.orgs.models import Org
from flowmember.orgs.rules import COMMITTEE_LEVEL
from flowmember.transfers import rules
from flowmember.transfers.models import Direction, Transfer, TransferStatus

ROLE_REFUSED = "Your role may not do this."


# --- the status (409) ----------------------------------------------------------------------------


def illegal(current: TransferStatus | str, action: str) -> Conflict:
    """The 409 for a step the status does not allow ("Transfer is issued; cannot approve.")."""
    err = rules.IllegalTransition(current, action)
    return Conflict(str(err) + ".", {"status": [TransferStatus(current).value]})


def check_status(t: Transfer, action: str, today: date | None = None) -> TransferStatus:
    """The transfer's effective status, if it allows ``action``; otherwise a 409."""
    current = t.effective_status(today or today_local())
    try:
        rules.check(current, action)
    except rules.IllegalTransition:
        raise illegal(current, action) from None
    return current


# --- the actor (403) -----------------------------------------------------------------------------


class Parties:
    """Where ``actor`` stands on ``t``: each question is asked of the database once."""

    def __init__(self, actor: Actor, t: Transfer):
        self.actor, self.t = actor, t

    @cached_property
    def issuing(self) -> bool:
        """In the issuing org's subtree."""
        t = self.t
        return self.actor.is_system or (
            t.from_org_id is not None and in_scope(self.actor, t.from_org_id)
        )

    @cached_property
    def receiving(self) -> bool:
        """In the subtree of the receiving org (when it is in the system)."""
        t = self.t
        return self.actor.is_system or (
            t.to_org_id is not None and in_scope(self.actor, t.to_org_id)
        )

    @cached_property
    def committee(self) -> bool:
        """An admin of a committee-level org at or above the issuing committee."""
        actor = self.actor
        if actor.is_system:
            return True
        if actor.role != "admin":
            return False
        org = db.session.get(Org, actor.org_id) if actor.org_id is not None else None
        return (
            org is not None
            and org.kind in COMMITTEE_LEVEL
            and in_scope(actor, self.t.issuing_committee_id)
        )


def refusal(
    actor: Actor,
    t: Transfer,
    action: str,
    status: TransferStatus | str,
    parties: Parties | None = None,
) -> str | None:
    """Why ``actor`` may not take ``action`` on ``t`` (now in ``status``) for their role or their
    side of the transfer; None when they may. The status itself is :func:`check_status`'s."""
    if actor.is_system:
        return None
    roles = WRITE_ROLES if action in rules.WORKFLOW_STEPS else STAFF
    if actor.role not in roles:
        return ROLE_REFUSED
    side = parties or Parties(actor, t)
    if action == "approve":
        if TransferStatus(status) == TransferStatus.approved:
            return None if side.committee else "A committee-level admin must approve this transfer."
        return None if side.issuing else "Only the issuing org approves the transfer."
    if action in ("receive", "return"):
        if t.to_org_id is not None:
            return None if side.receiving else "Only the receiving org records the receipt."
        return None if side.issuing else "Only the issuing org records a paper receipt."
    if action == "cancel":
        return None if side.issuing else "Only the issuing org cancels a transfer."
    if action == "reissue":
        return None if side.issuing else "Only the issuing org re-issues a letter."
    return None


def authorize(
    actor: Actor,
    t: Transfer,
    action: str,
    status: TransferStatus | str | None = None,
    parties: Parties | None = None,
) -> None:
    """403 unless ``actor`` may take ``action`` on ``t`` (see :func:`refusal`)."""
    status = status if status is not None else t.effective_status(today_local())
    if reason := refusal(actor, t, action, status, parties):
        raise PermissionDenied(reason)


def allowed_actions(actor: Actor, t: Transfer, today: date) -> set[str]:
    """The steps (:data:`rules.STEPS`) ``actor`` may take on ``t`` today: what the transfer's page
    offers, and what the services would not refuse."""
    status = t.effective_status(today)
    side = Parties(actor, t)
    return {
        action
        for action in rules.STEPS
        if status in rules.TRANSITIONS[action]
        and (action != "letter" or t.direction == Direction.out)
        and refusal(actor, t, action, status, side) is None
    }
