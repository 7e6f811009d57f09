"""Each informant's consent standing, stored on the informant so the consent overview can sort
and filter by it through an index: `next_open_at`, the start of their earliest open interview,
`at_risk_at`, the same when their participation consent does not hold (else empty), and
`risk_rank`, 0 for those at risk and 1 for the others (the overview lists rank 0 first).

These two columns are derived, never edited. Whatever changes them (an interview booked,
moved, cancelled or marked, an informant added to or taken off one, consent given, changed or
withdrawn, a form version activated or retired) is seen in the session when it is flushed or
executed, and just before the transaction commits the affected informants are locked and their
columns recomputed from the data, in the same transaction. The lock means that of two
transactions changing one informant, the second recomputes after the first has committed and
sees what it did. A bulk statement on those tables (an import, the demo data, erasure)
recomputes every informant. `flask aggregates refresh` recomputes every informant too.
"""

from sqlalchemy import case, event, func, inspect, null, or_, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..informants.models import Informant
from ..interviews.models import OPEN_STATUSES, Interview, interview_informant
from .gates import participation_consented_ids
from .models import ConsentFormVersion, ConsentRecord, ConsentRecordItem

TOUCHED = "fieldwork.consent.standing.touched"
# Tables whose rows decide the standing; a bulk statement on one recomputes everybody.
SOURCES = frozenset({"interview", "interview_informant", "consent_record", "consent_record_item",
                     "consent_form_version"})


class _Touched:
    def __init__(self):
        self.everyone = False
        self.informants, self.interviews, self.records, self.versions = set(), set(), set(), set()

    def condition(self):
        """Which informants to recompute, as a condition on Informant.id (None: everyone)."""
        if self.everyone:
            return None
        parts = []
        if self.informants:
            parts.append(Informant.id.in_(sorted(self.informants)))
        if self.interviews:
            parts.append(Informant.id.in_(
                select(interview_informant.c.informant_id)
                .where(interview_informant.c.interview_id.in_(sorted(self.interviews)))))
        if self.records:
            parts.append(Informant.id.in_(select(ConsentRecord.informant_id)
                                          .where(ConsentRecord.id.in_(sorted(self.records)))))
        if self.versions:
            parts.append(Informant.id.in_(
                select(ConsentRecord.informant_id)
                .where(ConsentRecord.form_version_id.in_(sorted(self.versions)))))
        return or_(*parts)


def _touched(session):
    touched = session.info.get(TOUCHED)
    if touched is None:
        touched = session.info[TOUCHED] = _Touched()
    return touched


def _after_flush(session, context):
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Interview):
            touched = _touched(session)
            touched.interviews.add(obj.id)
            # Informants taken off the interview are no longer found through it.
            history = inspect(obj).attrs.informants.history
            touched.informants.update(i.id for i in (*history.added, *history.deleted))
        elif isinstance(obj, ConsentRecord):
            _touched(session).informants.add(obj.informant_id)
        elif isinstance(obj, ConsentRecordItem):
            _touched(session).records.add(obj.record_id)
        elif isinstance(obj, ConsentFormVersion):
            _touched(session).versions.add(obj.id)


def _on_execute(state):
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in SOURCES:
        _touched(state.session).everyone = True


def _before_commit(session):
    session.flush()
    touched = session.info.pop(TOUCHED, None)
    if touched is not None:
        refresh_standing(touched.condition(), session=session)


def _forget(session, *args):
    session.info.pop(TOUCHED, None)


def refresh_standing(condition=None, *, session=None):
    """Recompute the standing of the informants matching `condition` (every informant if None),
    in the session's transaction; returns how many changed."""
    session = session or db.session
    table = Informant.__table__
    if condition is not None:
        # The informants by id, then updated by id. Given the condition itself (ORs of
        # subqueries), PostgreSQL scanned every informant and ran the correlated subqueries
        # below for each: a second per saved interview at 10×.
        which = select(Informant.id).where(condition).order_by(Informant.id)
        if session.get_bind().dialect.name == "postgresql":
            # Wait for any other transaction changing these informants, then read what it did.
            which = which.with_for_update(key_share=True)
        ids = session.scalars(which).all()
        if not ids:
            return 0
        condition = table.c.id.in_(ids)
    next_open = (select(func.min(Interview.starts_at))
                 .join(interview_informant, interview_informant.c.interview_id == Interview.id)
                 .where(interview_informant.c.informant_id == table.c.id,
                        Interview.status.in_(OPEN_STATUSES))
                 .scalar_subquery())
    # Per informant, through the index on consent_record.informant_id (an IN over every consent
    # record could be re-run for each informant on PostgreSQL).
    consented = participation_consented_ids().where(ConsentRecord.informant_id == table.c.id) \
        .exists()
    at_risk = case((consented, null()), else_=table.c.next_open_at)
    # Derived columns: the informant itself has not been edited (updated_at stays).
    changed = 0
    first = (update(table).where(table.c.next_open_at.is_distinct_from(next_open))
             .values(next_open_at=next_open, updated_at=table.c.updated_at))
    if condition is None:
        # Everyone (a bulk change): one grouped pass over the open interviews joined in, rather
        # than a lookup per informant, and then those who no longer have one.
        earliest = (select(interview_informant.c.informant_id.label("informant_id"),
                           func.min(Interview.starts_at).label("starts_at"))
                    .join(Interview, Interview.id == interview_informant.c.interview_id)
                    .where(Interview.status.in_(OPEN_STATUSES))
                    .group_by(interview_informant.c.informant_id).subquery())
        changed += session.execute(
            update(table).where(table.c.id == earliest.c.informant_id,
                                table.c.next_open_at.is_distinct_from(earliest.c.starts_at))
            .values(next_open_at=earliest.c.starts_at, updated_at=table.c.updated_at),
            execution_options={"synchronize_session": False}).rowcount
        with_open = (select(interview_informant.c.informant_id)
                     .join(Interview, Interview.id == interview_informant.c.interview_id)
                     .where(Interview.status.in_(OPEN_STATUSES)))
        first = (update(table).where(table.c.next_open_at.is_not(None),
                                     table.c.id.not_in(with_open))
                 .values(next_open_at=None, updated_at=table.c.updated_at))
    then = (update(table).where(table.c.at_risk_at.is_distinct_from(at_risk))
            .values(at_risk_at=at_risk, risk_rank=case((at_risk.is_(None), 1), else_=0),
                    updated_at=table.c.updated_at))
    for statement in (first, then):
        if condition is not None:
            statement = statement.where(condition)
        changed += session.execute(statement,
                                   execution_options={"synchronize_session": False}).rowcount
    return changed


# Registered once on SQLAlchemy's Session class, as fieldwork.outbox.tracking does.
if not event.contains(Session, "before_commit", _before_commit):
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _on_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _forget)
    event.listen(Session, "after_rollback", _forget)
