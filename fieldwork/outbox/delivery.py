"""Email queued by a request goes out right after the request's commit, without any view asking.

Who commits and who delivers, for the whole code base:
- A public service function is one change: it commits once, on success (or rolls back and raises
  a DomainError). Helpers it calls say "no commit" and never commit. Views, CLI commands and
  scheduler jobs call one service and never commit or deliver themselves.
- `queue_email` adds each outbox row to the caller's transaction and notes its id on the session;
  when that transaction commits, the ids count as committed (fieldwork.outbox.tracking).
- After the response has been sent, one hook delivers just the committed messages of the request,
  in its own app context, so nobody waits for SMTP and nobody sees its errors. What it cannot send
  (SMTP down, a temporary refusal, a process that stopped) stays in the outbox for the
  scheduler's mail job, which retries.
"""

from flask import current_app

from ..extensions import db
from . import tracking
from .services import dispatch, where


def init_app(app):
    app.after_request(_deliver_after_response)


def _deliver_after_response(response):
    ids = tracking.take_committed()
    if ids and current_app.config["MAIL_SEND_AFTER_REQUEST"]:
        app = current_app._get_current_object()
        response.call_on_close(lambda: _deliver_in_own_context(app, ids))
    return response


def _deliver_in_own_context(app, ids):
    with app.app_context():
        try:
            report = dispatch(ids)
            if report.error:
                app.logger.warning("outbox: after-response delivery deferred: %s", report.error)
        except Exception as error:  # never reaches the user; the scheduler tries again
            db.session.rollback()
            app.logger.error("outbox: after-response delivery of %d message(s) failed: %s",
                             len(ids), where(error))
        finally:
            db.session.remove()
