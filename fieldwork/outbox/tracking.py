"""Which outbox rows the current session queued, and which of them its commits made real.

`queue_email` notes each row it adds; when the transaction commits, the ids move to the
session's committed set, and a rollback forgets them (those rows no longer exist). The delivery
hook (fieldwork.outbox.delivery) takes the committed set after the response.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

QUEUED = "fieldwork.outbox.queued"
COMMITTED = "fieldwork.outbox.committed"


def note_queued(ids):
    """Remember rows just added to the current transaction, for delivery after its commit."""
    db.session.info.setdefault(QUEUED, set()).update(ids)


def take_committed():
    """The ids of messages committed in this session since the last call, sorted."""
    return sorted(db.session.info.pop(COMMITTED, ()))


def _on_commit(session):
    queued = session.info.pop(QUEUED, None)
    if queued:
        session.info.setdefault(COMMITTED, set()).update(queued)


def _on_rollback(session):
    session.info.pop(QUEUED, None)


# Registered once on SQLAlchemy's Session class (Flask-SQLAlchemy's sessions derive from it); the
# handlers touch only the session's own `info`, so one registration serves every app.
if not event.contains(Session, "after_commit", _on_commit):
    event.listen(Session, "after_commit", _on_commit)
    event.listen(Session, "after_rollback", _on_rollback)
