"""Queue email in the caller's transaction; deliver it later, once, with retries.

Queuing (`queue_email`) only adds a row: the change that caused the message and the message
commit together or not at all. A calendar message makes the older unsent ones to the same person
about the same interview pointless: `supersede_pending` marks them superseded in the same
transaction, so they are never sent.

Delivery (`dispatch_pending`, `dispatch`) owns its transactions. It claims a batch of due rows
with one conditional UPDATE, in queue order, skipping any row that has an older unfinished one
(pending, sending or waiting for a retry) to the same recipient about the same interview: per
interview and recipient, messages leave in the order they were queued. The claim is committed
before anything is sent, so no transaction is open during SMTP, and two dispatchers (two
processes, two machines) never claim the same row. The batch goes over one connection; the
results are recorded together, at the end of the batch, or after any message once
RECORD_WITHIN_SECONDS have passed since the last record. A sender killed in between therefore
repeats at most the messages accepted in that short window before the message in flight, with
their fixed Message-ID (at-least-once). While a batch is in
flight a heartbeat renews its lease; rows whose lease ran out belong to a dead sender and are
taken up again (`recover_interrupted`).
"""

import logging
import re
import secrets
import threading
import time
import traceback
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import bindparam, exists, func, insert, select, update
from sqlalchemy.orm import aliased, make_transient_to_detached

from .. import audit, mail
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..validation import clean_email
from . import tracking
from .models import UNFINISHED_STATUSES, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

_PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,31}")
# Sent by the system on its own, with nobody to answer: marked Auto-Submitted (RFC 3834).
AUTOMATIC_PURPOSES = frozenset({"reminder", "digest", "retention"})
# Rows claimed and sent per batch: large enough that a claim and a record cost little per
# message, small enough that a batch is soon done and its rows soon free for the next ones.
BATCH_SIZE = 50
# Results are committed after the first message sent this long after the last commit: a kill
# makes the next sender repeat at most what was accepted in that window (a slow server: nothing).
RECORD_WITHIN_SECONDS = 0.25


# Inside `unbuildable_recorded_as_failed()`: queue_email records a message it cannot build as failed
# instead of raising, so the change that wanted to send it still commits.
_record_unbuildable = ContextVar("record_unbuildable", default=False)


@contextmanager
def unbuildable_recorded_as_failed():
    """For changes that must never be blocked by an email (a withdrawal): a message that cannot
    be built (a name or address that cannot go into a header) is kept as failed, with the
    reason, and the change goes on."""
    token = _record_unbuildable.set(True)
    try:
        yield
    finally:
        _record_unbuildable.reset(token)


def new_message_id():
    """`<fw.{random}@{host of BASE_URL}>`: unique, and meaningless to anyone who reads it."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"<fw.{secrets.token_hex(16)}@{host}>"


def organizer():
    """(address, name) that every message comes from and every invite names as ORGANIZER."""
    return current_app.config["ORGANIZER_EMAIL"], current_app.config["ORGANIZER_NAME"]


def queue_email(*, recipient, subject, text, html, purpose, now, calendar=None, method=None,
                sequence=None, informant_id=None, user_id=None, interview_id=None, by=None,
                superseded=False):
    """Build the message and add it to the session as pending, due at `now`; no commit.

    `recipient` is (address, name). `superseded` records a message that is not needed at all
    (see `supersede_pending`): kept for the interview's history, never sent. Raises
    mail.UnsafeHeader for anything that cannot go into a header safely (nothing is added then),
    ValueError for a calendar whose METHOD is not `method`.
    """
    [message] = queue_emails([new_email(
        recipient=recipient, subject=subject, text=text, html=html, purpose=purpose, now=now,
        calendar=calendar, method=method, sequence=sequence, informant_id=informant_id,
        user_id=user_id, interview_id=interview_id, by=by, superseded=superseded)])
    return message


def new_email(*, recipient, subject, text, html, purpose, now, calendar=None, method=None,
              sequence=None, informant_id=None, user_id=None, interview_id=None, by=None,
              superseded=False):
    """The message `queue_email` would queue, built but not yet added (see `queue_emails`)."""
    if not _PURPOSE.fullmatch(purpose or ""):
        raise ValueError("purpose: a short lower-case word such as 'invite'")
    message_id = new_message_id()
    try:
        raw = mail.build_message(sender=organizer(), recipient=recipient, subject=subject,
                                 text=text, html=html, message_id=message_id, calendar=calendar,
                                 method=method, date=now,
                                 auto_submitted=purpose in AUTOMATIC_PURPOSES)
    except mail.UnsafeHeader as error:
        if not _record_unbuildable.get():
            raise
        return _unbuilt(error, message_id=message_id, purpose=purpose, now=now, method=method,
                        sequence=sequence, informant_id=informant_id, user_id=user_id,
                        interview_id=interview_id, by=by)
    return OutboxMessage(
        message_id=message_id, purpose=purpose,
        recipient_email=mail.check_address("To", recipient[0]),
        informant_id=informant_id, user_id=user_id, interview_id=interview_id,
        subject=subject[:500], method=method,
        sequence=sequence, raw=raw,
        status=OutboxStatus.SUPERSEDED if superseded else OutboxStatus.PENDING, attempts=0,
        next_attempt_at=now, claimed_at=None, claim_token=None, sent_at=None, last_error=None,
        created_at=now, created_by_id=getattr(by, "id", None))


def queue_emails(messages):
    """Add messages from `new_email` (the emails of one change) with one multi-row INSERT; no
    commit. Returns them, with their ids, in the session.

    Executed with all rows as parameters, SQLAlchemy sends INSERT ... VALUES (...), (...)
    RETURNING ("insertmanyvalues"), compiled once and cached; the returned ids are matched by
    Message-ID, since the order of RETURNING rows is not promised. (The ORM's flush would insert
    them one statement each here.)
    """
    if not messages:
        return messages
    table = OutboxMessage.__table__
    columns = [c.key for c in table.columns if c.key != "id"]
    ids = dict(db.session.execute(
        insert(table).returning(table.c.message_id, table.c.id),
        [{c: getattr(m, c) for c in columns} for m in messages]).all())
    for message in messages:
        message.id = ids[message.message_id]
        make_transient_to_detached(message)  # what it holds is what the row holds
        db.session.add(message)
    tracking.note_queued([m.id for m in messages if m.status is OutboxStatus.PENDING])
    return messages


def supersede_pending(interview_id, addresses):
    """Before a new calendar message to these people about this interview: mark their unsent
    calendar messages about it superseded (the new one carries the newest state); no commit.

    `addresses` as `mail.check_address` gives them. Returns the addresses whose calendars hold
    the event, as far as we know: the last calendar message sent to them (or being sent at this
    moment, which cannot be called back) was a REQUEST. Only they need a CANCEL, and anyone
    else's REQUEST must serve as their first invitation (RFC 5546 3.2.2: a REQUEST for a UID the
    client does not know yet is a new event, whatever its SEQUENCE).

    Superseding first, then reading: a row a dispatcher claims at the same moment is either
    superseded here (our UPDATE holds it until our commit; the claim skips it or finds it no
    longer pending) or already 'sending' when we read, and then counts as received.
    """
    addresses = sorted(set(addresses))
    if interview_id is None or not addresses:
        return set()
    ours = ((OutboxMessage.interview_id == interview_id)
            & OutboxMessage.recipient_email.in_(addresses) & OutboxMessage.method.is_not(None))
    superseded = db.session.execute(
        update(OutboxMessage).where(ours, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SUPERSEDED, claimed_at=None, claim_token=None)
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)).scalars().all()
    if superseded:
        log.info("outbox: %d unsent calendar message(s) superseded", len(superseded))
    last = {}
    for address, method in db.session.execute(
            select(OutboxMessage.recipient_email, OutboxMessage.method)
            .where(ours, OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.SENDING]))
            .order_by(OutboxMessage.id)):
        last[address] = method
    return {address for address, method in last.items() if method == "REQUEST"}


def _unbuilt(error, *, message_id, now, by, **links):
    """A failed row for a message that could not be built: no address, text or bytes (they are
    what could not be used), and a reason that names the header, never the value."""
    log.warning("outbox: a message for informant %s not built: %s", links.get("informant_id"),
                error)
    return OutboxMessage(
        message_id=message_id, recipient_email="", subject="", raw=b"",
        status=OutboxStatus.FAILED, attempts=0, next_attempt_at=now, claimed_at=None,
        claim_token=None, sent_at=None, created_at=now, created_by_id=getattr(by, "id", None),
        last_error=f"Not built: {error}. Correct the name or address."[:300], **links)


def queue_rendered_email(template, language, *, recipient, purpose, now, context=None, **options):
    """`queue_email` with subject, text and HTML from templates/email/<template>.<language>.*"""
    subject, text, html = mail.render_email(template, language, **(context or {}))
    return queue_email(recipient=recipient, subject=subject, text=text, html=html,
                       purpose=purpose, now=now, **options)


def queue_delivery_check(address, *, language, by, now=None):
    """A short test message to `address`, to check the mail settings; committed."""
    now = now or utcnow()
    message = queue_rendered_email("delivery-check", language, recipient=(address, ""),
                                   purpose="delivery-check", now=now, context={"sent_at": now},
                                   by=by)
    db.session.commit()
    return message


def send_test_email(address, *, language, by, now=None):
    """`queue_delivery_check` for an address typed into a form: refused with a message beside
    the field when it is not a usable address. Committed; delivered right after the request."""
    try:
        address = clean_email(address)
        return queue_delivery_check(address, language=language, by=by, now=now)
    except DomainError as error:
        raise DomainError(error.message, field="address") from None
    except mail.UnsafeHeader:
        raise DomainError("Enter a valid email address.", field="address") from None


def recent_test_emails(limit=5):
    return db.session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.purpose == "delivery-check")
                              .order_by(OutboxMessage.id.desc()).limit(limit)).all()


# Delivery


@dataclass
class DispatchReport:
    """What one run did. `deferred`: claimed (the rest of a batch, say), then put back untouched
    because the mail server could not be reached (`error` says why); due again at once."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    error: str | None = None

    @property
    def handled(self):
        return self.sent + self.retried + self.failed

    def summary(self):
        text = f"sent {self.sent}, retried later {self.retried}, failed {self.failed}"
        if self.error:
            text += f"; mail server unreachable ({self.error}), stopped"
        return text


def dispatch_pending(*, now=None, limit=None, mail_url=None):
    """Deliver every due message (at most `limit`) over one connection; commits as it goes.

    Raises mail.InvalidMailURL before touching any row if the mail URL cannot be used.
    """
    return _dispatch(None, now=now, limit=limit, mail_url=mail_url)


def dispatch(ids, *, now=None, mail_url=None):
    """Deliver these messages if they are still due (just queued, say); commits as it goes."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return DispatchReport()
    return _dispatch(ids, now=now, limit=None, mail_url=mail_url)


def behind_a_message_in_flight(ids, *, now=None):
    """Those of `ids` that are due but wait for an older message to the same person about the
    same interview that another sender is sending right now: they can go as soon as it is done
    (unlike those waiting for an older one's retry). Ends the transaction it reads in."""
    now = now or utcnow()
    older = aliased(OutboxMessage)
    in_flight = exists().where(older.interview_id == OutboxMessage.interview_id,
                               older.recipient_email == OutboxMessage.recipient_email,
                               older.status == OutboxStatus.SENDING,
                               older.id < OutboxMessage.id)
    found = db.session.scalars(select(OutboxMessage.id).where(
        _due(sorted(ids), now), in_flight)).all()
    db.session.commit()
    return found


def where(error):
    """An exception's type and the place it was raised, without its message: messages from
    libraries may quote an address or a name, and logs must not."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{place}"


def _dispatch(ids, *, now, limit, mail_url):
    config = current_app.config
    transport = mail.open_transport(mail_url or config["MAIL_URL"])  # InvalidMailURL: no row touched
    clock = (lambda: now) if now is not None else utcnow
    envelope_sender = mail.check_address("From", config["ORGANIZER_EMAIL"])
    report = DispatchReport()
    recover_interrupted(now=clock())
    token = secrets.token_hex(16)
    heartbeat = _Heartbeat(db.engine, token, clock, config["MAIL_SENDING_LEASE_SECONDS"] / 3)
    with transport, heartbeat:
        while limit is None or report.handled < limit:
            size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - report.handled)
            batch = _claim_batch(ids, clock(), token, size)
            if not batch:
                break
            if not _send_batch(batch, transport, envelope_sender, _Results(token), report, clock):
                break
    return report


def _send_batch(batch, transport, envelope_sender, results, report, clock):
    """Send the claimed rows in order and record what happened; False if the mail server could
    not be reached (the rows not tried are put back untouched)."""
    reachable = True
    for row_id, raw, recipient, attempts in batch:
        if not reachable:
            results.release(row_id, report.error)
            report.deferred += 1
            continue
        try:
            transport.send(raw, sender=envelope_sender, recipient=recipient)
        except mail.ConnectionFailure as failure:
            results.release(row_id, failure.reason)
            report.deferred += 1
            report.error = failure.reason
            reachable = False
        except mail.TemporaryFailure as failure:
            results.retry_later(row_id, attempts, failure.reason, clock(), report)
        except mail.PermanentFailure as failure:
            results.finish(row_id, OutboxStatus.FAILED, last_error=failure.reason)
            report.failed += 1
        except Exception as error:
            # A bug or an unforeseen error: treat as temporary, and say only its type.
            reason = f"unexpected error ({type(error).__name__})"
            log.error("outbox: message %s not sent: %s", row_id, where(error))
            results.retry_later(row_id, attempts, reason, clock(), report)
        else:
            results.finish(row_id, OutboxStatus.SENT, sent_at=clock(), last_error=None)
            report.sent += 1
        results.record_if_due()
    results.record()
    return reachable


def _due(ids, now):
    condition = (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now)
    if ids is not None:
        condition = condition & OutboxMessage.id.in_(ids)
    return condition


def _waits_for_an_older_one():
    """An older message to the same recipient about the same interview is not finished yet
    (pending, being sent, or waiting for a retry). Never true for messages about no interview."""
    older = aliased(OutboxMessage)
    return exists().where(older.interview_id == OutboxMessage.interview_id,
                          older.recipient_email == OutboxMessage.recipient_email,
                          older.status.in_(UNFINISHED_STATUSES),
                          older.id < OutboxMessage.id)


def _claim_batch(ids, now, token, size):
    """[(id, raw, recipient, attempts)] of up to `size` due rows, now ours, in queue order.

    A SELECT picks the earliest due rows that wait for no older message, and a conditional
    UPDATE marks them 'sending' with our token; its WHERE repeats the due condition, so of two
    dispatchers only one can change a row. On PostgreSQL the pick locks them and skips rows
    another dispatcher has locked at that moment (FOR UPDATE SKIP LOCKED) instead of queueing
    behind them; SQLite runs one writer at a time anyway. A batch never holds two rows of one interview and recipient (the newer waits
    for the older), so their order survives any outcome. The claim is committed before anything
    is sent.
    """
    # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED):
    # PostgreSQL may run such a subquery more than once and so claim more than n rows.
    picked = db.session.scalars(
        select(OutboxMessage.id).where(_due(ids, now), ~_waits_for_an_older_one())
        .order_by(OutboxMessage.id).limit(size).with_for_update(skip_locked=True)).all()
    if not picked:
        db.session.commit()
        return []
    rows = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(picked), _due(None, now))
        .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1,
                claimed_at=now, claim_token=token)
        .returning(OutboxMessage.id, OutboxMessage.raw, OutboxMessage.recipient_email,
                   OutboxMessage.attempts)
        .execution_options(synchronize_session=False)).all()
    db.session.commit()
    return sorted((tuple(row) for row in rows), key=lambda row: row[0])


class _Results:
    """What happened to the rows of one batch, recorded in as few statements and commits as the
    promise allows: at the end of the batch, or once RECORD_WITHIN_SECONDS have passed since the
    last record.
    Each change applies only while the row is still ours (same token, still 'sending'): if our
    lease ran out and another sender took the row, its result is the one that counts."""

    def __init__(self, token):
        self.token = token
        self.waiting = []
        self.since = time.monotonic()

    def finish(self, row_id, status, **values):
        self._add(row_id, status=status, claimed_at=None, claim_token=None, **values)

    def release(self, row_id, reason):
        """Back as it was: the server was never reached, so this was no attempt."""
        self._add(row_id, status=OutboxStatus.PENDING, claimed_at=None, claim_token=None,
                  attempts=_ONE_LESS, last_error=reason)

    def retry_later(self, row_id, attempts, reason, now, report):
        """Pending again after a delay, or failed if that was the last attempt."""
        if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            self.finish(row_id, OutboxStatus.FAILED,
                        last_error=f"gave up after {attempts} attempts: {reason}"[:300])
            report.failed += 1
        else:
            self.finish(row_id, OutboxStatus.PENDING, next_attempt_at=now + retry_delay(attempts),
                        last_error=reason)
            report.retried += 1

    def _add(self, row_id, **values):
        self.waiting.append((row_id, values))

    def record_if_due(self):
        if self.waiting and time.monotonic() - self.since >= RECORD_WITHIN_SECONDS:
            self.record()

    def record(self):
        """One executemany per kind of change (sent, retried, ...), one commit."""
        groups = {}
        for row_id, values in self.waiting:
            fixed = tuple((k, v) for k, v in values.items() if not _varies(k))
            groups.setdefault(fixed, []).append(
                {"row_id": row_id, **{k: v for k, v in values.items() if _varies(k)}})
        table = OutboxMessage.__table__
        for fixed, params in groups.items():
            values = {k: (table.c.attempts - 1 if v is _ONE_LESS else v) for k, v in fixed}
            values.update({k: bindparam(k) for k in params[0] if k != "row_id"})
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"),
                       table.c.status == OutboxStatus.SENDING.value,
                       table.c.claim_token == self.token)
                .values(**values), params)
        db.session.commit()
        self.waiting, self.since = [], time.monotonic()


_ONE_LESS = object()  # attempts - 1, for `release`


def _varies(key):
    # Values that differ from row to row within a kind of change go in as parameters.
    return key in ("sent_at", "next_attempt_at", "last_error")


class _Heartbeat:
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
    mid-batch (a live one renews it: `_Heartbeat`): pending again (the message may have gone out; its fixed Message-ID lets clients see the
    repeat), or failed if that was its last attempt. Returns how many."""
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


# Coordinators' actions


def cancel_pending(*, informant_id, by, now):
    """Cancel the informant's messages not yet sent (consent withdrawn, say); no commit.

    A message being sent at this very moment cannot be called back and is left alone.
    Returns how many were cancelled; audited on the informant when there were any.
    """
    cancelled = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.informant_id == informant_id,
               OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, claimed_at=None)
        .returning(OutboxMessage.id)).scalars().all()
    if cancelled:
        audit.record("outbox.cancel_pending", by=by, entity_type="informant",
                     entity_id=informant_id, after={"cancelled_message_ids": sorted(cancelled)},
                     now=now)
    return len(cancelled)


def retry_failed(message, *, by, now=None):
    """Send a failed message again, with a fresh set of attempts, right after the commit (and by
    the scheduler if that fails). Audited."""
    now = now or utcnow()
    db.session.refresh(message)
    if message.status is not OutboxStatus.FAILED:
        raise NotAllowed("Only a failed message can be retried.")
    if not message.raw:
        raise NotAllowed("This email could not be built, so there is nothing to send again.")
    if message.interview_id is not None and message.method is not None \
            and _newer_calendar_message(message):
        # Sent now it would arrive after the newer one and take the calendar back in time.
        raise NotAllowed("A newer message about this interview has been queued for this person "
                         "since; it replaces this one.")
    before = message.audit_snapshot()
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_at = None
    db.session.flush()
    audit.record_update("outbox.retry", by=by, entity=message, before=before,
                        after=message.audit_snapshot(), now=now)
    tracking.note_queued([message.id])
    db.session.commit()
    return message


def _newer_calendar_message(message):
    return db.session.scalar(select(exists().where(
        OutboxMessage.interview_id == message.interview_id,
        OutboxMessage.recipient_email == message.recipient_email,
        OutboxMessage.method.is_not(None), OutboxMessage.id > message.id,
        OutboxMessage.status.not_in([OutboxStatus.CANCELLED]))))


# Reading


def status_counts():
    """{OutboxStatus: number of messages}, every status present."""
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {status: counts.get(status, 0) for status in OutboxStatus}


def next_due_at():
    """When the earliest pending message is due, or None."""
    return db.session.scalar(select(func.min(OutboxMessage.next_attempt_at))
                             .where(OutboxMessage.status == OutboxStatus.PENDING))


def failed_for_informant(informant_id):
    """The informant's emails that failed (not delivered, or never built), newest first."""
    return db.session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.informant_id == informant_id,
                                     OutboxMessage.status == OutboxStatus.FAILED)
                              .order_by(OutboxMessage.id.desc())).all()


def recent_failures(limit=10):
    return db.session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.status == OutboxStatus.FAILED)
                              .order_by(OutboxMessage.id.desc()).limit(limit)).all()
