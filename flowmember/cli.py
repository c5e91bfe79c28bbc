"""The ``flowmember`` console script: a Flask CLI group over :func:`flowmember.create_app`
(``flowmember db upgrade``, ``flowmember run``, ``flowmember jobs run`` ...). The commands
themselves are in :mod:`flowmember.commands`; the app factory adds them to every app, so this
module is the top of the import graph: it imports the factory and nothing imports it."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from flowmember import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def cli():
    """FlowMember: keeping track of mobile party members."""
