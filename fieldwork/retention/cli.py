"""`flask retention report` and `flask retention erase --confirm`."""

import click
from flask.cli import AppGroup

from .. import audit
from ..database import utcnow
from ..errors import DomainError
from . import services

retention_cli = AppGroup("retention", help="Identity data held after the study's end.")


@retention_cli.command("report")
def report_command():
    """Count the identity data still held, place by place."""
    report = services.retention_report(now=utcnow())
    end = report.study_end.strftime("%d.%m.%Y") if report.study_end else "not set"
    click.echo(f"Study end: {end}" + (" (ended)" if report.has_ended else ""))
    for store, count in report.counts:
        click.echo(f"{count:>7}  {store.label}")
    click.echo(f"{report.total:>7}  in all")


@retention_cli.command("erase")
@click.option("--confirm", is_flag=True, help="Required: erasure cannot be undone.")
def erase_command(confirm):
    """Erase informants' names, emails, phones (and the copies in emails and the audit log)."""
    if not confirm:
        raise click.ClickException("Erasure cannot be undone: run `flask retention report` "
                                   "first, then add --confirm.")
    try:
        erased = services.erase_identities(confirmation=services.CONFIRMATION,
                                           by=audit.COMMAND_LINE, now=utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    for key, count in erased.items():
        click.echo(f"{count:>7}  {key}")
    click.echo("Identity data erased.")
