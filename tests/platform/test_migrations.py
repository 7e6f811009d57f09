"""The Alembic migrations build the schema from nothing, on SQLite and PostgreSQL alike."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from config import TestConfig
from fieldwork import create_app
from fieldwork.extensions import db


@pytest.fixture
def empty_database_url(database, request, tmp_path):
    backend, _ = database
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(f"empty_{uuid.uuid4().hex[:8]}")


def test_upgrade_from_empty_then_check_finds_nothing_missing(empty_database_url):
    """`flask db upgrade` builds every table; `flask db check` finds the models and schema equal."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output  # Flask-Migrate exits 1 when they differ
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"user", "organisation", "role", "informant", "audit_event"} <= tables


def test_downgrade_to_base_and_up_again(empty_database_url):
    """Every revision can be undone and redone."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    engine = create_engine(empty_database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
