"""Check-ins, contacts and organisation life: commands of the ``flowmember`` CLI.

``flowmember summaries rebuild [--check]`` recomputes the per-member summary columns from
history (exit code 1 when ``--check`` finds a difference); ``flowmember checkins
purge-locations [--as-of YYYY-MM-DD]`` deletes location history older than 24 months."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from flowmember.checkins.services import purge_location_history
from flowmember.checkins.summaries import rebuild_summaries
from flowmember.core.time import today_local
from flowmember.core.transaction import committed


@click.group("summaries")
def summaries_group():
    """Per-member summary columns (last check-in, last attended, last reached)."""


@summaries_group.command("rebuild")
@click.option("--check", is_flag=True, help="Only compare; exit 1 when a column differs.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
@committed
def rebuild(check, as_json):
    """Recompute the summaries from history and report where they disagreed."""
    report = rebuild_summaries(check_only=check)
    if report["repaired"]:
        # Prove it: compare again after the repair (the same transaction sees it).
        after = rebuild_summaries(check_only=True)
        report["after_repair"] = after["mismatches"]
        if after["total_mismatches"]:
            click.echo(f"Still differing after the repair: {after['mismatches']}", err=True)
            raise SystemExit(1)
    if as_json:
        click.echo(json.dumps(report))
    else:
        click.echo(f"Members: {report['members']}")
        for column, count in report["mismatches"].items():
            click.echo(f"{column}: {count} differ")
        if report["repaired"]:
            click.echo("Repaired; all summaries now agree with history.")
        elif not report["total_mismatches"]:
            click.echo("All summaries agree with history.")
    if check and report["total_mismatches"]:
        raise SystemExit(1)


@click.group("checkins")
def checkins_group():
    """Check-ins and organisation life."""


@checkins_group.command("purge-locations")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
@committed
def purge_locations(as_of):
    """Delete location history older than 24 months (check-ins and member history)."""
    count = purge_location_history(as_of.date() if as_of else today_local())
    click.echo(f"Cleared the location of {count} rows.")


#: click commands added to the ``flowmember`` group.
COMMANDS: list = [summaries_group, checkins_group]
