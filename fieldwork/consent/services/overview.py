"""The consent overview (who may be interviewed and quoted, at-risk informants first), the
informant page's consent panel, and evidence downloads."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from ... import audit
from ...database import utcnow
from ...extensions import db
from ...informants.models import Informant
from ...informants.services import matching_text
from .. import files
from ..gates import consent_summaries
from ..models import ConsentEvidence, ConsentRecord, ConsentStatus
from .records import history_of, record_of
from .withdrawal import data_tasks_of


@dataclass
class OverviewFilter:
    organisation_id: int | None = None
    role_id: int | None = None
    status: ConsentStatus | None = None
    missing_within_days: int | None = None
    text: str = ""
    sees_identities: bool = False


def overview_query(criteria, *, now):
    """Informants with their consent status and earliest open interview, those with an open
    interview and no participation consent first ("at risk", soonest first), then by code. Item
    states come from `consent_summaries` for the page shown.

    The order and the at-risk filter read columns stored on the informant and kept in step with
    interviews and consent (fieldwork.consent.standing), in the order of the index
    ix_informant_consent_order: a page costs the same with a hundred informants or fifty
    thousand."""
    query = (select(Informant, ConsentRecord.status,
                    Informant.next_open_at.label("next_interview_at"),
                    (Informant.risk_rank == 0).label("at_risk"))
             .join(Informant.organisation).join(Informant.role)
             .outerjoin(ConsentRecord, ConsentRecord.informant_id == Informant.id)
             .options(contains_eager(Informant.organisation), contains_eager(Informant.role)))
    query = _filtered(query, criteria, now=now)
    if criteria.missing_within_days is not None:  # at risk only: the index's second part
        return query.order_by(Informant.at_risk_at, Informant.code)
    return query.order_by(Informant.risk_rank, Informant.at_risk_at, Informant.code)


def overview_count(criteria, *, now):
    """How many informants `overview_query` lists: a count over the informants alone (with their
    consent record only when filtered by its status)."""
    query = select(func.count()).select_from(Informant)
    if criteria.status:
        query = query.outerjoin(ConsentRecord, ConsentRecord.informant_id == Informant.id)
    return db.session.scalar(_filtered(query, criteria, now=now))


def _filtered(query, criteria, *, now):
    if criteria.organisation_id:
        query = query.where(Informant.organisation_id == criteria.organisation_id)
    if criteria.role_id:
        query = query.where(Informant.role_id == criteria.role_id)
    if criteria.status:
        status = func.coalesce(ConsentRecord.status, ConsentStatus.NOT_REQUESTED.value)
        query = query.where(status == criteria.status.value)
    if criteria.missing_within_days is not None:
        horizon = now + timedelta(days=criteria.missing_within_days)
        query = query.where(Informant.risk_rank == 0, Informant.at_risk_at <= horizon)
    matching = matching_text(criteria.text, sees_identities=criteria.sees_identities)
    if matching is not None:
        query = query.where(matching)
    return query


def overview_rows(page_items):
    """The page's rows with each informant's item states (two more queries)."""
    summaries = consent_summaries(row[0].id for row in page_items)
    return [(informant, status or ConsentStatus.NOT_REQUESTED, next_at, bool(at_risk),
             summaries[informant.id]) for informant, status, next_at, at_risk in page_items]


def consent_panel(informant_id):
    """What the informant page shows of consent: item states, record, history, tasks."""
    return {"summary": consent_summaries([informant_id])[informant_id],
            "record": record_of(informant_id), "history": history_of(informant_id),
            "tasks": data_tasks_of(informant_id)}


def evidence_file(evidence_id, *, by, now=None):
    """(path, content type) of an evidence file, or None. A download is audited: a signed form
    shows a name and a signature."""
    evidence = db.session.get(ConsentEvidence, evidence_id)
    if evidence is None:
        return None
    path = files.path_of(files.EVIDENCE_FOLDER, evidence.stored_name)
    if not path.is_file():  # erased after the study's end
        return None
    audit.record("consent.evidence_download", by=by, entity_type="consent_evidence",
                 entity_id=evidence.id, after={"record_id": evidence.record_id}, now=now or utcnow())
    db.session.commit()
    return path, evidence.content_type
