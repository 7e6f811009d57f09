"""The lock that lets one scheduler process at a time work against a database.

PostgreSQL: an advisory lock on a connection of its own, held for the process's lifetime. The
server drops the lock with the connection, so a scheduler killed with SIGKILL (or a machine that
vanishes, once TCP keepalive notices) releases it without anyone's help.

SQLite has no such lock between processes that outlives a transaction, so the `scheduler_lock`
row is the lock: a process takes it with a conditional UPDATE when it is free or its holder's
heartbeat is stale (older than three heartbeat intervals), and refreshes the heartbeat while
it holds it. Holding a write transaction open instead would block every web request.

Both keep the row up to date, so the status page can show who holds the lock and when it last
beat, whichever the database.
"""

import os
import secrets
import socket
from datetime import timedelta

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from ..database import utcnow
from ..extensions import db
from .models import SchedulerLock

LOCK_NAME = "scheduler"
# Any fixed 64-bit number; it only has to differ from other advisory locks in the same database.
ADVISORY_KEY = 0x0F1E1D5C4ED


def new_holder_id():
    """host:pid:random: names the process on the status page; no personal data."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def stale_after(heartbeat_seconds):
    return timedelta(seconds=3 * heartbeat_seconds)


class LockLost(Exception):
    """Another process holds the lock now: this one must stop working at once."""


class DatabaseLock:
    """`acquire()` once (False: someone else holds it), then `beat()` regularly; `release()`."""

    def __init__(self, engine, *, holder, heartbeat_seconds):
        self.engine = engine
        self.holder = holder
        self.heartbeat_seconds = heartbeat_seconds
        self.is_postgresql = engine.dialect.name == "postgresql"
        self._connection = None

    def acquire(self):
        now = utcnow()
        if self.is_postgresql:
            if self._connection is None:
                self._connection = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT")
            if not self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                           {"key": ADVISORY_KEY}):
                return False
            self._ensure_row()
            db.session.execute(update(SchedulerLock).where(SchedulerLock.name == LOCK_NAME)
                               .values(holder=self.holder, acquired_at=now, heartbeat_at=now))
            db.session.commit()
            return True
        self._ensure_row()
        stale = now - stale_after(self.heartbeat_seconds)
        taken = db.session.execute(
            update(SchedulerLock)
            .where(SchedulerLock.name == LOCK_NAME,
                   (SchedulerLock.holder.is_(None)) | (SchedulerLock.holder == self.holder)
                   | (SchedulerLock.heartbeat_at < stale))
            .values(holder=self.holder, acquired_at=now, heartbeat_at=now)).rowcount
        db.session.commit()
        return taken == 1

    def beat(self):
        """Say we are alive; raises LockLost if the lock is no longer ours."""
        now = utcnow()
        if self.is_postgresql:
            try:
                # The lock lives as long as this connection: if it is gone, so is the lock.
                self._connection.scalar(text("SELECT 1"))
            except Exception as error:
                raise LockLost("the lock's database connection was lost") from error
        beaten = db.session.execute(
            update(SchedulerLock)
            .where(SchedulerLock.name == LOCK_NAME, SchedulerLock.holder == self.holder)
            .values(heartbeat_at=now)).rowcount
        db.session.commit()
        if beaten != 1 and not self.is_postgresql:
            raise LockLost("another scheduler took the lock (this one missed its heartbeats)")

    def release(self):
        try:
            db.session.rollback()
            db.session.execute(update(SchedulerLock)
                               .where(SchedulerLock.name == LOCK_NAME,
                                      SchedulerLock.holder == self.holder)
                               .values(holder=None))
            db.session.commit()
        finally:
            if self._connection is not None:
                # The pool would keep the session (and the lock) alive: unlock, then discard it.
                try:
                    self._connection.scalar(text("SELECT pg_advisory_unlock(:key)"),
                                            {"key": ADVISORY_KEY})
                finally:
                    self._connection.invalidate()
                    self._connection.close()
                    self._connection = None

    def _ensure_row(self):
        if db.session.scalar(select(SchedulerLock.name).where(SchedulerLock.name == LOCK_NAME)):
            return
        try:
            db.session.execute(insert(SchedulerLock).values(name=LOCK_NAME))
            db.session.commit()
        except IntegrityError:  # another process inserted it first
            db.session.rollback()


def current_lock():
    """The lock row as the status page shows it, or None before any scheduler ran."""
    return db.session.get(SchedulerLock, LOCK_NAME)
