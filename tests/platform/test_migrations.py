"""The Alembic migrations build the schema from nothing, on SQLite and PostgreSQL alike."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

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


def test_outbox_bytes_keep_to_their_message_up_and_down(empty_database_url):
    """Moving each email's bytes to outbox_message_body (and back) keeps every one with its
    message; on SQLite a rebuilt outbox_message would have deleted them through the cascade."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="b7e3d1a9c5f2")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO outbox_message (message_id, purpose, recipient_email, subject, raw,"
                " status, attempts, next_attempt_at, created_at) VALUES ('<fw.1@example.org>',"
                " 'invite', 'a@example.org', 'Invitation', :raw, 'sent', 1, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)"), {"raw": b"the email's bytes"})
        upgrade(revision="b7e4d2a91c36")
        with db.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT m.message_id, b.raw FROM outbox_message m JOIN outbox_message_body b"
                " ON b.outbox_message_id = m.id")).all() == [("<fw.1@example.org>",
                                                             b"the email's bytes")]
        downgrade(revision="b7e3d1a9c5f2")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT message_id, raw FROM outbox_message")) \
                .all() == [("<fw.1@example.org>", b"the email's bytes")]
        db.engine.dispose()


def test_rebuilding_a_table_keeps_the_rows_that_point_at_it(empty_database_url):
    """SQLite changes a constraint by building the table anew and dropping the old one; with
    foreign keys enforced, that drop would empty or delete every row pointing at it (a digest's
    link to its email, an audit event's actor). Migrations run with them off, checked after."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="8e2f4b6c1a37")  # the next one rebuilds outbox_message on SQLite
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO \"user\" (id, email, name, role, password_hash, is_enabled,"
                " created_at, password_changed_at) VALUES (1, 'c@example.org', 'C',"
                " 'coordinator', 'x', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO outbox_message (id, message_id, purpose, recipient_email, subject,"
                " raw, status, attempts, next_attempt_at, created_at) VALUES (7,"
                " '<fw.7@example.org>', 'digest', 'c@example.org', 'Digest', :raw, 'sent', 1,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"raw": b"bytes"})
            connection.execute(text(
                "INSERT INTO staff_notice (kind, period, user_id, outbox_message_id, created_at)"
                " VALUES ('digest', '2026-12-01', 1, 7, CURRENT_TIMESTAMP)"))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT user_id, outbox_message_id FROM staff_notice")).all() == [(1, 7)]
        db.engine.dispose()
