"""Email queued by a request goes out right after the request's commit, without any view asking.

Who commits and who delivers, for the whole code base:
- A public service function is one change: it commits once, on success (or rolls back and raises
  a DomainError). Helpers it calls say "no commit" and never commit. Views, CLI commands and
  scheduler jobs call one service and never commit or deliver themselves.
- `queue_email` adds each outbox row to the caller's transaction and notes its id on the session;
  when that transaction commits, the ids count as committed (fieldwork.outbox.tracking).
- When the request ends, one hook hands just the committed messages of the request to the
  process's courier: a thread that delivers them in its own app context, so nobody waits for
  SMTP and nobody sees its errors. It does not wait for the response to be closed: servers close
  it at different times (Werkzeug's development server only when a kept-alive connection ends),
  and mail must not wait on that. A message that must wait for an older one to the same person
  that another process is sending at that moment (outbox order) is tried again as soon as that
  one is done, for up to FOLLOW_SECONDS. What it cannot send
  (SMTP down, a temporary refusal, a process that stopped) stays in the outbox for the
  scheduler's mail job, which retries.
"""

import logging
import os
import threading
import time

from flask import current_app

from ..extensions import db
from . import tracking
from .services import behind_a_message_in_flight, dispatch, where

log = logging.getLogger(__name__)
EXTENSION = "fieldwork.courier"
# How long the courier follows a message held behind an older one in another process's hands:
# about one batch to a slow server; after that the scheduler's mail job takes it.
FOLLOW_SECONDS = 30
FOLLOW_INTERVAL = 0.2


def init_app(app):
    app.extensions[EXTENSION] = Courier(app)
    app.after_request(_hand_over_committed)


def courier_for(app):
    return app.extensions[EXTENSION]


def _hand_over_committed(response):
    ids = tracking.take_committed()
    if ids and current_app.config["MAIL_SEND_AFTER_REQUEST"]:
        courier_for(current_app).deliver(ids)
    return response


class Courier:
    """Delivers handed-over messages from one background thread per process.

    The thread runs only while there is something to deliver, and takes everything handed over
    meanwhile in one dispatch, in id order, so one process never sends a newer message of a
    request before an older one. After a fork (gunicorn's workers) the child starts its own.
    """

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._waiting = set()
        self._thread = None
        self._pid = os.getpid()

    def deliver(self, ids):
        with self._lock:
            self._waiting.update(ids)
            if self._pid != os.getpid():  # forked: the parent's thread does not exist here
                self._pid, self._thread = os.getpid(), None
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fieldwork-courier",
                                                daemon=True)
                self._thread.start()

    def wait_until_idle(self, timeout=None):
        """True once nothing is waiting or being delivered (tests, and orderly shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._thread is None, timeout)

    def _run(self):
        following = {}  # id -> until when: held behind a message another process is sending
        while True:
            with self._lock:
                ids = set(self._waiting)
                self._waiting.clear()
                now = time.monotonic()
                following = {i: until for i, until in following.items() if until > now}
                if not ids and not following:
                    self._thread = None
                    self._idle.notify_all()
                    return
            if not ids:
                time.sleep(FOLLOW_INTERVAL)
            held = self._deliver_in_own_context(sorted(ids | set(following)))
            now = time.monotonic()
            following = {i: following.get(i, now + FOLLOW_SECONDS) for i in held}

    def _deliver_in_own_context(self, ids):
        """Deliver; returns the ids still held behind a message in another sender's hands."""
        with self.app.app_context():
            try:
                report = dispatch(ids)
                if report.error:
                    log.warning("outbox: delivery after the request deferred: %s", report.error)
                    return []
                return behind_a_message_in_flight(ids)
            except Exception as error:  # never reaches the user; the scheduler tries again
                db.session.rollback()
                log.error("outbox: delivery after the request of %d message(s) failed: %s",
                          len(ids), where(error))
                return []
            finally:
                db.session.remove()
