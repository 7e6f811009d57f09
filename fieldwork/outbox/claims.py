"""Which sender holds which outbox rows, and for how long.

A sender claims a batch of due rows with one conditional UPDATE, in queue order, skipping any
row that has an older unfinished one (pending, sending or waiting for a retry) to the same
recipient about the same interview; of two senders only one can change a row. What happened to
each row is written back in one statement, with the next claim or after RECORD_WITHIN_SECONDS.
While a sender works, a heartbeat renews the lease on its rows; rows whose lease ran out belong
to a dead sender and are taken up again (`recover_interrupted`). The sending itself is
fieldwork.outbox.sending.
"""

import functools
import logging
import threading
import time
import traceback
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import (ARRAY, Integer, String, any_, bindparam, exists, func, literal_column,
                        select, update)

from ..database import UTCDateTime
from ..extensions import db
from .models import UNFINISHED_STATUSES, OutboxBody, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Results are committed after the first message sent this long after the last commit: a kill
# makes the next sender repeat at most what was accepted in that window (a slow server: nothing).
RECORD_WITHIN_SECONDS = 0.25


def where(error):
    """An exception's type and the place it was raised, without its message: messages from
    libraries may quote an address or a name, and logs must not."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{place}"


def due(ids, now):
    """Pending and due by `now`; only the rows `ids`, unless None."""
    condition = ((OutboxMessage.status == OutboxStatus.PENDING)
                 & (OutboxMessage.next_attempt_at <= now))
    if ids is not None:
        condition = condition & OutboxMessage.id.in_(ids)
    return condition


def _waits_for_an_older_one(table):
    """An older message to the same recipient about the same interview is not finished yet
    (pending, being sent, or waiting for a retry). Never true for messages about no interview."""
    older = table.alias("older")
    return exists().where(older.c.interview_id == table.c.interview_id,
                          older.c.recipient_email == table.c.recipient_email,
                          older.c.status.in_(UNFINISHED_STATUSES),
                          older.c.id < table.c.id)


@functools.cache
def _claim_statements(by_ids, together):
    """(pick, claim) for `claim_batch`, built once: every batch runs the same statements with
    new values (`now`, `size`, `token`, the ids), so SQLAlchemy neither rebuilds nor re-hashes
    them. `together` (PostgreSQL): pick is None and claim picks too, in one statement."""
    table, body = OutboxMessage.__table__, OutboxBody.__table__
    is_due = ((table.c.status == OutboxStatus.PENDING)
              & (table.c.next_attempt_at <= bindparam("now")))
    pick = select(table.c.id).where(is_due, ~_waits_for_an_older_one(table))
    if by_ids:
        pick = pick.where(table.c.id.in_(bindparam("ids", expanding=True)))
    pick = pick.order_by(table.c.id).limit(bindparam("size")).with_for_update(skip_locked=True)
    if together:
        # MATERIALIZED: the pick runs exactly once. As a subquery (id IN (SELECT ... LIMIT n
        # FOR UPDATE SKIP LOCKED)) PostgreSQL may run it more than once, and so claim more
        # than n rows.
        picked = pick.cte("picked").prefix_with("MATERIALIZED")
        # = ANY(ARRAY(...)), not IN (SELECT ...): the planner then finds the picked rows by
        # their key, instead of hashing them and scanning every due row to match them.
        which = table.c.id == any_(literal_column("ARRAY(SELECT id FROM picked)", ARRAY(Integer)))
    else:
        picked = bindparam("picked", expanding=True)
        which = table.c.id.in_(picked)
    claim = (update(table)
             .where(which, is_due)
             .values(status=OutboxStatus.SENDING, attempts=table.c.attempts + 1,
                     claimed_at=bindparam("now"), claim_token=bindparam("token"))
             .returning(table.c.id,
                        select(body.c.raw).where(body.c.outbox_message_id == table.c.id)
                        .scalar_subquery(),
                        table.c.recipient_email, table.c.attempts))
    if together:
        claim = claim.add_cte(picked)
    return (None if together else pick), claim


def claim_batch(ids, now, token, size, results):
    """[(id, raw, recipient, attempts)] of up to `size` due rows, now ours, in queue order.

    A SELECT picks the earliest due rows that wait for no older message, and a conditional
    UPDATE marks them 'sending' with our token; its WHERE repeats the due condition, so of two
    dispatchers only one can change a row. On PostgreSQL the pick locks them and skips rows
    another dispatcher has locked at that moment (FOR UPDATE SKIP LOCKED) instead of queueing
    behind them, and both go as one statement (one round trip); SQLite runs one writer at a
    time anyway. A batch never holds two rows of one interview and recipient (the newer waits
    for the older), so their order survives any outcome.

    The results of the batch before (`results`) go into the same transaction, first, so that a
    message just sent no longer holds back its successor; one commit covers both, before
    anything is sent.
    """
    results.record(commit=False)
    together = db.session.get_bind().dialect.name == "postgresql"
    pick, claim = _claim_statements(ids is not None, together)
    values = {"now": now, "size": size, "token": token}
    if ids is not None:
        values["ids"] = ids
    if together:
        rows = db.session.execute(claim, values).all()
    else:
        picked = db.session.scalars(pick, values).all()
        rows = db.session.execute(claim, {**values, "picked": picked}).all() if picked else []
    db.session.commit()
    return sorted((tuple(row) for row in rows), key=lambda row: row[0])


class Results:
    """What happened to the rows of a dispatch, recorded in as few statements and commits as the
    promise allows: with the next batch's claim (one commit for both) or at the end, or once
    RECORD_WITHIN_SECONDS have passed since the last record.
    Each change applies only while the row is still ours (same token, still 'sending'): if our
    lease ran out and another sender took the row, its result is the one that counts."""

    def __init__(self, token):
        self.token = token
        self.waiting = []  # (row id, status, sent_at, next_attempt_at, last_error, attempts back)
        self.since = time.monotonic()

    def sent(self, row_id, now):
        self.waiting.append((row_id, OutboxStatus.SENT.value, now, None, None, 0))

    def fail(self, row_id, reason):
        self.waiting.append((row_id, OutboxStatus.FAILED.value, None, None, reason, 0))

    def release(self, row_id, reason):
        """Back as it was: the server was never reached, so this was no attempt."""
        self.waiting.append((row_id, OutboxStatus.PENDING.value, None, None, reason, 1))

    def retry_later(self, row_id, attempts, reason, now, report):
        """Pending again after a delay, or failed if that was the last attempt."""
        if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            self.fail(row_id, f"gave up after {attempts} attempts: {reason}"[:300])
            report.failed += 1
        else:
            self.waiting.append((row_id, OutboxStatus.PENDING.value, None,
                                 now + retry_delay(attempts), reason, 0))
            report.retried += 1

    def record_if_due(self):
        if self.waiting and time.monotonic() - self.since >= RECORD_WITHIN_SECONDS:
            self.record()

    def record(self, *, commit=True):
        """Every waiting result in one statement; then one commit, unless the caller commits
        them with what it does next (the next claim)."""
        if self.waiting:
            if db.session.get_bind().dialect.name == "postgresql":
                # One UPDATE joined to the results, passed as one array per column: one round
                # trip and one statement for the server, where an executemany ran one per row.
                columns = list(zip(*self.waiting))
                db.session.execute(_record_statement(True), {
                    "token": self.token, **dict(zip(_RESULT_COLUMNS, columns))})
            else:  # in-process: an executemany costs no round trips
                db.session.execute(_record_statement(False), [
                    {"token": self.token, **dict(zip(_RESULT_COLUMNS, result))}
                    for result in self.waiting])
        if commit:
            db.session.commit()
        self.waiting, self.since = [], time.monotonic()


_RESULT_COLUMNS = ("row_id", "status", "sent_at", "next_attempt_at", "last_error", "back")


@functools.cache
def _record_statement(unnested):
    """UPDATE for every kind of result at once: the status and the reason as given; sent_at and
    next_attempt_at where given (kept otherwise); `back` attempts undone (a release). Built once.

    `unnested` (PostgreSQL): the results come as arrays, read back with unnest(); otherwise one
    row's values, for an executemany."""
    table = OutboxMessage.__table__
    types = (Integer, String, UTCDateTime, UTCDateTime, String, Integer)
    if unnested:
        given = func.unnest(*[bindparam(name, type_=ARRAY(type_))
                              for name, type_ in zip(_RESULT_COLUMNS, types)]) \
            .table_valued(*_RESULT_COLUMNS).render_derived().c
    else:
        given = {name: bindparam(name, type_=type_) for name, type_ in zip(_RESULT_COLUMNS, types)}
    return (update(table)
            .where(table.c.id == given["row_id"],
                   table.c.status == OutboxStatus.SENDING.value,
                   table.c.claim_token == bindparam("token"))
            .values(status=given["status"],
                    sent_at=func.coalesce(given["sent_at"], table.c.sent_at),
                    next_attempt_at=func.coalesce(given["next_attempt_at"],
                                                  table.c.next_attempt_at),
                    last_error=given["last_error"], attempts=table.c.attempts - given["back"],
                    claimed_at=None, claim_token=None))


class Heartbeat:
    """Renews the lease of this sender's rows every `interval` seconds while a dispatch runs,
    from a thread with its own connection, so that a long batch (a slow server) is never taken
    for a dead sender's, and the lease itself can be short."""

    def __init__(self, engine, token, clock, interval):
        self.engine, self.token, self.clock, self.interval = engine, token, clock, interval
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, name="fieldwork-outbox-lease",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        table = OutboxMessage.__table__
        while not self._stop.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(table)
                        .where(table.c.claim_token == self.token,
                               table.c.status == OutboxStatus.SENDING.value)
                        .values(claimed_at=self.clock()))
            except Exception as error:  # the next beat tries again; the lease has room for it
                log.warning("outbox: could not renew the sending lease: %s", where(error))


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed attempt: base, doubling, capped."""
    config = current_app.config
    base, cap = config["MAIL_RETRY_BASE_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** min(max(attempts - 1, 0), 30)))


def recover_interrupted(*, now):
    """Rows in 'sending' whose lease was not renewed in time belong to a sender that died
    mid-batch (a live one renews it: `Heartbeat`): pending again (the message may have gone
    out; its fixed Message-ID lets clients see the repeat), or failed if that was its last
    attempt. Returns how many."""
    config = current_app.config
    expired = now - timedelta(seconds=config["MAIL_SENDING_LEASE_SECONDS"])
    stuck = (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < expired)
    note = "delivery was interrupted (the sending process stopped)"
    failed = db.session.execute(
        update(OutboxMessage)
        .where(stuck, OutboxMessage.attempts >= config["MAIL_MAX_ATTEMPTS"])
        .values(status=OutboxStatus.FAILED, claimed_at=None, claim_token=None, last_error=note)
        .execution_options(synchronize_session=False)).rowcount
    retried = db.session.execute(
        update(OutboxMessage).where(stuck)
        .values(status=OutboxStatus.PENDING, claimed_at=None, claim_token=None,
                next_attempt_at=now, last_error=note)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if failed or retried:
        log.warning("outbox: %d interrupted message(s) recovered, %d failed", retried, failed)
    return failed + retried


