"""Queue email in the caller's transaction; deliver it later, once, with retries.

Queuing (`queue_email`) only adds a row: the change that caused the message and the message
commit together or not at all. Delivery (`dispatch_pending`, `dispatch`) owns its transactions:
it claims one row at a time with a conditional UPDATE and commits the claim before talking to the
mail server, so no database transaction is open during SMTP, and two dispatchers (two processes,
two machines) never send the same row twice. Every state change is committed at once.
"""

import logging
import re
import secrets
import traceback
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update

from .. import audit, mail
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..validation import clean_email
from . import tracking
from .models import OutboxMessage, OutboxStatus

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


def organizer():
    """(address, name) that every message comes from and every invite names as ORGANIZER."""
    return current_app.config["ORGANIZER_EMAIL"], current_app.config["ORGANIZER_NAME"]


def queue_email(*, recipient, subject, text, html, purpose, now, calendar=None, method=None,
                sequence=None, informant_id=None, user_id=None, interview_id=None, by=None):
    """Build the message and add it to the session as pending, due at `now`; no commit.

    `recipient` is (address, name). Raises mail.UnsafeHeader for anything that cannot go into a
    header safely (nothing is added then), ValueError for a calendar whose METHOD is not `method`.
    """
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
        return _record_unbuilt(error, message_id=message_id, purpose=purpose, now=now,
                               method=method, sequence=sequence, informant_id=informant_id,
                               user_id=user_id, interview_id=interview_id, by=by)
    message = OutboxMessage(
        message_id=message_id, purpose=purpose,
        recipient_email=mail.check_address("To", recipient[0]),
        informant_id=informant_id, user_id=user_id, interview_id=interview_id,
        subject=subject[:500], method=method,
        sequence=sequence, raw=raw, status=OutboxStatus.PENDING, attempts=0,
        next_attempt_at=now, created_at=now, created_by_id=getattr(by, "id", None))
    db.session.add(message)
    db.session.flush()
    tracking.note_queued([message.id])
    return message


def _record_unbuilt(error, *, message_id, now, by, **links):
    """A failed row for a message that could not be built: no address, text or bytes (they are
    what could not be used), and a reason that names the header, never the value."""
    message = OutboxMessage(
        message_id=message_id, recipient_email="", subject="", raw=b"",
        status=OutboxStatus.FAILED, attempts=0, next_attempt_at=now, created_at=now,
        created_by_id=getattr(by, "id", None),
        last_error=f"Not built: {error}. Correct the name or address."[:300], **links)
    db.session.add(message)
    db.session.flush()
    log.warning("outbox: message %s for informant %s not built: %s", message.id,
                message.informant_id, error)
    return message


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
    """What one run did. `deferred`: claimed, then put back untouched because the mail server
    could not be reached (`error` says why); those rows are due again at once."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    error: str | None = None

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
    with transport:
        while limit is None or report.sent + report.retried + report.failed < limit:
            claimed = _claim_next(ids, clock())
            if claimed is None:
                break
            row_id, raw, recipient, attempts, claimed_at = claimed
            try:
                transport.send(raw, sender=envelope_sender, recipient=recipient)
            except mail.ConnectionFailure as failure:
                _release(row_id, claimed_at, failure.reason)
                report.deferred += 1
                report.error = failure.reason
                break
            except mail.TemporaryFailure as failure:
                if _retry_later(row_id, claimed_at, attempts, failure.reason, clock()):
                    report.retried += 1
                else:
                    report.failed += 1
            except mail.PermanentFailure as failure:
                _finish(row_id, claimed_at, OutboxStatus.FAILED, last_error=failure.reason)
                report.failed += 1
            except Exception as error:
                # A bug or an unforeseen error: treat as temporary, and say only its type.
                reason = f"unexpected error ({type(error).__name__})"
                log.error("outbox: message %s not sent: %s", row_id, where(error))
                if _retry_later(row_id, claimed_at, attempts, reason, clock()):
                    report.retried += 1
                else:
                    report.failed += 1
            else:
                _finish(row_id, claimed_at, OutboxStatus.SENT, sent_at=clock(), last_error=None)
                report.sent += 1
    return report


def _due(ids, now):
    condition = (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now)
    if ids is not None:
        condition = condition & OutboxMessage.id.in_(ids)
    return condition


def _claim_next(ids, now):
    """(id, raw, recipient, attempts, claimed_at) of the next due row, now ours; or None.

    One conditional UPDATE picks the earliest due row and marks it 'sending'; its WHERE repeats
    the due condition, so of two dispatchers only one can change a row. On PostgreSQL the pick
    skips rows another dispatcher has locked at that moment (SKIP LOCKED) instead of queueing
    behind it; SQLite runs one writer at a time anyway. The claim is committed before anything
    is sent.
    """
    candidate = (select(OutboxMessage.id).where(_due(ids, now))
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
                 .with_for_update(skip_locked=True).scalar_subquery())
    row = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == candidate, _due(None, now))
        .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1, claimed_at=now)
        .returning(OutboxMessage.id, OutboxMessage.raw, OutboxMessage.recipient_email,
                   OutboxMessage.attempts, OutboxMessage.claimed_at)
        .execution_options(synchronize_session=False)).first()
    db.session.commit()
    return tuple(row) if row is not None else None


def _set(row_id, claimed, **values):
    """Change a row we claimed (at `claimed`), unless the lease ran out and another dispatcher
    has claimed it since."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at == claimed)
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def _finish(row_id, claimed, status, **values):
    _set(row_id, claimed, status=status, claimed_at=None, **values)


def _release(row_id, claimed, reason):
    """Put a row back as it was: the server was never reached, so this was no attempt."""
    _set(row_id, claimed, status=OutboxStatus.PENDING, claimed_at=None,
         attempts=OutboxMessage.attempts - 1, last_error=reason)


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed attempt: base, doubling, capped."""
    config = current_app.config
    base, cap = config["MAIL_RETRY_BASE_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** min(max(attempts - 1, 0), 30)))


def _retry_later(row_id, claimed_at, attempts, reason, now):
    """Pending again after a delay, or failed if that was the last attempt; True if retried."""
    if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _finish(row_id, claimed_at, OutboxStatus.FAILED,
                last_error=f"gave up after {attempts} attempts: {reason}"[:300])
        return False
    _finish(row_id, claimed_at, OutboxStatus.PENDING, next_attempt_at=now + retry_delay(attempts),
            last_error=reason)
    return True


def recover_interrupted(*, now):
    """Rows left in 'sending' longer than the lease belong to a dispatcher that died mid-send:
    pending again (the message may have gone out; its fixed Message-ID lets clients see the
    repeat), or failed if that was its last attempt. Returns how many."""
    config = current_app.config
    expired = now - timedelta(seconds=config["MAIL_SENDING_LEASE_SECONDS"])
    stuck = (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < expired)
    note = "delivery was interrupted (the sending process stopped)"
    failed = db.session.execute(
        update(OutboxMessage)
        .where(stuck, OutboxMessage.attempts >= config["MAIL_MAX_ATTEMPTS"])
        .values(status=OutboxStatus.FAILED, claimed_at=None, last_error=note)
        .execution_options(synchronize_session=False)).rowcount
    retried = db.session.execute(
        update(OutboxMessage).where(stuck)
        .values(status=OutboxStatus.PENDING, claimed_at=None, next_attempt_at=now,
                last_error=note)
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
