"""Interviews as cases for qualitative analysis software, pseudonymised or (admins only) with
identities, as CSV or XLSX; every export audit-logged and committed before its rows are read,
then written row by row as the rows come from the database (see downloads.py).

One row is one informant in one interview: a case. The first column is the case name, the
informant's pseudonym code, which is how NVivo and QualCoder match a classification sheet to the
cases (transcripts) of a project; an informant interviewed again gets "CODE #2", "#3" ..., because
both programs need each case name once. The other columns are the case's attributes.
"""

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import String, cast, func, select

from .. import audit
from ..audit import security
from ..auth.models import User
from ..consent.gates import consent_allows
from ..consent.models import PARTICIPATION, QUOTATION, RECORDING
from ..coverage.models import Coverage, QuestionCoverage
from ..documents.models import (Document, DocumentType, Theme, document_informant,
                                document_interview, document_theme)
from ..downloads import read_only, stream_rows
from ..extensions import db
from ..guides.models import Guide, GuideVersion
from ..informants.models import Informant
from ..interviews.models import (Interview, InterviewStatus, interview_informant,
                                 interview_interviewer)
from ..memberchecks.models import Quote, QuoteState
from ..organisations.models import Organisation, Role
from ..timeutil import to_local, where_on_local_days
from . import columns, risk
from .spreadsheets import table_chunks

# The column names below are stable keys: columns.py gives each its label in the exporting
# user's language (or the key itself, `?header=machine`).
# How far the interview got through its guide version's questions (fieldwork.coverage), as
# counts and as "question key=coverage" pairs for the analysis program.
COVERAGE_COLUMNS = ("Questions covered", "Questions partly covered", "Questions not reached",
                    "Question coverage")
# Where the member checks of the case's quotes stand (fieldwork.memberchecks): how many the
# informant approved (as said or as edited), and how many are in each state.
QUOTE_COLUMNS = ("Quotes usable", "Quote states")
CASE_COLUMNS = ("Case", "Informant code", "Interview", "Role", "Organisation",
                "Governance level", "Guide", "Guide version", "Guide hash", "Date", "Mode",
                "Duration (minutes)", "Transcript status", "Interview status",
                "Informants in interview", "Consent to quotation", "Consent to recording",
                *COVERAGE_COLUMNS, *QUOTE_COLUMNS)
IDENTITY_COLUMNS = ("Name", "Email", "Phone", "Job title", "Interviewers")
RISK_COLUMN, VARIANT_COLUMN = "Re-identification risk", "Variant"
# The coarsened variant: no organisation, role or study pseudonym code (which spells both out),
# but a governance level, a role group and a code that says nothing (risk.py).
COARSE_COLUMNS = ("Case", "Informant", "Interview", "Role group", "Governance level", "Guide",
                  "Guide version", "Guide hash", "Date", "Mode", "Duration (minutes)",
                  "Transcript status", "Interview status", "Informants in interview",
                  "Consent to quotation", "Consent to recording", *COVERAGE_COLUMNS,
                  *QUOTE_COLUMNS)
PSEUDONYMISED, COARSENED, IDENTIFIED = "pseudonymised", "coarsened", "identified"
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


def _cases(criteria, *columns):
    """A select of `columns` over the cases the filter chooses (one row per informant in each
    interview), in the export's order."""
    query = (
        select(*columns)
        .select_from(interview_informant)
        .join(Interview, Interview.id == interview_informant.c.interview_id)
        .join(Informant, Informant.id == interview_informant.c.informant_id)
        .join(Organisation, Organisation.id == Informant.organisation_id)
        .join(Role, Role.id == Informant.role_id)
        .join(GuideVersion, GuideVersion.id == Interview.guide_version_id)
        .join(Guide, Guide.id == GuideVersion.guide_id)
        .where(Interview.status.in_(INCLUDE_STATUSES[criteria.include])))
    if criteria.organisation_id:
        query = query.where(Informant.organisation_id == criteria.organisation_id)
    if criteria.role_id:
        query = query.where(Informant.role_id == criteria.role_id)
    return query.where(*where_on_local_days(Interview.starts_at, criteria.date_from,
                                            criteria.date_to))


_CASE_ORDER = (Informant.code, Interview.starts_at, Interview.id)
# The coarsened variant's rows by date: in code order they would fall into runs by
# organisation and role, which the codes it leaves out spell.
_COARSE_ORDER = (Interview.starts_at, Interview.id, Informant.id)


def _case_query(criteria, *, with_identities, order=_CASE_ORDER):
    group_size = (select(func.count()).select_from(interview_informant)
                  .where(interview_informant.c.interview_id == Interview.id)
                  .correlate(Interview).scalar_subquery())
    identities = (Informant.name, Informant.email, Informant.phone, Informant.job_title) \
        if with_identities else ()
    return _cases(
        criteria, Informant.id.label("informant_id"), Informant.code, *identities,
        Role.name.label("role"), Organisation.code.label("organisation"),
        Organisation.governance_level, Guide.title.label("guide"),
        GuideVersion.number.label("guide_version"), GuideVersion.content_sha256,
        Interview.id.label("interview_id"), Interview.starts_at, Interview.actual_started_at,
        Interview.ends_at, Interview.actual_duration_minutes, Interview.mode, Interview.status,
        Interview.transcript_status, group_size.label("group_size"),
        # Whether a case may be quoted is read where quotes are chosen: in the analysis software.
        consent_allows(Informant.id, PARTICIPATION, QUOTATION).label("may_quote"),
        consent_allows(Informant.id, PARTICIPATION, RECORDING).label("may_record"),
        *_coverage_columns(),
        _quote_states_column(Quote.informant_id == Informant.id).label("quote_states"),
    ).order_by(*order)


def _coverage_columns():
    """Per case, its interview's coverage counts and pairs, each a subquery on the coverage
    table's primary key: no extra statement and no row multiplication."""
    of_interview = QuestionCoverage.interview_id == Interview.id

    def count(coverage):
        return (select(func.count()).where(of_interview, QuestionCoverage.coverage == coverage)
                .correlate(Interview).scalar_subquery())

    pairs = (select(func.aggregate_strings(
        QuestionCoverage.question_key + "=" + cast(QuestionCoverage.coverage, String), "; "))
        .where(of_interview).correlate(Interview).scalar_subquery())
    return (count(Coverage.ALL).label("covered"), count(Coverage.SOME).label("partly"),
            count(Coverage.NOT_REACHED).label("not_reached"), pairs.label("coverage"))


def coverage_values(r):
    """The COVERAGE_COLUMNS of a case row, pairs sorted by question key."""
    pairs = "; ".join(sorted(r.coverage.split("; "))) if r.coverage else ""
    return [r.covered, r.partly, r.not_reached, pairs]


def _quote_states_column(*where):
    """The states of the interview's quotes (those matching `where`), one per quote separated
    by semicolons: a subquery on the quotes' interview index, no extra statement."""
    return (select(func.aggregate_strings(cast(Quote.state, String), ";"))
            .where(Quote.interview_id == Interview.id, *where)
            .correlate(Interview, Informant).scalar_subquery())


def quote_values(states):
    """The QUOTE_COLUMNS from a quote_states value: ["2", "approved=1; edited=1; refused=1"],
    states in the order a member check goes through them."""
    counts = Counter(QuoteState(state) for state in states.split(";")) if states else Counter()
    usable = sum(n for state, n in counts.items() if state.may_be_used)
    return [usable, "; ".join(f"{state.value}={counts[state]}" for state in QuoteState
                              if counts[state])]


def _interviewer_query(criteria):
    """(case key, interviewer name) in the order of the cases: the identified export only."""
    return (_cases(criteria, Informant.id, Interview.id, User.name)
            .join(interview_interviewer, interview_interviewer.c.interview_id == Interview.id)
            .join(User, User.id == interview_interviewer.c.user_id)
            .order_by(*_CASE_ORDER, User.name, User.id))


def count_cases(criteria):
    return db.session.scalar(select(func.count()).select_from(
        _cases(criteria, interview_informant.c.interview_id).subquery()))


def variant_of(*, with_identities=False, coarsened=False):
    return IDENTIFIED if with_identities else COARSENED if coarsened else PSEUDONYMISED


def variant_text(variant, k):
    """What a file says about itself, in its Variant column, first sheet or description."""
    return {
        PSEUDONYMISED: f"pseudonymised: study codes, organisation and role; rows in a cell of "
                       f"fewer than {k} informants are marked in the risk column",
        COARSENED: f"coarsened: governance level and role group instead of organisation and "
                   f"role, codes that say neither, no cell of fewer than {k} informants",
        IDENTIFIED: "identified: names and contact details; personal data (admins only)",
    }[variant]


def people_in(criteria, *, streamed=False):
    """One risk.Person per informant among the cases: what the small cells are counted on. A
    list, or `streamed` as they are read (for one pass, such as risk.SmallCells)."""
    query = _cases(
        criteria, Informant.id.label("informant_id"), Organisation.code.label("organisation"),
        Organisation.governance_level, Role.name.label("role")).distinct()
    rows = stream_rows(query) if streamed else db.session.execute(query)
    people = (risk.Person(r.informant_id, r.organisation, r.governance_level.value, r.role)
              for r in rows)
    return people if streamed else list(people)


def case_header(variant):
    if variant == IDENTIFIED:
        return list(CASE_COLUMNS) + list(IDENTITY_COLUMNS) + [VARIANT_COLUMN]
    columns = COARSE_COLUMNS if variant == COARSENED else CASE_COLUMNS
    return list(columns) + [RISK_COLUMN, VARIANT_COLUMN]


def interview_cases(criteria, *, with_identities=False, coarsened=False, k=3, secret=""):
    """The header of the case table, and its rows as they are read: one query for the cases
    (two with identities, read side by side in the same order; one more for the small cells in
    the pseudonymised variants), whatever their number."""
    variant = variant_of(with_identities=with_identities, coarsened=coarsened)
    return case_header(variant), _case_rows(criteria, variant=variant, k=k, secret=secret)


def _case_rows(criteria, *, variant, k, secret):
    with_identities = variant == IDENTIFIED
    # Short, as an attribute in the analysis program; the About sheet says the rest.
    label = variant if with_identities else f"{variant} (k={k})"
    if variant != IDENTIFIED:
        people = people_in(criteria)
        cells = risk.SmallCells(people, k)
        shown = risk.coarsen(people, k) if variant == COARSENED else {}
    records = stream_rows(_case_query(
        criteria, with_identities=with_identities,
        order=_COARSE_ORDER if variant == COARSENED else _CASE_ORDER))
    if with_identities:
        pairs = ((tuple(key), name) for *key, name in
                 stream_rows(_interviewer_query(criteria)))
        records = merge_lists(records, lambda r: (r.informant_id, r.interview_id), pairs)
    else:
        records = ((r, [()]) for r in records)
    seen = {}
    for r, [interviewers] in records:
        # Cases come ordered by informant, then date: number each one's interviews.
        seen[r.informant_id] = n = seen.get(r.informant_id, 0) + 1
        code = risk.opaque_code(secret, r.informant_id) if variant == COARSENED else r.code
        case = code if n == 1 else f"{code} #{n}"
        started = r.actual_started_at or r.starts_at
        duration = r.actual_duration_minutes or int((r.ends_at - r.starts_at).total_seconds() // 60)
        about = [r.guide, r.guide_version, r.content_sha256 or "", to_local(started).date(),
                 r.mode.value, duration, r.transcript_status.value, r.status.value,
                 r.group_size, _yes_no(r.may_quote), _yes_no(r.may_record), *coverage_values(r),
                 *quote_values(r.quote_states)]
        if variant == COARSENED:
            level, group = shown[r.informant_id]
            mark = "level and role group withheld: too few informants even when merged" \
                if level == risk.WITHHELD else ""
            yield [case, code, f"I{r.interview_id}", group, level, *about, mark, label]
            continue
        row = [case, r.code, f"I{r.interview_id}", r.role, r.organisation,
               r.governance_level.value, *about]
        if with_identities:
            row += [r.name, r.email or "", r.phone or "", r.job_title, "; ".join(interviewers)]
        else:
            row.append(cells.mark(r.organisation, r.governance_level.value, r.role))
        yield row + [label]


def merge_lists(rows, key, *pair_streams):
    """Each of `rows` with, from each of `pair_streams` ((key, value) pairs in the same order as
    the rows), the list of values whose key is the row's: one-to-many joins read from cursors
    side by side, in one snapshot (downloads.read_only), so no key is ever missing."""
    streams = [iter(pairs) for pairs in pair_streams]
    pending = [next(stream, None) for stream in streams]
    for row in rows:
        row_key, lists = key(row), []
        for n, stream in enumerate(streams):
            values = []
            while pending[n] is not None and pending[n][0] == row_key:
                values.append(pending[n][1])
                pending[n] = next(stream, None)
            lists.append(values)
        yield row, lists


def _yes_no(value):
    return "yes" if value else "no"


def min_cell_size():
    return current_app.config["MIN_CELL_SIZE"]


def export_interviews(criteria, *, by, file_format, with_identities=False, coarsened=False,
                      now=None, header=None):
    """The case table as (chunks, mimetype), written as it is read, after an audit event of who
    took it, with which filters, variant and how many rows, is committed. Identities go only to
    someone who may see them all (admins). `header` is columns.LANGUAGE or MACHINE (None: as the
    request asks): the column and sheet names; the cells are the same either way."""
    header = header or columns.requested_style()
    # The command line (a string) may; a user only if an admin, whatever the caller asked.
    with_identities = with_identities and getattr(by, "is_admin", True)
    variant = variant_of(with_identities=with_identities, coarsened=coarsened)
    k = min_cell_size()
    rows = audit_export(criteria, by=by, now=now, file_format=file_format, variant=variant, k=k)
    keys, cases = interview_cases(criteria, with_identities=with_identities,
                                  coarsened=coarsened, k=k,
                                  secret=current_app.config["SECRET_KEY"])
    about = [("Variant", variant), ("What it holds", variant_text(variant, k)),
             ("Minimum cell size (k)", k), ("Cases", rows)]
    return table_chunks(columns.names(keys, header), read_only(cases), file_format=file_format,
                        sheet_title=columns.name("Cases", header),
                        about=[(columns.name(label, header), value) for label, value in about],
                        about_title=columns.name("About", header))


def audit_export(criteria, *, by, now, file_format, variant, k):
    """Record who took which export and commit, before a row is read; the number of rows."""
    rows = count_cases(criteria)
    audit.record("interview.export", by=by, now=now, after={
        "format": file_format, "rows": rows, "with_identities": variant == IDENTIFIED,
        "variant": variant, "min_cell_size": k, "filters": criteria.audit_form()})
    if variant == IDENTIFIED:
        security.add_identity_export(by=by, export="interviews", rows=rows, now=now)
    db.session.commit()
    return rows


DOCUMENT_COLUMNS = ("Document", "Title", "Type", "Issuing organisation", "Governance level",
                    "Date", "Reference", "Status", "Themes", "Linked interviews",
                    "Linked informants", "Notes")
_DOCUMENT_ORDER = (Document.issued_on.desc().nulls_last(), Document.id.desc())


def _document_links(column, table, join_on, order):
    """(document id, linked value) for every document, in the register's order."""
    return stream_rows(select(Document.id, column)
                       .join(table, table.c.document_id == Document.id).join(*join_on)
                       .order_by(*_DOCUMENT_ORDER, *order))


def document_rows():
    """The document register, one row per document as it is read, in four queries side by side
    (documents, themes, interviews, informants) whatever their number. Documents are public or
    organisational texts; linked informants appear by pseudonym code only."""
    documents = stream_rows(
        select(Document.id, Document.title, Document.document_type,
               Organisation.code.label("organisation"), Document.governance_level,
               Document.issued_on, Document.reference, Document.status, Document.notes)
        .outerjoin(Organisation, Organisation.id == Document.organisation_id)
        .order_by(*_DOCUMENT_ORDER))
    themes = _document_links(Theme.name, document_theme,
                             (Theme, Theme.id == document_theme.c.theme_id), (Theme.key,))
    interviews = _document_links(Interview.id, document_interview,
                                 (Interview, Interview.id == document_interview.c.interview_id),
                                 (Interview.starts_at, Interview.id))
    informants = _document_links(Informant.code, document_informant,
                                 (Informant, Informant.id == document_informant.c.informant_id),
                                 (Informant.code,))
    rows = merge_lists(documents, lambda d: d.id, themes, interviews, informants)
    # A cell's value is English whatever the exporting user's language: only the column names
    # follow it (columns.py).
    with force_locale("en"):
        type_names = {kind: str(kind.label) for kind in DocumentType}
    for d, (theme_names, interview_ids, codes) in rows:
        yield [f"D{d.id}", d.title, type_names[d.document_type], d.organisation or "",
               d.governance_level.value, d.issued_on, d.reference, d.status.value,
               "; ".join(theme_names), "; ".join(f"I{i}" for i in interview_ids),
               "; ".join(codes), d.notes]


def export_documents(*, by, now=None, header=None):
    """The document register as CSV chunks, written as it is read, after an audit event of who
    took it is committed. `header` as for export_interviews."""
    header = header or columns.requested_style()
    rows = db.session.scalar(select(func.count(Document.id)))
    audit.record("document.export", by=by, now=now, after={"format": "csv", "rows": rows})
    db.session.commit()
    return table_chunks(columns.names(DOCUMENT_COLUMNS, header), read_only(document_rows()),
                        file_format="csv")
