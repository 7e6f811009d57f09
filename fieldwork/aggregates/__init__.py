"""Figures over the whole study (the sampling matrix, weekly progress, the pipeline's column
counts, the documents' theme facet), kept between requests instead of recomputed on every one.

Every transaction that changes a table these figures read raises one version number in the same
transaction, with an atomic `UPDATE study_version SET number = number + 1` just before it
commits. A figure is computed once per version (and per key, such as the week) and kept in the
process; a request reads the version (one query) and uses the kept figure while it matches. Two
processes each compute their own copy; a copy computed while another transaction commits is
labelled with the version read before it, which that commit has already left behind, so a stale
figure is never shown.

What counts as a change: any ORM flush that adds, changes or deletes a row of a watched table,
and any INSERT, UPDATE or DELETE run through the session on one (bulk inserts of imports, the
demo data, erasure). A change made outside the app (psql) is seen after `flask aggregates
refresh`, which raises the version.
"""

import secrets
import threading
from collections import OrderedDict

from sqlalchemy import event, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..extensions import db
from .models import StudyVersion

# The tables the kept figures read.
WATCHED = frozenset({
    "informant", "interview", "interview_informant", "consent_record", "consent_record_item",
    "consent_form_version", "organisation", "role", "sampling_target", "document",
    "document_theme", "theme"})

CHANGED = "fieldwork.aggregates.changed"
VERSION_READ = "fieldwork.aggregates.version_read"  # (transaction, version) read in it
KEPT = 256  # figures kept per process, oldest dropped first

_kept = OrderedDict()
_lock = threading.Lock()


def current_version():
    """(epoch, number) of the database's data now, or None while this transaction has changed
    watched rows it has not committed (its own view differs from every kept figure).

    Read once per transaction: a page that shows several kept figures (a list's filter choices
    and its total, say) reads the version once. A figure computed later in the same transaction
    is labelled with that version, which a commit in between has already left behind, so it is
    never kept past a change."""
    session = db.session()  # the session itself: the scoped proxy lacks get_transaction()
    memo = session.info.get(VERSION_READ)
    if memo is not None and memo[0] is session.get_transaction() \
            and not (session.new or session.dirty or session.deleted):
        return None if session.info.get(CHANGED) else memo[1]
    row = session.execute(select(StudyVersion.epoch, StudyVersion.number)
                          .where(StudyVersion.id == 1)).first()
    if row is None or session.info.get(CHANGED):
        return None
    session.info[VERSION_READ] = (session.get_transaction(), (row.epoch, row.number))
    return row.epoch, row.number


def kept(name, key, compute, *, valid=None):
    """The figure `name` for `key`: kept from an earlier request at this version, or computed now
    with `compute()` and kept. `valid(value)` may refuse a kept value (one that depends on the
    time as well)."""
    version = current_version()
    if version is None:
        return compute()
    slot = (str(db.engine.url), name, key)  # one process may serve several databases (tests)
    with _lock:
        found = _kept.get(slot)
    if found is not None and found[0] == version and (valid is None or valid(found[1])):
        return found[1]
    value = compute()
    with _lock:
        _kept[slot] = (version, value)
        _kept.move_to_end(slot)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return value


def raise_version(session=None):
    """Raise the version in the session's transaction; makes the row if it is missing."""
    session = session or db.session
    raise_it = (update(StudyVersion).where(StudyVersion.id == 1)
                .values(number=StudyVersion.number + 1))
    if session.execute(raise_it).rowcount:
        return
    # The row is made by the migration; if it was deleted since, two transactions may make it
    # again at once: the second one's insert does nothing and its raise then applies.
    dialect = session.get_bind().dialect.name
    make = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(StudyVersion)
    session.execute(make.values(id=1, epoch=secrets.token_hex(8), number=0)
                    .on_conflict_do_nothing(index_elements=["id"]))
    session.execute(raise_it)


def _tables_of(statement):
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    return {name} if name else set()


def _after_flush(session, context):
    if session.info.get(CHANGED):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__tablename__", None)
        if table in WATCHED:
            session.info[CHANGED] = True
            return


def _on_execute(state):
    if (state.is_insert or state.is_update or state.is_delete) \
            and _tables_of(state.statement) & WATCHED:
        state.session.info[CHANGED] = True


def _before_commit(session):
    session.flush()
    if session.info.get(CHANGED):
        raise_version(session)


def _forget_change(session, *args):
    session.info.pop(CHANGED, None)
    session.info.pop(VERSION_READ, None)


# Registered once on SQLAlchemy's Session class, as fieldwork.outbox.tracking does.
if not event.contains(Session, "before_commit", _before_commit):
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _on_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _forget_change)
    event.listen(Session, "after_rollback", _forget_change)
