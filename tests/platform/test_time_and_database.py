"""UTC storage, display in the study time zone across daylight-saving changes, SQLite settings."""

import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from config import TestConfig
from fieldwork import create_app, database
from fieldwork.extensions import db
from fieldwork.timeutil import format_local
from tests import factories


@pytest.mark.parametrize("utc_time, shown", [
    # Last Sunday of March 2026: clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC.
    (datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc), "29.03.2026 01:30"),
    (datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc), "29.03.2026 03:30"),
    # Last Sunday of October 2026: from 03:00 CEST back to 02:00 CET at 01:00 UTC; 02:30 happens twice.
    (datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc), "25.10.2026 02:30"),
    (datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc), "25.10.2026 02:30"),
    (datetime(2026, 7, 1, 7, 0, tzinfo=timezone.utc), "01.07.2026 09:00"),
    (datetime(2026, 1, 15, 8, 0, tzinfo=timezone.utc), "15.01.2026 09:00"),
])
def test_times_are_shown_in_oslo_time_across_dst(app, utc_time, shown):
    """Stored UTC instants are shown in the study's zone with the right offset on DST days."""
    assert format_local(utc_time) == shown


def test_timezone_is_configurable(app):
    """Another study zone shows the same instant differently."""
    app.config["TIMEZONE"] = "America/New_York"
    assert format_local(datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)) == "01.07.2026 08:00"


def test_naive_datetimes_are_refused(app):
    """A datetime without a zone is a bug: saving one fails instead of guessing."""
    organisation = factories.make_organisation()
    organisation.created_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_stored_times_round_trip_as_utc(app):
    """What goes in as an aware time comes back as the same instant in UTC."""
    from zoneinfo import ZoneInfo

    oslo_time = datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Oslo"))
    organisation = factories.make_organisation()
    organisation.created_at = oslo_time
    db.session.commit()
    reloaded = factories.reload(type(organisation), organisation.id)
    assert reloaded.created_at == oslo_time
    assert reloaded.created_at.tzinfo == timezone.utc


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path):
    """SQLite is configured for concurrent readers and enforced foreign keys."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_foreign_keys_are_enforced(app):
    """The database itself refuses an informant pointing at a missing organisation."""
    from sqlalchemy.exc import IntegrityError

    from fieldwork.informants.models import Informant

    role = factories.make_role()
    db.session.add(Informant(code="X-1", name="Nobody", organisation_id=9999, role_id=role.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _backend_pid():
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.commit()  # the connection goes back to the pool
    return pid


def _end_backends(pids):
    """What a server restart or an administrator's pg_terminate_backend does to the app's idle
    pooled connections; returns once those server processes are gone."""
    engine = create_engine(db.engine.url, poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(:pids) AS pid"),
                           {"pids": pids})
        deadline = time.monotonic() + 10
        while connection.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE pid = ANY(:pids)"), {"pids": pids}):
            assert time.monotonic() < deadline, "the backends did not end"
            connection.rollback()  # a new snapshot of pg_stat_activity
    engine.dispose()


def test_a_pooled_connection_the_database_server_ended_is_replaced_before_use(
        postgres_database, monkeypatch):
    """PostgreSQL: connections are not pinged before every transaction, yet one the server has
    ended while it sat in the pool costs no request: whether it was used a moment ago (its
    closed socket gives it away) or a while ago (pinged), the next transaction gets a new one.
    A healthy connection is reused."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": postgres_database})
    with app.app_context():
        first = _backend_pid()
        assert _backend_pid() == first  # reused, not replaced

        _end_backends([first])
        second = _backend_pid()  # used a moment ago: no ping, the socket tells
        assert second != first

        monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0)  # every one "idle a while"
        assert _backend_pid() == second
        _end_backends([second])
        assert _backend_pid() not in (first, second)
        db.session.remove()
        db.engine.dispose()
