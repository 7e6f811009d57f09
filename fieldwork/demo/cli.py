"""`flask demo load`: fill an empty database with the demo data and a demo coordinator."""

import secrets
import unicodedata

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from .. import audit
from ..auth.services import create_user
from ..extensions import db
from ..informants.services import create_informant
from ..organisations.models import Organisation
from ..organisations.services import create_organisation, create_role
from . import data

demo_cli = AppGroup("demo", help="Demo data.")
DEMO_COORDINATOR = "coordinator@example.org"


def _email(name):
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".") + "@example.org"


def load_demo_data():
    """Create the demo organisations, roles, informants and coordinator; returns the password."""
    by = audit.COMMAND_LINE
    organisations = {code: create_organisation({"name": name, "code": code,
                                                "governance_level": level}, by=by)
                     for name, code, level in data.ORGANISATIONS}
    roles = {code: create_role({"name": name, "code": code}, by=by) for name, code in data.ROLES}
    for name, org, role, title, language, status in data.INFORMANTS:
        create_informant({"name": name, "email": _email(name), "organisation_id": organisations[org].id,
                          "role_id": roles[role].id, "job_title": title, "language": language,
                          "status": status}, by=by)
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    create_user(DEMO_COORDINATOR, "Demo Coordinator", "coordinator", password, by=by)
    return password


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing, quietly, if there is data already.")
def load_command(if_empty):
    """Load the demo data into an empty database."""
    if db.session.scalar(select(func.count()).select_from(Organisation)):
        if if_empty:
            return
        raise click.ClickException("The database already has data; demo data goes only into an empty one.")
    password = load_demo_data()
    click.echo("Demo data loaded.")
    click.echo(f"Log in as {DEMO_COORDINATOR} with the password {password}")
    click.echo("(shown only this once; `flask --app wsgi users create` makes more accounts)")
