"""The ``flowmember`` command: a Flask CLI group (``flowmember db upgrade``, ``flowmember run``,
``flowmember create-admin``, ``flowmember demo`` and the domain packages' commands)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from flowmember import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def cli():
    """FlowMember: keeping track of mobile party members."""


@click.command("create-admin")
@click.option("--username", required=True)
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--org-name", required=True, help="The top org; created when it does not exist.")
@click.option(
    "--org-kind", type=click.Choice(["committee", "centre"]), default="committee", show_default=True
)
@click.option("--display-name", default=None)
@with_appcontext
def create_admin(username, password, org_name, org_kind, display_name):
    """Create an admin at the top of the tree (and the top org itself on a new install)."""
    from flowmember.accounts.services import create_user
    from flowmember.core.auth import SYSTEM
    from flowmember.core.errors import FlowMemberError
    from flowmember.extensions import db
    from flowmember.orgs.models import Org
    from flowmember.orgs.services import create_org

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
        db.session.commit()
    except FlowMemberError as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (exc.errors or {}).items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(f"Created admin {user.username} for {org.name}.")


@click.command("demo")
@click.option("--members", "member_count", default=240, show_default=True, type=int)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Load even when the database already has orgs.")
@with_appcontext
def demo(member_count, seed, force):
    """Load realistic demo orgs, staff and members (once: skipped when data exists)."""
    from flowmember.demo import has_data, load_demo

    if has_data() and not force:
        click.echo("The database already has data; demo not loaded.")
        return
    summary = load_demo(member_count=member_count, seed=seed)
    for line in summary:
        click.echo(line)


def register(app: Flask) -> None:
    import importlib

    from flowmember import DOMAINS
    from jobs.cli import jobs_group

    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    app.cli.add_command(jobs_group)
    for domain in DOMAINS:
        for command in importlib.import_module(f"flowmember.{domain}.cli").COMMANDS:
            app.cli.add_command(command)
