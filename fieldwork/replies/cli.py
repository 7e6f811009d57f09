"""`flask mail read-replies`: read the calendar answers in the study mailbox once.

Output counts messages; it never names an address or quotes the mailbox URL.
"""

import click

from .mailbox import InvalidImapURL, MailboxError
from .services import read_replies


@click.command("read-replies")
def read_replies_command():
    """Record the calendar answers (accept, decline, new time) waiting in the study mailbox."""
    try:
        report = read_replies()
    except (InvalidImapURL, MailboxError) as error:
        raise click.ClickException(f"mailbox: {error}") from None
    if not report.configured:
        raise click.ClickException("FIELDWORK_IMAP_URL is not set: no mailbox to read")
    click.echo(f"Answers: {report.summary()}.")
