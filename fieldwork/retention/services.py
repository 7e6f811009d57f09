"""Retention: after the study's end (FIELDWORK_STUDY_END), report the identity data still held
and, once an admin confirms, erase it.

Identity data lives in several places, each an `IdentityStore` in STORES with a count and an
erase: informants' names, emails, phones, titles and notes (their codes, organisations, roles and
statuses stay for the analysis); the outbox (every message's bytes name its recipient, and an
invitation names every attendee); the audit log's snapshots of informants; staged CSV imports;
the scans of signed consent forms (the consent history itself keeps no name, only the fact).
Another feature adds its own with `register(IdentityStore(...))`.

Erasure is one transaction with its audit event. Deleted or overwritten values can survive in
the database's free pages and journal, so on SQLite `secure_delete` zeroes them as they are
written over, and VACUUM plus a WAL checkpoint leave no old page behind in the files. On
PostgreSQL, VACUUM FULL rewrites the affected tables; old WAL segments and backups are outside
the app's reach (see the README).
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.exc import OperationalError

from .. import audit, languages
from ..audit.models import AuditEvent
from ..consent import files as consent_files
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..informants.models import IDENTITY_FIELDS, Informant, InformantImport
from ..outbox.models import OutboxBody, OutboxMessage, OutboxStatus
from ..timeutil import study_zone
from .models import AuditRedaction

log = logging.getLogger(__name__)

ERASED = "[erased]"
CONFIRMATION = "ERASE"
# Audit snapshots of these record types hold these identity fields.
AUDIT_IDENTITY_FIELDS = {"informant": IDENTITY_FIELDS}


@dataclass(frozen=True)
class IdentityStore:
    """One place identity data is kept. `count()` how many records still hold some;
    `erase(now)` removes it (no commit) and returns how many records it changed."""

    key: str
    label: str
    count: Callable[[], int]
    erase: Callable
    tables: tuple = field(default_factory=tuple)


STORES = []


def register(store):
    STORES.append(store)
    return store


# The stores


def _informants_holding():
    return or_(Informant.name != ERASED, Informant.email.is_not(None),
               Informant.phone.is_not(None), Informant.job_title != "", Informant.notes != "")


def _count_informants():
    return db.session.scalar(select(func.count()).select_from(Informant)
                             .where(_informants_holding()))


def _erase_informants(now):
    return db.session.execute(
        update(Informant).where(_informants_holding())
        .values(name=ERASED, email=None, phone=None, job_title="", notes="", updated_at=now)
        .execution_options(synchronize_session=False)).rowcount


def _outbox_holding():
    return func.length(OutboxMessage.raw) > 0  # the bytes, in outbox_message_body


def _count_outbox():
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(_outbox_holding()))


def _erase_outbox(now):
    # Not-yet-sent messages would go out without their text: cancel them first.
    db.session.execute(update(OutboxMessage)
                       .where(OutboxMessage.status.in_([OutboxStatus.PENDING]))
                       .values(status=OutboxStatus.CANCELLED, claimed_at=None)
                       .execution_options(synchronize_session=False))
    erased = db.session.execute(
        update(OutboxMessage).where(_outbox_holding())
        .values(recipient_email=ERASED, subject=ERASED)
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(update(OutboxBody).where(func.length(OutboxBody.raw) > 0).values(raw=b"")
                       .execution_options(synchronize_session=False))
    return erased


def _redacted(snapshot, fields):
    """The snapshot with the identity fields that hold a value replaced by ERASED, or None if
    there is nothing to redact."""
    if not snapshot:
        return None
    hits = [k for k in fields if snapshot.get(k) not in (None, "", ERASED)]
    return {**snapshot, **{k: ERASED for k in hits}} if hits else None


def _audit_events_holding():
    """(event, redacted before, redacted after) for every event with identity data left."""
    found = []
    events = db.session.scalars(select(AuditEvent)
                                .where(AuditEvent.entity_type.in_(AUDIT_IDENTITY_FIELDS))
                                .order_by(AuditEvent.id)).all()
    for event in events:
        fields = AUDIT_IDENTITY_FIELDS[event.entity_type]
        before, after = _redacted(event.before, fields), _redacted(event.after, fields)
        if before is not None or after is not None:
            found.append((event, before, after))
    return found


def _count_audit():
    return len(_audit_events_holding())


def _erase_audit(now):
    found = _audit_events_holding()
    if not found:
        return 0
    # The triggers accept UPDATE on audit_event only while this transaction holds the row.
    grant = AuditRedaction()
    db.session.add(grant)
    db.session.flush()
    for event, before, after in found:
        db.session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(
            before=before if before is not None else event.before,
            after=after if after is not None else event.after)
            .execution_options(synchronize_session=False))
    db.session.execute(delete(AuditRedaction))
    return len(found)


def _count_imports():
    return db.session.scalar(select(func.count()).select_from(InformantImport))


def _erase_imports(now):
    return db.session.execute(delete(InformantImport)).rowcount


def _evidence_files():
    folder = Path(current_app.instance_path) / consent_files.EVIDENCE_FOLDER
    return [path for path in folder.iterdir() if path.is_file()] if folder.is_dir() else []


def _count_evidence():
    return len(_evidence_files())


def _erase_evidence(now):
    # Files are not part of the transaction: if it rolls back, the scans are gone all the same,
    # which is what the admin asked for; the history keeps each scan's size and checksum.
    paths = _evidence_files()
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)


register(IdentityStore("informants", _l("Informants with a name, email, phone, job title or notes"),
                       _count_informants, _erase_informants, ("informant",)))
register(IdentityStore("outbox", _l("Emails kept with their text and recipient"),
                       _count_outbox, _erase_outbox, ("outbox_message", "outbox_message_body")))
register(IdentityStore("audit", _l("Audit events with an informant's name, email or phone"),
                       _count_audit, _erase_audit, ("audit_event",)))
register(IdentityStore("imports", _l("Uploaded CSV files not yet imported"),
                       _count_imports, _erase_imports, ("informant_import",)))
register(IdentityStore("consent-evidence", _l("Scans of signed consent forms"),
                       _count_evidence, _erase_evidence))


# Reading and erasing


@dataclass
class RetentionReport:
    study_end: date | None
    has_ended: bool
    counts: list  # (store, count)

    @property
    def total(self):
        return sum(count for _, count in self.counts)


def study_has_ended(now):
    end = current_app.config["STUDY_END"]
    return end is not None and now.astimezone(study_zone()).date() > end


def retention_report(*, now):
    """What identity data is still held, store by store."""
    return RetentionReport(study_end=current_app.config["STUDY_END"],
                           has_ended=study_has_ended(now),
                           counts=[(store, store.count()) for store in STORES])


def erase_identities(*, confirmation, by, now):
    """Erase the identity data of every store, audit it, commit, then compact the database
    files. Refused before the study's end, and without the typed confirmation."""
    end = current_app.config["STUDY_END"]
    if end is None:
        raise NotAllowed(_("The study's end date is not set (FIELDWORK_STUDY_END), so nothing "
                           "may be erased."))
    if not study_has_ended(now):
        raise NotAllowed(_("The study ends on %(date)s; identity data can be erased from the day "
                           "after.", date=end.strftime("%d.%m.%Y")))
    if (confirmation or "").strip() != CONFIRMATION:
        raise DomainError(_("Type %(word)s to confirm the erasure.", word=CONFIRMATION),
                          "confirmation")
    is_sqlite = db.engine.dialect.name == "sqlite"
    if is_sqlite:
        # Zero the old content of every page this transaction frees or overwrites.
        db.session.execute(text("PRAGMA secure_delete=ON"))
    erased = {store.key: store.erase(now) for store in STORES}
    audit.record("retention.erase", by=by, now=now,
                 after={"study_end": end.isoformat(), "erased": erased})
    db.session.commit()
    tables = [t for store in STORES for t in store.tables]
    compact_database(tables)
    log.info("retention: identity data erased: %s", erased)
    return erased


def compact_database(tables):
    """Leave no erased value in the database files: SQLite's free pages and WAL, PostgreSQL's
    dead row versions in these tables. Runs outside any transaction (VACUUM must)."""
    engine = db.engine
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.exec_driver_sql("VACUUM")
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            if busy:
                log.warning("retention: the WAL is in use by another connection; it is "
                            "overwritten at the next checkpoint")
        else:
            # VACUUM FULL needs the table to itself, and every query on it queues behind it:
            # give up after a while rather than stall the app behind a long transaction.
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            for table in tables:
                try:
                    connection.exec_driver_sql(f'VACUUM (FULL, ANALYZE) "{table}"')
                except OperationalError:
                    log.warning("retention: table %s is busy; run VACUUM FULL on it later", table)


# The weekly reminder to admins


RETENTION_NOTICE = "retention"


def send_retention_report(*, now):
    """Once the study has ended and identity data is still held, each active admin gets the
    report once an ISO week, until it is erased; commits. Returns a summary."""
    from ..access import UserRole
    from ..digest.models import StaffNotice
    from ..digest.services import recipients_without
    from ..outbox import services as outbox

    if not study_has_ended(now):
        return "study not ended"
    report = retention_report(now=now)
    if not report.total:
        return "nothing held"
    today = now.astimezone(study_zone()).date()
    year, week, _ = today.isocalendar()
    period = f"{year}-W{week:02d}"
    users = recipients_without(RETENTION_NOTICE, period, UserRole.ADMIN, today=today)
    base_url = current_app.config["BASE_URL"].rstrip("/")
    for user in users:
        message = outbox.queue_rendered_email(
            "retention_report", languages.for_user(user), recipient=(user.email, user.name),
            purpose="retention", now=now, user_id=user.id,
            context={"report": report, "recipient_name": user.name,
                     "erase_url": f"{base_url}/admin/retention"})
        db.session.add(StaffNotice(kind=RETENTION_NOTICE, period=period, user_id=user.id,
                                   outbox_message_id=message.id, created_at=now))
    db.session.commit()
    return f"sent {len(users)}"
