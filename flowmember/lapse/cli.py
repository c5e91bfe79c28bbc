"""Lapse and lost contact: commands of the ``flowmember`` CLI.

``flowmember lapse sweep [--as-of YYYY-MM-DD]`` and ``flowmember lapse contact-sweep [--as-of]``
run the sweeps once (the scheduler runs them nightly as ``flowmember jobs run-once lapse_sweep
--as-of 2026-11-30`` / ``contact_sweep``)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext


@click.group("lapse")
def lapse_group():
    """Six-month lapse and lost contact."""


def _as_of(value):
    from flowmember.core.time import today_local

    return value.date() if value else today_local()


@lapse_group.command("sweep")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
def sweep(as_of):
    """Run the lapse sweep: warnings at 3 and 5 months, cases at 6, resolve caught-up cases."""
    from flowmember.lapse.services import lapse_sweep

    click.echo(json.dumps(lapse_sweep(_as_of(as_of))))


@lapse_group.command("contact-sweep")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
def contact_sweep_command(as_of):
    """Run the lost-contact sweep: flag unreachable members, propose suspensions."""
    from flowmember.lapse.services import contact_sweep

    click.echo(json.dumps(contact_sweep(_as_of(as_of))))


#: click commands added to the ``flowmember`` group.
COMMANDS: list = [lapse_group]
