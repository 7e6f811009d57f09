"""Consent records and their history: one record per informant, and an append-only history of
ConsentEvents. The helpers here make no commit; the services that call them do."""


from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import audit
from ...database import lock_rows
from ...errors import DomainError
from ...extensions import db
from ...informants.models import Informant
from ...validation import clean_text
from ..models import ConsentEvent, ConsentRecord, ConsentRecordItem, ConsentStatus

INFORMANT_LINK = "informant link"


def record_of(informant_id):
    return db.session.scalar(select(ConsentRecord).where(ConsentRecord.informant_id == informant_id)
                             .options(selectinload(ConsentRecord.items)))


def history_of(informant_id):
    """The informant's consent history, newest first."""
    return db.session.scalars(
        select(ConsentEvent).join(ConsentRecord, ConsentRecord.id == ConsentEvent.record_id)
        .where(ConsentRecord.informant_id == informant_id)
        .options(selectinload(ConsentEvent.form_version), selectinload(ConsentEvent.evidence))
        .order_by(ConsentEvent.occurred_at.desc(), ConsentEvent.id.desc())).all()


def record_for_change(informant, now):
    """The informant's record, to change: the informant is locked first, so of two answers or
    withdrawals sent at the same moment the second waits for the first to commit and then reads
    the state it left (already withdrawn, already answered), and no record is made twice."""
    lock_rows(Informant, [informant.id])
    record = db.session.scalar(select(ConsentRecord).where(ConsentRecord.informant_id == informant.id)
                               .options(selectinload(ConsentRecord.items))
                               .execution_options(populate_existing=True))
    if record is None:
        record = ConsentRecord(informant_id=informant.id, status=ConsentStatus.NOT_REQUESTED,
                               follow_up_count=0, updated_at=now)
        record.items = []
        db.session.add(record)
        db.session.flush()
    return record


def set_items(record, states):
    by_key = {item.key: item for item in record.items}
    for key, given in states.items():
        if key in by_key:
            by_key[key].is_given = bool(given)
        else:
            record.items.append(ConsentRecordItem(key=key, is_given=bool(given)))
    for key, item in by_key.items():
        if key not in states:
            item.is_given = False


def clean_note(note):
    """A note given with an answer, a withdrawal or a task: the common free-text rule, with
    its message beside the form's `note` field."""
    try:
        return clean_text(note, max_length=2000, label=_("Note"), multiline=True)
    except DomainError as error:
        raise DomainError(error.message, "note") from None


def append_event(record, action, *, by, now, method=None, consented_on=None, evidence=None,
                  note="", form_version_id=None):
    event = ConsentEvent(
        record_id=record.id, occurred_at=now, action=action, status=record.status,
        items=record.item_states(), method=method, consented_on=consented_on,
        form_version_id=form_version_id or record.form_version_id,
        registered_by_id=getattr(by, "id", None),
        actor_label=getattr(by, "email", None) or (by if isinstance(by, str) else "anonymous"),
        evidence_id=evidence.id if evidence else None, note=note)
    db.session.add(event)
    return event


def actor(by):
    return None if isinstance(by, str) else by


def set_recruitment(informant, status, *, by, now):
    before = informant.audit_snapshot()
    informant.status, informant.updated_at = status, now
    audit.record_update("informant.update", by=by, entity=informant, before=before,
                        after=informant.audit_snapshot(), now=now)
