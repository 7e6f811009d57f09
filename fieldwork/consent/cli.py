"""`flask consent follow-ups`: what the scheduler runs every hour, by hand."""

import click
from flask.cli import AppGroup

from . import services

consent_cli = AppGroup("consent", help="Consent requests.")


@consent_cli.command("follow-ups")
def follow_ups_command():
    """Send the consent request again where it has gone unanswered too long."""
    messages = services.send_consent_follow_ups()
    click.echo(f"{len(messages)} follow-up(s) queued.")
