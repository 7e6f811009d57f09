"""Sending what the outbox holds.

Delivery (`dispatch_pending`, `dispatch`) owns its transactions. It claims a batch of due rows
in queue order (fieldwork.outbox.claims: per interview and recipient, messages leave in the
order they were queued) and commits the claim before anything is sent, so no transaction is
open during SMTP, and two dispatchers (two processes, two machines) never claim the same row.
The batch goes over one connection; the results are recorded together, with the next claim (one
commit for both) or at the end, or after any message once RECORD_WITHIN_SECONDS have passed
since the last record. A sender killed in between therefore repeats at most the messages
accepted in that short window before the message in flight, with their fixed Message-ID
(at-least-once). A run with more than a batch to send takes a second connection
(MAIL_CONNECTIONS), which claims batches of its own as a second dispatcher would.
"""

import logging
import secrets
import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from .. import mail
from ..database import utcnow
from ..extensions import db
from .claims import (Heartbeat, Results, claim_batch, due, recover_interrupted,  # noqa: F401
                     retry_delay, where)
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Rows claimed and sent per batch: large enough that a claim and a record cost little per
# message, small enough that a batch is soon done and its rows soon free for the next ones.
BATCH_SIZE = 50


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
        due(sorted(ids), now), in_flight)).all()
    db.session.commit()
    return found


def _dispatch(ids, *, now, limit, mail_url):
    config = current_app.config
    url = mail_url or config["MAIL_URL"]
    transport = mail.open_transport(url)  # InvalidMailURL: no row touched
    clock = (lambda: now) if now is not None else utcnow
    recover_interrupted(now=clock())
    report = DispatchReport()
    helpers = _Helpers(current_app._get_current_object(), ids, url, clock,
                       extra=config["MAIL_CONNECTIONS"] - 1 if limit is None else 0)
    try:
        _deliver(ids, transport, clock, limit, report, on_full_batch=helpers.start)
    except BaseException:
        helpers.stopping.set()  # interrupted (SIGTERM, a bug): the others end their batch, stop
        raise
    finally:
        helpers.join_into(report)
    return report


def _deliver(ids, transport, clock, limit, report, *, on_full_batch=None, stopping=None):
    """Claim, send and record batch after batch over `transport` until nothing is due (or
    `limit` messages were handled, or the server cannot be reached, or `stopping` is set);
    counts go into `report`. `on_full_batch` is called after each claim that filled a whole
    batch: there may be more."""
    envelope_sender = mail.check_address("From", current_app.config["ORGANIZER_EMAIL"])
    token = secrets.token_hex(16)
    interval = current_app.config["MAIL_SENDING_LEASE_SECONDS"] / 3
    results = Results(token)
    with transport, Heartbeat(db.engine, token, clock, interval):
        try:
            while ((limit is None or report.handled < limit)
                   and not (stopping is not None and stopping.is_set())):
                size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - report.handled)
                batch = claim_batch(ids, clock(), token, size, results)
                if not batch:
                    break
                if len(batch) == BATCH_SIZE and on_full_batch is not None:
                    on_full_batch()
                if not _send_batch(batch, transport, envelope_sender, results, report, clock):
                    break
        except BaseException:
            # What the server accepted must not be sent again: record it on its own.
            db.session.rollback()
            results.record()
            raise
        results.record()


class _Helpers:
    """Up to `extra` more connections for a dispatch with more than a batch to send, each a
    thread that claims and sends batches of its own, as a second dispatcher would: the claim
    keeps every recipient's order (a row waits while an older one to the same person about the
    same interview is being sent), and the mail server works on two messages at once instead
    of waiting, between them, for this process. A dispatch of one batch or less (what a page
    queued) never opens a second connection."""

    def __init__(self, app, ids, url, clock, *, extra):
        self.app, self.ids, self.url, self.clock, self.extra = app, ids, url, clock, extra
        self.threads, self.reports = [], []
        self.stopping = threading.Event()

    def start(self):
        if len(self.threads) >= self.extra:
            return
        report = DispatchReport()
        thread = threading.Thread(target=self._run, args=(report,), daemon=True,
                                  name=f"fieldwork-outbox-{len(self.threads) + 2}")
        self.threads.append(thread)
        self.reports.append(report)
        thread.start()

    def _run(self, report):
        with self.app.app_context():
            try:
                _deliver(self.ids, mail.open_transport(self.url), self.clock, None, report,
                         stopping=self.stopping)
            except Exception as error:  # its rows' lease runs out; they are taken up again
                log.error("outbox: a second connection's delivery stopped: %s", where(error))
            finally:
                db.session.remove()

    def join_into(self, report):
        for thread, helped in zip(self.threads, self.reports):
            thread.join()
            report.sent += helped.sent
            report.retried += helped.retried
            report.failed += helped.failed
            report.deferred += helped.deferred
            report.error = report.error or helped.error


def _send_batch(batch, transport, envelope_sender, results, report, clock):
    """Send the claimed rows in order and note what happened in `results` (recorded with the
    next claim, or at the end); False if the mail server could not be reached (the rows not
    tried are put back untouched)."""
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
            results.fail(row_id, failure.reason)
            report.failed += 1
        except Exception as error:
            # A bug or an unforeseen error: treat as temporary, and say only its type.
            reason = f"unexpected error ({type(error).__name__})"
            log.error("outbox: message %s not sent: %s", row_id, where(error))
            results.retry_later(row_id, attempts, reason, clock(), report)
        else:
            results.sent(row_id, clock())
            report.sent += 1
        results.record_if_due()
    return reachable
