"""Transfers: commands of the ``flowmember`` CLI.

``flowmember transfers overdue [--as-of DATE]`` lists overdue letters;
``flowmember transfers mark-expired [--as-of DATE]`` stores ``expired`` on letters past validity
(reads derive it anyway). They act as the system. Staff reminders for overdue letters are sent
by the reminders job (``jobs/transfer_overdue.py``)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from flowmember.core.time import today_local
from flowmember.core.transaction import committed
from flowmember.transfers.queries import overdue
from flowmember.transfers.services import mark_expired


def _as_of(value: str | None) -> date:
    if not value:
        return today_local()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--as-of") from None


@click.group("transfers")
def transfers_group():
    """Letters of introduction: overdue lists and expiry."""


@transfers_group.command("overdue")
@click.option("--as-of", default=None, help="Date (YYYY-MM-DD); default today in Asia/Shanghai.")
@with_appcontext
def overdue_command(as_of):
    """List letters past validity without receipt, and receipts 30 days late."""
    day = _as_of(as_of)
    rows = overdue(day)
    for t in rows:
        click.echo(
            f"{t.letter_no}\t{t.member_name}\t{t.from_name}\t->\t{t.to_name}\t"
            f"issued {t.issued_on}\tvalid through {t.expires_on}\t"
            f"{t.effective_status(day).value}"
        )
    click.echo(f"{len(rows)} overdue on {day.isoformat()}")


@transfers_group.command("mark-expired")
@click.option("--as-of", default=None, help="Date (YYYY-MM-DD); default today in Asia/Shanghai.")
@with_appcontext
@committed
def mark_expired_command(as_of):
    """Store 'expired' on issued letters past their last valid day."""
    count = mark_expired(_as_of(as_of))
    click.echo(f"marked {count} letters expired")


#: click commands added to the ``flowmember`` group.
COMMANDS: list = [transfers_group]
