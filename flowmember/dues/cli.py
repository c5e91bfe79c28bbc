"""Dues: commands of the ``flowmember`` CLI (they act as the system; each commits when it ends
without an error).

``flowmember dues assess [--month YYYY-MM] [--org-id ID]`` assesses a month (idempotent);
``flowmember dues expire-orders`` expires pending online orders past their 30 minutes;
``flowmember dues reconcile [--as-of DATE]`` lists provider/payment mismatches;
``flowmember dues recompute-paid-through`` rebuilds Member.paid_through_month from the books."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.core.time import today_local
from flowmember.core.transaction import committed
from flowmember.dues.common import current_month
from flowmember.dues.paid_through import recompute_paid_through
from flowmember.dues.payments import expire_pending_orders
from flowmember.dues.reports import reconcile
from flowmember.dues.services import assess_month, missing_bases


@click.group("dues")
def dues_group():
    """Dues: assessment, online orders, reconciliation."""


@dues_group.command("assess")
@click.option("--month", default=None, help="YYYY-MM; default this month (Asia/Shanghai).")
@click.option("--org-id", type=int, default=None, help="Only this org's subtree.")
@with_appcontext
@committed
def assess_command(month, org_id):
    """Assess a month for every active member with a base (running it twice adds nothing)."""
    try:
        index = months.parse(month) if month else current_month()
    except ValueError:
        raise click.BadParameter("expected YYYY-MM", param_hint="--month") from None
    added = assess_month(SYSTEM, index, org_id)
    missing = missing_bases(SYSTEM, index, org_id, limit=100000)
    click.echo(f"Assessed {added} members for {months.to_str(index)}.")
    if missing:
        click.echo(f"{len(missing)} active members have no base for the year and were skipped.")


@dues_group.command("expire-orders")
@with_appcontext
@committed
def expire_command():
    """Expire pending online orders past their time."""
    count = expire_pending_orders()
    click.echo(f"Expired {count} orders.")


@dues_group.command("reconcile")
@click.option("--as-of", default=None, help="Date (YYYY-MM-DD); default today.")
@with_appcontext
@committed
def reconcile_command(as_of):
    """Compare provider orders with payments; list mismatches (never fixes them)."""
    try:
        day = date.fromisoformat(as_of) if as_of else today_local()
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--as-of") from None
    result = reconcile(day)
    click.echo(
        f"Checked {result['orders_checked']} paid orders: {result['mismatches']} mismatches "
        f"({result['new']} new)."
    )


@dues_group.command("recompute-paid-through")
@with_appcontext
@committed
def recompute_command():
    """Rebuild every member's paid-through month from the assessments and carried months."""
    changed = recompute_paid_through()
    click.echo(f"Updated {changed} members.")


#: click commands added to the ``flowmember`` group.
COMMANDS: list = [dues_group]
