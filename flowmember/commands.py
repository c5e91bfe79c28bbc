"""The commands of the ``flowmember`` CLI: ``create-admin``, ``demo`` and every package's
commands, added to the app by ``create_app`` (so ``app.test_cli_runner()`` sees them as the
console script does). Each command is one transaction (:func:`flowmember.core.transaction.
committed`)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from flowmember.accounts.services import create_user
from flowmember.checkins import cli as checkins_cli
from flowmember.core.auth import SYSTEM
from flowmember.core.errors import FlowMemberError
from flowmember.core.transaction import committed
from flowmember.demo import has_data, load_demo
from flowmember.dues import cli as dues_cli
from flowmember.extensions import db
from flowmember.lapse import cli as lapse_cli
from flowmember.members import cli as members_cli
from flowmember.orgs.models import Org
from flowmember.orgs.services import create_org
from flowmember.transfers import cli as transfers_cli
from jobs.cli import jobs_group


@click.command("create-admin")
@click.option("--username", required=True)
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--org-name", required=True, help="The top org; created when it does not exist.")
@click.option(
    "--org-kind", type=click.Choice(["committee", "centre"]), default="committee", show_default=True
)
@click.option("--display-name", default=None)
@with_appcontext
@committed
def create_admin(username, password, org_name, org_kind, display_name):
    """Create an admin at the top of the tree (and the top org itself on a new install)."""
    try:
        org = db.session.scalars(
            select(Org).where(Org.name == org_name, Org.parent_id.is_(None))
        ).first()
        if org is None:
            org = create_org(SYSTEM, name=org_name, kind=org_kind, parent_id=None)
            click.echo(f"Created org {org.name} (id {org.id}).")
        user = create_user(
            SYSTEM,
            username=username,
            password=password,
            display_name=display_name or username,
            role="admin",
            org_id=org.id,
        )
    except FlowMemberError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (exc.errors or {}).items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(f"Created admin {user.username} for {org.name}.")


@click.command("demo")
@click.option("--members", "member_count", default=240, show_default=True, type=int)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Load even when the database already has orgs.")
@with_appcontext
@committed
def demo(member_count, seed, force):
    """Load realistic demo orgs, staff and members (once: skipped when data exists)."""
    if has_data() and not force:
        click.echo("The database already has data; demo not loaded.")
        return
    for line in load_demo(member_count=member_count, seed=seed):
        click.echo(line)


#: Every command of the ``flowmember`` group, in one list.
COMMANDS: list[click.Command] = [
    create_admin,
    demo,
    jobs_group,
    *members_cli.COMMANDS,
    *checkins_cli.COMMANDS,
    *dues_cli.COMMANDS,
    *transfers_cli.COMMANDS,
    *lapse_cli.COMMANDS,
]


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
