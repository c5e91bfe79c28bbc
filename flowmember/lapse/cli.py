"""Lapse and lost contact: commands of the ``flowmember`` CLI.

``flowmember lapse sweep [--as-of YYYY-MM-DD]`` and ``flowmember lapse contact-sweep [--as-of]``
run the sweeps once, each command one transaction (the scheduler runs them nightly as
``flowmember jobs run-once lapse_sweep --as-of 2026-11-30`` / ``contact_sweep``)."""

from __future__ import annotations

import json
from datetime import date, datetime

import click
from flask.cli import with_appcontext

from flowmember.core.time import today_local
from flowmember.core.transaction import committed
from flowmember.lapse.sweeps import run_contact_sweep, run_lapse_sweep


@click.group("lapse")
def lapse_group():
    """Six-month lapse and lost contact."""


def _as_of(value: datetime | None) -> date:
    return value.date() if value else today_local()


@lapse_group.command("sweep")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
@committed
def sweep(as_of):
    """Run the lapse sweep: warnings at 3 and 5 months, cases at 6, resolve caught-up cases."""
    click.echo(json.dumps(run_lapse_sweep(_as_of(as_of))))


@lapse_group.command("contact-sweep")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
@committed
def contact_sweep_command(as_of):
    """Run the lost-contact sweep: flag unreachable members, propose suspensions."""
    click.echo(json.dumps(run_contact_sweep(_as_of(as_of))))


#: click commands added to the ``flowmember`` group.
COMMANDS: list = [lapse_group]
