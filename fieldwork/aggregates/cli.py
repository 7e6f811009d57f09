"""`flask aggregates refresh`: recompute the study-wide figures from scratch."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import raise_version

aggregates_cli = AppGroup("aggregates", help="Study-wide figures kept between requests.")


@aggregates_cli.command("refresh")
def refresh_command():
    """Recompute every kept figure from the data (needed only after changes made outside the
    app, such as SQL run by hand)."""
    raise_version()
    db.session.commit()
    click.echo("The figures are recomputed on their next view.")
