"""`flask aggregates refresh`: recompute the study-wide figures and the stored consent standing
from scratch."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import raise_version

aggregates_cli = AppGroup("aggregates", help="Study-wide figures kept between requests.")


@aggregates_cli.command("refresh")
def refresh_command():
    """Recompute every kept figure from the data (needed only after changes made outside the
    app, such as SQL run by hand)."""
    from ..consent.standing import refresh_standing

    changed = refresh_standing()
    raise_version()
    db.session.commit()
    click.echo(f"Consent standing: {changed} stored value(s) corrected; the study-wide figures "
               f"are recomputed on their next view.")
