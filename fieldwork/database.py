"""Column types and engine settings shared by every model."""

import enum
import select as io_select
import time
from datetime import datetime, timezone

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import DateTime, event, exc, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

from .extensions import db


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so values are stored as naive UTC
    and made aware again when read. Naive datetimes are refused: they are always a bug here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def refresh_statistics(*tables):
    """Tell the query planner how many rows the tables hold now, after a bulk insert. SQLite keeps
    statistics only when asked; without them it sorts every informant for the list's organisation
    and role orders instead of walking their indexes. (PostgreSQL's autovacuum would catch up
    later; asking now costs a few milliseconds per thousand rows.)"""
    for table in tables:
        db.session.execute(text(f'ANALYZE "{db.metadata.tables[table].name}"'))


def utcnow():
    return datetime.now(timezone.utc)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """WAL lets readers work while a writer commits; SQLite enforces foreign keys only when asked."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # SQLite's own lower() folds only A-Z; searches must also match Æ, Ø and Å in any case.
    dbapi_connection.create_function("lower", 1, lambda value: value.lower() if isinstance(value, str) else value,
                                     deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A pooled PostgreSQL connection idle for longer than this is pinged (a round trip) before it is
# used; one used more recently is only checked for a closed socket (see `_check_out`).
PING_AFTER_IDLE_SECONDS = 2.0


def _readable(fd):
    # poll, not select: select refuses descriptors above 1023, which a busy process can reach.
    poller = io_select.poll()
    poller.register(fd, io_select.POLLIN)
    return bool(poller.poll(0))


@event.listens_for(Pool, "checkin")
def _note_check_in(dbapi_connection, connection_record):
    if dbapi_connection is not None:
        connection_record.info["checked_in_at"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _check_out(dbapi_connection, connection_record, connection_proxy):
    """A pooled PostgreSQL connection that the server has dropped is replaced before it is used,
    as SQLAlchemy's pool_pre_ping would do, without a round trip for every transaction.

    A server that ends a connection (a restart, pg_terminate_backend, idle_session_timeout, a
    crash) says so or closes the socket, which then becomes readable: an idle connection that
    listens to no notifications has nothing else to read. That check costs no round trip. Only
    a peer that vanished without a word (a host gone, an address moved to a standby) leaves the
    socket quiet, and that takes longer than PING_AFTER_IDLE_SECONDS, so a connection idle that
    long is also pinged. Raising DisconnectionError makes the pool take a new connection.
    """
    checked_in_at = connection_record.info.pop("checked_in_at", None)
    pgconn = getattr(dbapi_connection, "pgconn", None)  # psycopg's; SQLite's never drops
    if pgconn is None or checked_in_at is None:  # a connection just made
        return
    try:
        if pgconn.status != 0 or _readable(pgconn.socket):  # 0: CONNECTION_OK
            raise exc.DisconnectionError("the server closed the connection")
        if time.monotonic() - checked_in_at > PING_AFTER_IDLE_SECONDS:
            dbapi_connection.cursor().execute(";")  # what SQLAlchemy's pre-ping sends
    except (OSError, type(dbapi_connection).Error) as error:  # psycopg.Error and its kind
        raise exc.DisconnectionError(
            f"the connection failed its check ({type(error).__name__})") from None


class LabelledEnum(enum.Enum):
    """An enum whose members show as words in the page's language.

    Each class names its words in `__labels__`, a dict from stored value to a lazy gettext
    string (`_l("No show")`), so `pybabel extract` finds them; a value missing there shows as
    its English spelling ("no-show" as "No show")."""

    @property
    def label(self):
        labels = getattr(type(self), "__labels__", None) or {}
        if self.value in labels:
            return str(labels[self.value])
        return self.value.replace("-", " ").capitalize()

    @classmethod
    def choices(cls):
        """(value, words) for every member, the words left lazy: a form's choices are built once,
        when its module loads, and must still follow each page's language."""
        labels = getattr(cls, "__labels__", None) or {}
        return [(member.value, labels.get(member.value, member.label)) for member in cls]


def enum_column(enum_class, length=20):
    """Enums stored as their string values with a CHECK constraint, on SQLite and PostgreSQL."""
    from sqlalchemy import Enum

    return Enum(enum_class, native_enum=False, length=length, create_constraint=True,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


def lock_rows(model, ids):
    """Lock these rows of `model` until the transaction ends, and return them read afresh.

    A rule that two requests could break together (one person in two interviews at once, one
    withdrawal counted twice) is checked only after the rows it is about are locked, so the second
    request waits for the first to commit and then sees what it did. Rows are locked in id order,
    and callers lock informants before users, so two requests never wait for each other.

    PostgreSQL: `SELECT ... FOR NO KEY UPDATE`, which still lets other transactions insert rows
    that refer to these (a session, an audit event). SQLite locks the whole database instead: the
    write lock is taken up front (`BEGIN IMMEDIATE`) so the read, the check and the write that
    follow are serialised; a transaction that has written already holds it.
    """
    ids = sorted(set(ids))
    if not ids:
        return []
    query = select(model).where(model.id.in_(ids)).order_by(model.id)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")
    else:
        query = query.with_for_update(key_share=True)
    # Objects loaded before the lock may be stale: read them again now that they cannot change.
    return db.session.scalars(query.execution_options(populate_existing=True)).all()


class ListPage(Pagination):
    """One page of a list, with the total counted by its own statement.

    `db.paginate` counts by wrapping the whole query (every joined column, the sort) in a
    subquery; a list's total needs only the filtered base table. `rows` is any select: ORM
    entities (`scalars=True`) or plain columns, already filtered and sorted. `count` is a select,
    or a function that returns the total (one kept between requests)."""

    def __init__(self, rows, count, *, scalars=False, complete=None, **kwargs):
        """`complete(rows)`, if given, turns the page's rows into what the page shows (adds what
        further queries load for those rows)."""
        self._rows, self._count, self._scalars = rows, count, scalars
        self._complete = complete
        super().__init__(**kwargs)

    def _query_items(self):
        page = self._rows.limit(self.per_page).offset(self._query_offset)
        items = (db.session.scalars(page) if self._scalars else db.session.execute(page)).all()
        return self._complete(items) if self._complete else items

    def _query_count(self):
        return self._count() if callable(self._count) else db.session.scalar(self._count)
