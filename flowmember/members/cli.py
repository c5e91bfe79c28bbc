"""Member ledger: commands of the ``flowmember`` CLI.

``flowmember import members FILE.xlsx|FILE.csv [--dry-run] [--org-id ID]``,
``flowmember export members FILE.xlsx`` and ``flowmember import-template FILE``. They act as the
system (every org) and are audited as ``system``; each command is one transaction
(:func:`flowmember.core.transaction.committed`)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from flowmember.core.auth import SYSTEM
from flowmember.core.errors import FlowMemberError
from flowmember.core.transaction import committed
from flowmember.members.ledger_io import export_members, import_members, write_template


def _fail(exc: FlowMemberError) -> click.ClickException:
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (exc.errors or {}).items())
    return click.ClickException(f"{exc.message} {details}".strip())


@click.group("import")
def import_group():
    """Import records from spreadsheets."""


@import_group.command("members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report; change nothing.")
@click.option("--org-id", type=int, default=None, help="Org for rows whose org column is empty.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
@committed
def import_members_command(file, dry_run, org_id, quiet):
    """Update-or-insert members by ID number from FILE (.xlsx or .csv). Rejected rows are written
    beside FILE (NAME.rejected.xlsx / .csv) with their errors; accepted rows are imported all
    together or not at all."""
    bar = tqdm(unit="row", desc="checking", disable=quiet, leave=False)

    def total(n: int) -> None:
        bar.total = n
        bar.refresh()

    try:
        # A dry run writes nothing: the commit at the end has nothing to commit.
        report = import_members(
            SYSTEM,
            file,
            dry_run=dry_run,
            default_org_id=org_id,
            progress=bar.update,
            total_hint=total,
        )
    except FlowMemberError as exc:
        raise _fail(exc) from None
    finally:
        bar.close()
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb}: {report.created} new, {report.updated} updated, {report.unchanged} unchanged; "
        f"{len(report.rejected)} rejected of {report.total} rows."
    )
    if report.rejected_file:
        click.echo(f"Rejected rows with their errors: {report.rejected_file}")
        for row in report.rejected[:10]:
            click.echo(f"  row {row.number}: {row.error_text()}")
        if len(report.rejected) > 10:
            click.echo(f"  ... and {len(report.rejected) - 10} more")


@click.group("export")
def export_group():
    """Export records to spreadsheets."""


@export_group.command("members")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@committed
def export_members_command(file):
    """Write the ledger (current members, full ID numbers) to FILE.xlsx in the import's columns."""
    if file.suffix.lower() != ".xlsx":
        raise click.ClickException("The export is an .xlsx file.")
    count = export_members(SYSTEM, file)
    click.echo(f"Exported {count} members to {file}.")


@click.command("import-template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_template_command(file):
    """Write an empty member import sheet (.xlsx) with the expected columns."""
    write_template(file)
    click.echo(f"Template written to {file}.")


#: click commands added to the ``flowmember`` group.
COMMANDS: list = [import_group, export_group, import_template_command]
