"""`flask mail ...`: deliver what is due, see where delivery stands, check the mail settings.

Output names messages by id and purpose, never by address: it ends up in cron mail and logs.
"""

import click
from flask.cli import AppGroup

from .. import audit, mail
from ..extensions import db
from ..timeutil import format_local
from . import services
from .models import OutboxMessage, OutboxStatus

mail_cli = AppGroup("mail", help="Email delivery: the outbox.")


def _run(action):
    """Run a delivery; a mail URL or organizer address that cannot work is a one-line error."""
    try:
        return action()
    except (mail.InvalidMailURL, mail.UnsafeHeader) as error:
        raise click.ClickException(str(error)) from None


def _echo_report(report):
    click.echo(f"Mail: {report.summary()}.")
    if report.error:
        waiting = services.status_counts()[OutboxStatus.PENDING]
        raise click.ClickException(f"could not reach the mail server ({report.error}); "
                                   f"{waiting} message(s) wait for the next run")


@mail_cli.command("send-pending")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Send at most this many messages.")
def send_pending_command(limit):
    """Deliver every message that is due, over one connection."""
    _echo_report(_run(lambda: services.dispatch_pending(limit=limit)))


@mail_cli.command("status")
def status_command():
    """Messages by status, when the next one is due, and the latest failures."""
    for status, count in services.status_counts().items():
        click.echo(f"{status.value:<10} {count:>6}")
    due = services.next_due_at()
    if due is not None:
        click.echo(f"next due   {format_local(due)}")
    failures = services.recent_failures()
    if failures:
        click.echo("latest failures:")
        for message in failures:
            click.echo(f"  #{message.id} {message.purpose}, {message.attempts} attempt(s): "
                       f"{message.last_error or 'no reason recorded'}")


@mail_cli.command("send-test")
@click.argument("address")
@click.option("--language", type=click.Choice(mail.LANGUAGES), default="en", show_default=True)
def send_test_command(address, language):
    """Send a short test message to ADDRESS now, to check the mail settings."""
    try:
        message_id = services.queue_delivery_check(address, language=language,
                                                   by=audit.COMMAND_LINE).id
    except mail.UnsafeHeader as error:
        raise click.ClickException(str(error)) from None
    report = _run(lambda: services.dispatch([message_id]))
    _echo_report(report)
    if report.failed or report.retried:
        status = db.session.get(OutboxMessage, message_id)
        raise click.ClickException(f"message #{message_id} was not accepted: {status.last_error}")
    click.echo(f"Test message #{message_id} handed to the mail server.")
