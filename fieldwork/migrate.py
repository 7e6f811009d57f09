"""Flask-Migrate, bound to the app without importing it until a migration runs.

Flask-Migrate imports Alembic (and Mako, and Pygments through it): about a tenth of a web
process's start-up, for commands that web processes never run. So the app gets a `flask db`
command group that imports the real one when it is used, and an `extensions["migrate"]` entry
that builds the real one when something (migrations/env.py, flask_migrate.upgrade) reads it.
"""

from types import SimpleNamespace

import click
from flask.cli import AppGroup


def init_migrations(app, db, **options):
    app.extensions["migrate"] = _MigrateOnDemand(db, options)
    app.cli.add_command(_DbCommands(name="db", help="Perform database migrations."))


class _MigrateOnDemand:
    """Stands for Flask-Migrate's own entry (`.db`, `.directory`, `.configure_args`, ...)."""

    def __init__(self, db, options):
        self._db, self._options, self._real = db, options, None

    def __getattr__(self, name):
        if self._real is None:
            from flask_migrate import Migrate

            # Flask-Migrate's public init_app fills in the entry it would have put on the app.
            stand_in = SimpleNamespace(extensions={}, cli=AppGroup())
            Migrate().init_app(stand_in, self._db, **self._options)
            self._real = stand_in.extensions["migrate"]
        return getattr(self._real, name)


class _DbCommands(click.Group):
    """`flask db ...`: listed by `flask --help` like any group, imported when run."""

    def _real(self):
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name, args, parent=None, **extra):
        # Click runs whatever command the returned context names: the real group.
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)
