"""Queue email in the caller's transaction; deliver it later, once, with retries.

Queuing (`queue_email`) only adds a row: the change that caused the message and the message
commit together or not at all. A calendar message makes the older unsent ones to the same person
about the same interview pointless: `supersede_pending` marks them superseded in the same
transaction, so they are never sent.

Delivery lives in fieldwork.outbox.sending; its public functions are re-exported here, where
the rest of the app finds the outbox.
"""

import functools
import json
import logging
import re
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (JSON, Integer, LargeBinary, String, Text, bindparam, cast, column, exists,
                        func, insert, literal_column, select, update)
from sqlalchemy.orm import class_mapper, make_transient_to_detached

from .. import audit, languages, mail
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..validation import clean_email
from . import tracking
from .models import OutboxBody, OutboxMessage, OutboxStatus
from .sending import (BATCH_SIZE, DispatchReport, behind_a_message_in_flight,  # noqa: F401
                      dispatch, dispatch_pending, recover_interrupted, retry_delay, where)

log = logging.getLogger(__name__)

_PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,31}")
# Sent by the system on its own, with nobody to answer: marked Auto-Submitted (RFC 3834).
AUTOMATIC_PURPOSES = frozenset({"reminder", "digest", "retention"})


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


def organizer(language=None):
    """(address, name) that every message comes from and every invite names as ORGANIZER, the
    name in the message's language (the study's language if not told)."""
    language = language or languages.default_language()
    return current_app.config["ORGANIZER_EMAIL"], languages.organizer_name(language)


def queue_email(*, recipient, subject, text, html, purpose, now, calendar=None, method=None,
                sequence=None, informant_id=None, user_id=None, interview_id=None, by=None,
                superseded=False, language=None):
    """Build the message and add it to the session as pending, due at `now`; no commit.

    `recipient` is (address, name). `superseded` records a message that is not needed at all
    (see `supersede_pending`): kept for the interview's history, never sent. Raises
    mail.UnsafeHeader for anything that cannot go into a header safely (nothing is added then),
    ValueError for a calendar whose METHOD is not `method`.
    """
    [message] = queue_emails([new_email(
        recipient=recipient, subject=subject, text=text, html=html, purpose=purpose, now=now,
        calendar=calendar, method=method, sequence=sequence, informant_id=informant_id,
        user_id=user_id, interview_id=interview_id, by=by, superseded=superseded,
        language=language)])
    return message


def new_email(*, recipient, subject, text, html, purpose, now, calendar=None, method=None,
              sequence=None, informant_id=None, user_id=None, interview_id=None, by=None,
              superseded=False, language=None):
    """The message `queue_email` would queue, built but not yet added (see `queue_emails`);
    `language` is the text's, for the sender's display name."""
    if not _PURPOSE.fullmatch(purpose or ""):
        raise ValueError("purpose: a short lower-case word such as 'invite'")
    message_id = new_message_id()
    try:
        raw = mail.build_message(sender=organizer(language), recipient=recipient, subject=subject,
                                 text=text, html=html, message_id=message_id, calendar=calendar,
                                 method=method, date=now,
                                 auto_submitted=purpose in AUTOMATIC_PURPOSES)
    except mail.UnsafeHeader as error:
        if not _record_unbuildable.get():
            raise
        return _unbuilt(error, message_id=message_id, purpose=purpose, now=now, method=method,
                        sequence=sequence, informant_id=informant_id, user_id=user_id,
                        interview_id=interview_id, by=by)
    return _unsaved(
        message_id=message_id, purpose=purpose,
        recipient_email=mail.check_address("To", recipient[0]),
        informant_id=informant_id, user_id=user_id, interview_id=interview_id,
        subject=subject[:500], method=method,
        sequence=sequence, raw=raw,
        status=OutboxStatus.SUPERSEDED if superseded else OutboxStatus.PENDING, attempts=0,
        next_attempt_at=now, claimed_at=None, claim_token=None, sent_at=None, last_error=None,
        created_at=now, created_by_id=getattr(by, "id", None))


def _unsaved(**values):
    """An OutboxMessage holding `values` (every column but id), made the way SQLAlchemy makes
    the objects it loads: straight into the instance's dict, without an attribute event per
    column, which cost about as much as building the message. Nothing here needs the events:
    `queue_emails` inserts the row itself and then attaches the object as that row."""
    mapper = class_mapper(OutboxMessage)  # configured first, as the constructor would
    message = mapper.class_manager.new_instance()
    vars(message).update(values)
    return message


def queue_emails(messages):
    """Add messages from `new_email` (the emails of one change) with one INSERT of their rows and
    one of their bytes (`OutboxBody`); no commit. Returns them, with their ids, in the session.

    The returned ids are matched by Message-ID, since the order of RETURNING rows is not
    promised. (The ORM's flush would insert them one statement each here.)
    """
    if not messages:
        return messages
    held = [vars(m) for m in messages]
    rows = [{c: values.get(c) for c in _COLUMNS} for values in held]
    raws = [values.get("raw") or b"" for values in held]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ids = _insert_unnested(rows, raws)
    else:
        ids = _insert_values(rows, raws)
    for message in messages:
        message.id = ids[message.message_id]
        make_transient_to_detached(message)  # what it holds is what the rows hold
        db.session.add(message)
    tracking.note_queued([m.id for m in messages if m.status is OutboxStatus.PENDING])
    return messages


def _insert_values(rows, raws):
    """INSERT ... VALUES (...), (...) RETURNING: SQLAlchemy's "insertmanyvalues", compiled once
    and cached; then the bodies, one executemany (in-process on SQLite, so cheap)."""
    table = OutboxMessage.__table__
    ids = dict(db.session.execute(
        insert(table).returning(table.c.message_id, table.c.id), rows).all())
    db.session.execute(insert(OutboxBody.__table__), [
        {"outbox_message_id": ids[row["message_id"]], "raw": raw} for row, raw in zip(rows, raws)])
    return ids


def _insert_unnested(rows, raws):
    """PostgreSQL: both inserts in one statement (one round trip), the rows passed as one JSON
    array and read back with json_populate_recordset(), the bytes as one bytea.

    A multi-row VALUES of ten messages has some 180 parameters, and psycopg parses such a
    statement anew on every execution (it caches only statements of at most 50 parameters),
    which cost more than the insert itself; this one has two parameters whatever the number of
    rows, so psycopg parses it once and, after a few runs, prepares it on the server. JSON
    rather than an array per column: psycopg quotes arrays element by element in Python, which
    cost more than building the messages; json.dumps is one call in C. The bytes go as one
    bytea with each message's place in it (in its JSON row): an array of bytea would be quoted
    element by element too.
    """
    start = 1  # substring() counts from 1
    for row, raw in zip(rows, raws):
        row["body_start"], row["body_length"] = start, len(raw)
        start += len(raw)
    values = {"rows": json.dumps(rows, default=_json_value, ensure_ascii=False,
                                 separators=(",", ":")),
              "bodies": b"".join(raws)}
    return dict(db.session.execute(_unnested_statement(), values).all())


def _json_value(value):
    """What json.dumps cannot write itself: the status, and times (aware, as UTCDateTime
    requires; PostgreSQL reads the offset)."""
    if isinstance(value, OutboxStatus):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into an outbox row")


@functools.cache
def _unnested_statement():
    """WITH message AS (INSERT INTO outbox_message ... SELECT ... FROM
    json_populate_recordset(NULL::outbox_message, :rows) RETURNING id, message_id),
    body AS (INSERT INTO outbox_message_body SELECT message.id,
    substring(:bodies FROM body_start FOR body_length) ... joined on the Message-ID)
    SELECT message_id, id FROM message"""
    table, body = OutboxMessage.__table__, OutboxBody.__table__
    given = cast(bindparam("rows", type_=Text), JSON)
    # Each JSON row read as a row of outbox_message: its columns' own types, keys by name.
    columns = func.json_populate_recordset(literal_column(f"NULL::{table.name}"), given) \
        .table_valued(*_COLUMNS)
    message = insert(table).from_select(_COLUMNS, select(*[columns.c[c] for c in _COLUMNS])) \
        .returning(table.c.id, table.c.message_id).cte("message")
    places = func.json_to_recordset(given).table_valued(
        column("message_id", String), column("body_start", Integer),
        column("body_length", Integer)).render_derived(with_types=True)
    raw = func.substring(bindparam("bodies", type_=LargeBinary), places.c.body_start,
                         places.c.body_length, type_=LargeBinary)
    bodies = insert(body).from_select(
        ["outbox_message_id", "raw"],
        select(message.c.id, raw).join(places, places.c.message_id == message.c.message_id)) \
        .cte("body")
    return select(message.c.message_id, message.c.id).add_cte(bodies)


_COLUMNS = [c.key for c in OutboxMessage.__table__.columns if c.key != "id"]


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
                       purpose=purpose, now=now, language=language, **options)


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
        raise DomainError(_("Enter a valid email address."), field="address") from None


def recent_test_emails(limit=5):
    return db.session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.purpose == "delivery-check")
                              .order_by(OutboxMessage.id.desc()).limit(limit)).all()


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
        raise NotAllowed(_("Only a failed message can be retried."))
    if not message.raw:
        raise NotAllowed(_("This email could not be built, so there is nothing to send again."))
    if message.interview_id is not None and message.method is not None \
            and _newer_calendar_message(message):
        # Sent now it would arrive after the newer one and take the calendar back in time.
        raise NotAllowed(_("A newer message about this interview has been queued for this "
                           "person since; it replaces this one."))
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
