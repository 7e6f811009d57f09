"""Files sent while they are written: exports of any length in the memory of one chunk.

An export first records who took it and commits (so the audit event exists even if the download
is cut short), then reads its rows through a server-side cursor in a read-only transaction of its
own and writes them to the response as they come. The trade-off of streaming from the database:

- PostgreSQL keeps that read-only transaction (and its snapshot) open until the last row is read,
  which for a CSV is as long as the client takes to download it. It blocks no writer; it only
  holds back VACUUM for that while.
- SQLite in WAL mode (database.py) lets writers commit while a reader reads; an open read only
  stops a checkpoint from shrinking the WAL until it ends. No lock is taken for it.

An error after the first bytes cannot change the status any more. The download is then broken
off (the client sees an incomplete file, never a complete-looking one), and the log names only
the export and the kind of error: a database error's message can hold query parameters, such as
a name typed into a search, and stays out of the log.
"""

import logging
import traceback

from flask import Response, stream_with_context

from .extensions import db

log = logging.getLogger(__name__)

# Rows fetched from the server-side cursor at a time: few enough to keep memory flat, enough to
# keep round trips to PostgreSQL rare.
BATCH_ROWS = 2000


class DownloadInterrupted(Exception):
    """An export failed after its first bytes were sent; the file the client got is incomplete."""


def read_only(rows):
    """`rows` (a generator that reads the database) read in a read-only transaction with one
    snapshot for all its statements, which begins at the first row and ends after the last, so
    the connection is free again before the last chunk is sent. Several cursors read side by
    side therefore see the same rows.

    Called after the export's audit event is committed: if the session is still (or again) in a
    transaction, the rows are read in that one and it is left as it is.
    """
    started = not db.session().in_transaction()
    if started:
        _begin_read_only()
    try:
        yield from rows
    finally:
        if started:
            db.session.rollback()  # nothing was written: this only ends the snapshot


def _begin_read_only():
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"postgresql_readonly": True,
                                                 "isolation_level": "REPEATABLE READ"})
    else:
        # A deferred BEGIN: SQLite's snapshot is taken at the first read and kept until the end;
        # in WAL mode it takes no lock that a writer waits for.
        raw = db.session.connection().connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN")


def stream_rows(query, *, batch=None):
    """The rows of a Core select, read `batch` (BATCH_ROWS) at a time through a server-side
    cursor. BATCH_ROWS is read at each call, so a test can prove memory flat on a few rows."""
    return db.session.execute(query.execution_options(yield_per=batch or BATCH_ROWS))


def send(chunks, *, filename, mimetype, name):
    """A streamed attachment of `chunks` (text or bytes), in the request's context until the last
    chunk, broken off with a log line naming only `name` if writing it fails."""
    return Response(stream_with_context(_guarded(chunks, name)), mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}",
        # Proxies such as nginx would otherwise hold the file back until it is complete.
        "X-Accel-Buffering": "no"})


def _guarded(chunks, name):
    sent = 0
    try:
        for chunk in chunks:
            sent += len(chunk)
            yield chunk
    except Exception as error:
        # Where it failed (file, line, function), but neither the message nor the source lines.
        where = "; ".join(f"{frame.filename}:{frame.lineno} in {frame.name}"
                          for frame in traceback.extract_tb(error.__traceback__))
        log.error("export %s stopped after %d characters or bytes: %s at %s", name, sent,
                  type(error).__name__, where)
        # `from None`: the original message (which may quote parameters) is not chained.
        raise DownloadInterrupted(f"export {name} stopped part-way; the download was broken off") \
            from None
