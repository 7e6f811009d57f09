"""The study as a REFI-QDA project (.qdpx), the exchange format NVivo, ATLAS.ti, MAXQDA and
QualCoder import: a zip with `project.qde` (QDA-XML, namespace urn:QDA-XML:project:1.0, checked
in the tests against the published schema Project-mrt2019.xsd) and a `sources/` folder.

- A case per interview, named by its informants' codes and its date, with variables.
- The document register's documents, and the guide versions, as text sources (their text in
  `sources/`), the documents with their metadata as variables.
- Field notes and reflexive memos as notes, each linked to its case, for those who may read them
  in the app (not analysts). Informants' names written in them are replaced by their codes
  (best effort: write codes, not names, in notes).
- No users and no codes: coding starts in the analysis program.
- Always English, whatever the exporting user's language or `?header=` asks (unlike the CSV and
  XLSX files, fieldwork.exports.columns): each variable's GUID is made from its name, so a
  translated name would be another variable to the analysis program on a re-import.

Every GUID is a UUID5 of the object in a namespace of the study (its base URL), so an export made
again gives the same GUIDs and an analysis program can match a re-import to what it has.

The XML is written as the rows are read, like the other exports (downloads.py): each element in
the schema's order (Variables, Cases, Sources, Notes, Links, Description) straight into the zip
entry, which compresses it as it comes, so memory stays flat however many interviews there are.
The zip is written to a temporary file (its index comes last) and then sent in chunks.
"""

import re
import tempfile
import uuid
import zipfile
from datetime import date, timedelta
from itertools import groupby
from operator import attrgetter, itemgetter

from flask import current_app
from sqlalchemy import func, or_, select

from ..documents.models import document_interview
from ..database import utcnow
from ..downloads import read_only, stream_rows
from ..extensions import db
from ..guides.formats import markdown_body
from ..guides.models import Guide, GuideVersion, VersionStatus
from ..informants.models import Informant
from ..interviews.models import Interview, interview_informant
from ..timeutil import to_local
from . import risk, services
from .variables import CASE_VARIABLES, DOCUMENT_VARIABLES, LEFT_OUT
from .xmlstream import XmlWriter, xml_text

NS = "urn:QDA-XML:project:1.0"
MIMETYPE = "application/zip"
_CHUNK_BYTES = 256 * 1024
# Interviews by when they began (as held, else as planned), so a day's cases come together.
_STARTED = func.coalesce(Interview.actual_started_at, Interview.starts_at)
_INTERVIEW_ORDER = (_STARTED, Interview.id)

class Guids:
    """Stable GUIDs: the same object gets the same GUID in every export of this study."""

    def __init__(self, base_url):
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, base_url.rstrip("/") + "/refi-qda")

    def __call__(self, kind, key):
        return str(uuid.uuid5(self.namespace, f"{kind}:{key}"))


class CaseNames:
    """Case names, each given once: a second interview of the same informants on the same day
    gets "#2". Cases come in the order they began, so only the latest days' names are kept (the
    day before too: a clock set back over midnight can start a later case on the day before)."""

    def __init__(self):
        self.day, self.counts = None, {}

    def __call__(self, codes, day):
        if self.day is None or day > self.day:
            self.day = day
            self.counts = {key: n for key, n in self.counts.items()
                           if key[1] >= day - timedelta(days=1)}
        self.counts[(codes, day)] = n = self.counts.get((codes, day), 0) + 1
        name = f"{codes} {day.isoformat()}"
        return name if n == 1 else f"{name} #{n}"


def write_project(archive, criteria, *, variant, k, secret, base_url, study_name, now,
                  with_notes=True):
    """Write the project into `archive` (a zipfile.ZipFile open for writing): `project.qde`
    for the cases `criteria` chooses, then the sources' texts, each as its rows are read; the
    interviews' field notes and memos only `with_notes`. Call it in one snapshot of the study
    (downloads.read_only)."""
    guid = Guids(base_url)
    versions = _guide_versions()
    # Without ZIP64 (which not every program reads) an entry holds 2 GiB: at about 3 KB a case,
    # some 700,000 interviews. Past that zipfile raises an error rather than write a broken file.
    with archive.open("project.qde", "w") as entry:
        xml = XmlWriter(entry)
        _write_project_xml(xml, criteria, versions=versions, guid=guid, variant=variant, k=k,
                           secret=secret, study_name=study_name, now=now, with_notes=with_notes)
        xml.flush()
    # A zip is written one entry at a time, and project.qde comes first: the register is read
    # again here for the texts (a few statements) rather than held until then.
    for v in versions:
        archive.writestr(f"sources/{guid('guide-version', v.id)}.txt",
                         _guide_text(v).encode("utf-8"))
    for d in services.document_rows():
        archive.writestr(f"sources/{guid('document', _document_id(d))}.txt",
                         _document_text(d).encode("utf-8"))


def _guide_versions():
    """Guide versions (not drafts): the text the interviewers asked from. A study has a few."""
    return db.session.execute(
        select(GuideVersion.id, GuideVersion.number, GuideVersion.content,
               GuideVersion.content_sha256, GuideVersion.change_note, Guide.title)
        .join(Guide, Guide.id == GuideVersion.guide_id)
        .where(GuideVersion.status != VersionStatus.DRAFT)
        .order_by(Guide.title, GuideVersion.number)).all()


def _guide_text(v):
    return f"# {v.title}, version {v.number}\n\n" + markdown_body(v.content)


def _document_id(row):
    return int(row[0][1:])  # "D12"


def _document_text(row):
    (_key, title, doc_type, organisation, level, issued_on, reference, status, themes,
     _interviews, _informants, doc_notes) = row
    return "\n".join(line for line in (
        title, "", f"Type: {doc_type}", f"Issued by: {organisation}",
        f"Governance level: {level}", f"Date: {issued_on.isoformat() if issued_on else ''}",
        f"Reference: {reference}", f"Status: {status}", f"Themes: {themes}", "",
        doc_notes or "")) + "\n"


def _write_project_xml(xml, criteria, *, versions, guid, variant, k, secret, study_name, now,
                       with_notes):
    cells, shown = _risk(criteria, variant, k)
    with_identities = variant == services.IDENTIFIED
    created = now.replace(microsecond=0).isoformat()

    xml.declaration()
    xml.start("Project", {"xmlns": NS, "name": xml_text(study_name), "origin": "fieldwork",
                          "creationDateTime": created})
    xml.within("Variables")
    variable_guid = {}
    for name, kind, description in CASE_VARIABLES + DOCUMENT_VARIABLES:
        if name in LEFT_OUT[variant]:
            continue
        variable_guid[name] = guid("variable", name)
        xml.start("Variable", {"guid": variable_guid[name], "name": name,
                               "typeOfVariable": kind})
        xml.element("Description", text=description)
        xml.end("Variable")
    kinds = {name: kind for name, kind, _ in CASE_VARIABLES + DOCUMENT_VARIABLES}

    def value(name, data):
        if data in (None, "") or name not in variable_guid:
            return
        kind = kinds[name]
        if kind == "Boolean":
            text = "true" if data else "false"
        elif isinstance(data, date):
            text = data.isoformat()
        else:
            text = xml_text(data)
        xml.start("VariableValue")
        xml.element("VariableRef", {"targetGUID": variable_guid[name]})
        xml.element(f"{kind}Value", text=text)
        xml.end("VariableValue")

    # Cases: rows per informant in an interview, by interview, grouped here into one case per
    # interview, with the register's documents linked to it read beside them in the same order.
    version_guid = {(v.title, v.number): guid("guide-version", v.id) for v in versions}
    rows = services.stream_rows(services._case_query(
        criteria, with_identities=with_identities,
        order=(*_INTERVIEW_ORDER, Informant.id)))
    interviews = services.merge_lists(groupby(rows, key=attrgetter("interview_id")),
                                      itemgetter(0), _document_links(criteria))
    case_name = CaseNames()
    for (interview_id, members), [document_ids] in interviews:
        members = list(members)
        first = members[0]
        code_of = _codes(members, variant, secret)
        started = first.actual_started_at or first.starts_at
        day = to_local(started).date()
        name = case_name(" + ".join(code_of[m.informant_id] for m in members), day)
        xml.within("Cases")
        xml.start("Case", {"guid": guid("interview", interview_id), "name": xml_text(name)})
        xml.element("Description", text=f"Interview I{interview_id}")

        def joined(values):
            return "; ".join(dict.fromkeys(v for v in values if v))

        if variant == services.COARSENED:
            levels = joined(shown[m.informant_id][0] for m in members)
            groups = joined(shown[m.informant_id][1] for m in members)
            marks = "level and role group withheld: too few informants even when merged" \
                if any(shown[m.informant_id][0] == risk.WITHHELD for m in members) else ""
        else:
            levels = joined(m.governance_level.value for m in members)
            groups = ""
            marks = joined(
                f"{code_of[m.informant_id]}: "
                f"{cells.mark(m.organisation, m.governance_level.value, m.role)}"
                for m in members if cells.mark(m.organisation, m.governance_level.value, m.role))
        duration = first.actual_duration_minutes or int(
            (first.ends_at - first.starts_at).total_seconds() // 60)
        for variable, data in (
                ("Organisation", joined(m.organisation for m in members)),
                ("Governance level", levels),
                ("Role", joined(m.role for m in members)),
                ("Role group", groups),
                ("Guide", first.guide), ("Guide version", first.guide_version),
                ("Guide hash", first.content_sha256), ("Mode", first.mode.value),
                ("Date", day), ("Duration (minutes)", duration),
                ("Transcript stage", first.transcript_status.value),
                ("Interview status", first.status.value),
                ("Informants in interview", first.group_size),
                ("Consent to quotation", all(m.may_quote for m in members)),
                ("Consent to recording", all(m.may_record for m in members)),
                ("Re-identification risk", marks),
                *zip(services.COVERAGE_COLUMNS, services.coverage_values(first)),
                *zip(services.QUOTE_COLUMNS, services.quote_values(
                    ";".join(m.quote_states for m in members if m.quote_states))),
                ("Informant names", joined(m.name for m in members) if with_identities else "")):
            value(variable, data)
        if (first.guide, first.guide_version) in version_guid:
            xml.element("SourceRef",
                        {"targetGUID": version_guid[(first.guide, first.guide_version)]})
        for document_id in document_ids:
            xml.element("SourceRef", {"targetGUID": guid("document", document_id)})
        xml.end("Case")

    # Sources: the guide versions, then the document register (the filters do not apply:
    # documents are not cases). Their texts follow project.qde in the zip.
    for v in versions:
        xml.within("Sources")
        xml.start("TextSource", {
            "guid": guid("guide-version", v.id), "name": xml_text(f"Guide: {v.title} v{v.number}"),
            "plainTextPath": f"internal://{guid('guide-version', v.id)}.txt"})
        xml.element("Description", text=xml_text(
            f"Interview guide version {v.number}. SHA-256 {v.content_sha256 or ''}. "
            f"{v.change_note or ''}".strip()))
        xml.end("TextSource")
    for d in services.document_rows():
        (key, title, doc_type, organisation, level, issued_on, reference, status, themes,
         *_) = d
        source_guid = guid("document", _document_id(d))
        xml.within("Sources")
        xml.start("TextSource", {"guid": source_guid, "name": xml_text(f"{key} {title}"),
                                 "plainTextPath": f"internal://{source_guid}.txt"})
        xml.element("Description", text=xml_text(f"Document {key} of the register"))
        for variable, data in (("Document type", doc_type), ("Issuing organisation", organisation),
                               ("Document governance level", level), ("Document date", issued_on),
                               ("Reference", reference), ("Document status", status),
                               ("Themes", themes)):
            value(variable, data)
        xml.end("TextSource")

    # Notes, each linked to its case. The links come after all the notes (the schema's order),
    # so they wait in a temporary file rather than in memory.
    if with_notes:
        with tempfile.TemporaryFile() as spool:
            links = XmlWriter(spool)
            for interview_id, field_notes, memo, replacements in _notes(criteria, variant,
                                                                       secret):
                for kind, text in (("field notes", field_notes), ("reflexive memo", memo)):
                    if not (text or "").strip():
                        continue
                    if not with_identities:
                        text = _scrub(text, replacements)
                    note_guid = guid(f"note:{kind}", interview_id)
                    xml.within("Notes")
                    xml.start("Note", {"guid": note_guid,
                                       "name": f"{kind.capitalize()}, interview I{interview_id}"})
                    xml.element("PlainTextContent", text=xml_text(text))
                    xml.end("Note")
                    links.within("Links")
                    links.element("Link", {
                        "guid": guid("link", note_guid), "name": kind, "direction": "OneWay",
                        "originGUID": note_guid, "targetGUID": guid("interview", interview_id)})
            links.within(None)
            links.flush()
            xml.within(None)
            xml.copy_from(spool)
    xml.within(None)
    xml.element("Description", text=xml_text(
        f"Variant: {variant}. {services.variant_text(variant, k)}. Minimum cell size k = {k}. "
        + ("" if with_notes else "Field notes and memos left out: not for analysts. ")
        + f"Exported {created} by fieldwork."))
    xml.end("Project")


def _risk(criteria, variant, k):
    """The small cells, and for the coarsened variant what each informant shows instead (one
    pair per informant: the one part that grows with the study, by its informants)."""
    if variant == services.COARSENED:
        people = services.people_in(criteria)
        return risk.SmallCells(people, k), risk.coarsen(people, k)
    return risk.SmallCells(services.people_in(criteria, streamed=True), k), {}


def _codes(members, variant, secret):
    return {m.informant_id: (risk.opaque_code(secret, m.informant_id)
                             if variant == services.COARSENED else m.code)
            for m in members}


def _document_links(criteria):
    """(interview id, document id) for the interviews among the cases, in the cases' order."""
    cases = services._cases(criteria, interview_informant.c.interview_id).correlate(None)
    rows = stream_rows(
        select(document_interview.c.interview_id, document_interview.c.document_id)
        .join(Interview, Interview.id == document_interview.c.interview_id)
        .where(document_interview.c.interview_id.in_(cases))
        .order_by(*_INTERVIEW_ORDER, document_interview.c.document_id))
    return (tuple(row) for row in rows)


def _notes(criteria, variant, secret):
    """(interview id, field notes, memo, names to replace) for the interviews among the cases
    that have notes. The names are those of the interview's informants among the cases, as they
    may be written in notes: the whole name first, then each part."""
    rows = stream_rows(
        services._cases(criteria, Interview.id.label("interview_id"), Interview.field_notes,
                        Interview.reflexive_memo, Informant.id.label("informant_id"),
                        Informant.code, Informant.name)
        .where(or_(Interview.field_notes != "", Interview.reflexive_memo != ""))
        .order_by(Interview.id, Informant.id))
    for interview_id, members in groupby(rows, key=attrgetter("interview_id")):
        members = list(members)
        code_of = _codes(members, variant, secret)
        replacements = []
        for m in members:
            replacements.append((m.name, code_of[m.informant_id]))
            if variant == services.COARSENED:  # the study code spells organisation and role
                replacements.append((m.code, code_of[m.informant_id]))
            replacements += [(part, code_of[m.informant_id]) for part in m.name.split()
                             if len(part) > 2]
        yield interview_id, members[0].field_notes, members[0].reflexive_memo, replacements


def _scrub(text, replacements):
    for name, code in replacements:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", code, text)
    return text


def qdpx_chunks(criteria, *, variant, k, now, with_notes):
    """The .qdpx file as byte chunks, written in a read-only snapshot of the study."""
    config = current_app.config
    with tempfile.TemporaryFile() as file:
        def written():
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                write_project(archive, criteria, variant=variant, k=k,
                              secret=config["SECRET_KEY"], base_url=config["BASE_URL"],
                              study_name=config["STUDY_NAME"], now=now, with_notes=with_notes)
            yield file

        # One snapshot for all its queries, ended before the first byte is sent.
        list(read_only(written()))
        file.seek(0)
        while chunk := file.read(_CHUNK_BYTES):
            yield chunk


def export_project(criteria, *, by, with_identities=False, coarsened=False, now=None):
    """The study as a REFI-QDA project (.qdpx) as (chunks, mimetype), after its audit event is
    committed; identities only for admins, as for the case tables, notes not for analysts."""
    now = now or utcnow()
    with_identities = with_identities and getattr(by, "is_admin", True)
    variant = services.variant_of(with_identities=with_identities, coarsened=coarsened)
    k = services.min_cell_size()
    services.audit_export(criteria, by=by, now=now, file_format="qdpx", variant=variant, k=k)
    # Field notes and memos go to those who read them in the app, not to analysts.
    with_notes = getattr(by, "sees_identities", True)
    return (qdpx_chunks(criteria, variant=variant, k=k, now=now, with_notes=with_notes),
            MIMETYPE)
