"""Interviews as cases for qualitative analysis software, pseudonymised or (admins only) with
identities, as CSV or XLSX; every export audit-logged in the transaction that reads it.

One row is one informant in one interview: a case. The first column is the case name, the
informant's pseudonym code, which is how NVivo and QualCoder match a classification sheet to the
cases (transcripts) of a project; an informant interviewed again gets "CODE #2", "#3" ..., because
both programs need each case name once. The other columns are the case's attributes.
"""

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..audit import security
from ..auth.models import User
from ..consent.gates import consent_summaries
from ..documents.models import Document
from ..documents.services import DocumentFilter, document_query
from ..extensions import db
from ..guides.models import Guide, GuideVersion
from ..informants.models import Informant
from ..interviews.models import (Interview, InterviewStatus, interview_informant,
                                 interview_interviewer)
from ..organisations.models import Organisation, Role
from ..timeutil import to_local, where_on_local_days
from .spreadsheets import write_table

CASE_COLUMNS = ("Case", "Informant code", "Interview", "Role", "Organisation",
                "Governance level", "Guide", "Guide version", "Guide hash", "Date", "Mode",
                "Duration (minutes)", "Transcript status", "Interview status",
                "Informants in interview", "Consent to quotation", "Consent to recording")
IDENTITY_COLUMNS = ("Name", "Email", "Phone", "Job title", "Interviewers")
# Interviews that are cases: held ones by default; "all" adds those still ahead and no-shows.
INCLUDE_STATUSES = {
    "conducted": (InterviewStatus.CONDUCTED,),
    "all": tuple(s for s in InterviewStatus if s is not InterviewStatus.CANCELLED),
}


@dataclass(frozen=True)
class ExportFilter:
    include: str = "conducted"
    organisation_id: int | None = None
    role_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def audit_form(self):
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()
                if v not in (None, "")}


def _case_query(criteria):
    group_size = (select(func.count()).select_from(interview_informant)
                  .where(interview_informant.c.interview_id == Interview.id)
                  .correlate(Interview).scalar_subquery())
    query = (
        select(Informant.id.label("informant_id"), Informant.code, Informant.name,
               Informant.email, Informant.phone, Informant.job_title,
               Role.name.label("role"), Organisation.code.label("organisation"),
               Organisation.governance_level, Guide.title.label("guide"),
               GuideVersion.number.label("guide_version"), GuideVersion.content_sha256,
               Interview.id.label("interview_id"), Interview.starts_at,
               Interview.actual_started_at, Interview.ends_at,
               Interview.actual_duration_minutes, Interview.mode, Interview.status,
               Interview.transcript_status, group_size.label("group_size"))
        .select_from(interview_informant)
        .join(Interview, Interview.id == interview_informant.c.interview_id)
        .join(Informant, Informant.id == interview_informant.c.informant_id)
        .join(Organisation, Organisation.id == Informant.organisation_id)
        .join(Role, Role.id == Informant.role_id)
        .join(GuideVersion, GuideVersion.id == Interview.guide_version_id)
        .join(Guide, Guide.id == GuideVersion.guide_id)
        .where(Interview.status.in_(INCLUDE_STATUSES[criteria.include]))
        .order_by(Informant.code, Interview.starts_at, Interview.id))
    if criteria.organisation_id:
        query = query.where(Informant.organisation_id == criteria.organisation_id)
    if criteria.role_id:
        query = query.where(Informant.role_id == criteria.role_id)
    return query.where(*where_on_local_days(Interview.starts_at, criteria.date_from,
                                            criteria.date_to))


def _interviewer_names(interview_ids):
    """Interviewer names per interview, in one query (the identified export only)."""
    names = {}
    if not interview_ids:
        return names
    rows = db.session.execute(
        select(interview_interviewer.c.interview_id, User.name)
        .join(User, User.id == interview_interviewer.c.user_id)
        .where(interview_interviewer.c.interview_id.in_(interview_ids))
        .order_by(User.name)).all()
    for row in rows:
        names.setdefault(row.interview_id, []).append(row.name)
    return names


def interview_cases(criteria, *, with_identities=False):
    """The header and rows of the case table, in a fixed number of queries."""
    records = db.session.execute(_case_query(criteria)).all()
    interviewers = (_interviewer_names(sorted({r.interview_id for r in records}))
                    if with_identities else {})
    # Whether a case may be quoted is read where quotes are chosen: in the analysis software.
    consents = consent_summaries({r.informant_id for r in records})
    seen, rows = {}, []
    for r in records:
        seen[r.informant_id] = seen.get(r.informant_id, 0) + 1
        case = r.code if seen[r.informant_id] == 1 else f"{r.code} #{seen[r.informant_id]}"
        started = r.actual_started_at or r.starts_at
        duration = r.actual_duration_minutes or int((r.ends_at - r.starts_at).total_seconds() // 60)
        row = [case, r.code, f"I{r.interview_id}", r.role, r.organisation,
               r.governance_level.value, r.guide, r.guide_version, r.content_sha256 or "",
               to_local(started).date(), r.mode.value, duration, r.transcript_status.value,
               r.status.value, r.group_size, _yes_no(consents[r.informant_id].may_quote),
               _yes_no(consents[r.informant_id].may_record)]
        if with_identities:
            row += [r.name, r.email or "", r.phone or "", r.job_title,
                    "; ".join(interviewers.get(r.interview_id, []))]
        rows.append(row)
    header = list(CASE_COLUMNS) + (list(IDENTITY_COLUMNS) if with_identities else [])
    return header, rows


def _yes_no(value):
    return "yes" if value else "no"


def export_interviews(criteria, *, by, file_format, with_identities=False, now=None):
    """The case table as a file, and an audit event of who took it, with which filters and how
    many rows. Identities go only to someone who may see them all (admins)."""
    # The command line (a string) may; a user only if an admin, whatever the caller asked.
    with_identities = with_identities and getattr(by, "is_admin", True)
    header, rows = interview_cases(criteria, with_identities=with_identities)
    body, mimetype = write_table(header, _as_text_dates(rows) if file_format == "csv" else rows,
                                 file_format=file_format, sheet_title="Cases")
    audit.record("interview.export", by=by, now=now, after={
        "format": file_format, "rows": len(rows), "with_identities": with_identities,
        "filters": criteria.audit_form()})
    if with_identities:
        security.add_identity_export(by=by, export="interviews", rows=len(rows), now=now)
    db.session.commit()
    return body, mimetype


def _as_text_dates(rows):
    # ISO dates in CSV: NVivo and QualCoder read them the same in every locale.
    return [[v.isoformat() if isinstance(v, date) else v for v in row] for row in rows]


DOCUMENT_COLUMNS = ("Document", "Title", "Type", "Issuing organisation", "Governance level",
                    "Date", "Reference", "Status", "Themes", "Linked interviews",
                    "Linked informants", "Notes")


def document_rows():
    """The document register, one row per document, in a fixed number of queries. Documents
    are public or organisational texts; linked informants appear by pseudonym code only."""
    documents = db.session.scalars(document_query(DocumentFilter()).options(
        selectinload(Document.informants), selectinload(Document.interviews))).all()
    return list(DOCUMENT_COLUMNS), [
        [f"D{d.id}", d.title, d.document_type.label, d.organisation.code if d.organisation else "",
         d.governance_level.value, d.issued_on, d.reference, d.status.value,
         "; ".join(t.name for t in d.themes), "; ".join(f"I{i.id}" for i in d.interviews),
         "; ".join(i.code for i in d.informants), d.notes]
        for d in documents]


def export_documents(*, by, now=None):
    """The document register as CSV, and an audit event of who took it."""
    header, rows = document_rows()
    body, mimetype = write_table(header, _as_text_dates(rows), file_format="csv")
    audit.record("document.export", by=by, now=now, after={"format": "csv", "rows": len(rows)})
    db.session.commit()
    return body, mimetype
