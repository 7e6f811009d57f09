"""`flask users ...`: accounts are created on the command line; there is no default account."""

import sys

import click
from flask.cli import AppGroup

from .. import audit
from ..access import UserRole
from ..errors import DomainError
from . import services

users_cli = AppGroup("users", help="Manage staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, type=click.Choice([r.value for r in UserRole]))
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Last day the account may log in (YYYY-MM-DD).")
@click.option("--language", type=click.Choice(["nb", "en"]), default=None,
              help="Language of their email (default: FIELDWORK_DEFAULT_LANGUAGE).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, name, role, expires, language, password_stdin):
    """Create a user; the password is asked twice unless given on standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email, name, role, password, by=audit.COMMAND_LINE,
                                    expires_on=expires.date() if expires else None,
                                    language=language)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.value} {user.email}.")


@users_cli.command("list")
def list_users_command():
    """List users with role and state."""
    for user in services.list_users():
        state = "active" if user.is_active else "inactive"
        expiry = f", expires {user.expires_on.isoformat()}" if user.expires_on else ""
        click.echo(f"{user.email}\t{user.name}\t{user.role.value}\t{user.language.value}\t"
                   f"{state}{expiry}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user_command(email):
    """Deactivate a user and end their sessions at once."""
    try:
        user = services.deactivate_user(email, by=audit.COMMAND_LINE)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Deactivated {user.email}.")
