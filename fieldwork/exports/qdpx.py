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

Every GUID is a UUID5 of the object in a namespace of the study (its base URL), so an export made
again gives the same GUIDs and an analysis program can match a re-import to what it has.
The XML is built in memory with ElementTree: a study of this kind has hundreds of interviews, not
millions; the zip is then written to a temporary file and sent in chunks.
"""

import re
import tempfile
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import false, select

from ..documents.models import document_interview
from ..database import utcnow
from ..downloads import read_only
from ..extensions import db
from ..guides.formats import markdown_body
from ..guides.models import Guide, GuideVersion, VersionStatus
from ..interviews.models import Interview
from ..timeutil import to_local
from . import risk, services

NS = "urn:QDA-XML:project:1.0"
MIMETYPE = "application/zip"
_CHUNK_BYTES = 256 * 1024
# Characters XML 1.0 cannot hold (a pasted note may carry them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# (name, type, description): the case variables, in the order an analyst sees them.
CASE_VARIABLES = (
    ("Organisation", "Text", "issuing organisation's short code (pseudonymised and identified)"),
    ("Governance level", "Text", "national, regional, local, vendor or research"),
    ("Role", "Text", "the informant's role (pseudonymised and identified)"),
    ("Role group", "Text", ("clinical, management and governance, technical and legal, vendor "
                            "or other roles (coarsened)")),
    ("Guide", "Text", "title of the interview guide"),
    ("Guide version", "Integer", "number of the guide version used"),
    ("Guide hash", "Text", "SHA-256 of the guide version's content: the exact text asked"),
    ("Mode", "Text", "in-person, video or phone"),
    ("Date", "Date", "the interview's date in the study's time zone"),
    ("Duration (minutes)", "Integer", "actual duration where recorded, else as planned"),
    ("Transcript stage", "Text", ("where the transcript is: none, in-progress, transcribed, "
                                  "checked, pseudonymised or coded")),
    ("Interview status", "Text", "conducted, or still planned when all interviews are chosen"),
    ("Informants in interview", "Integer", "more than one: a group interview"),
    ("Consent to quotation", "Boolean", "every informant's consent covers direct quotation"),
    ("Consent to recording", "Boolean", "every informant's consent covers audio recording"),
    ("Re-identification risk", "Text", ("a small cell (fewer than k informants) an informant "
                                        "of this case is in; empty: none")),
    ("Questions covered", "Integer", "guide questions the interview covered fully"),
    ("Questions partly covered", "Integer", "guide questions it covered in part"),
    ("Questions not reached", "Integer", "guide questions it did not reach"),
    ("Question coverage", "Text", ("question key=all, some or not-reached, for each question "
                                   "recorded, separated by semicolons")),
    ("Quotes usable", "Integer", ("quotes the informants approved in their member check, as "
                                  "said or in their own edited wording: only these may be "
                                  "published")),
    ("Quote states", "Text", ("how many of the interview's quotes are in each member-check "
                              "state: draft (not asked yet), requested (waiting), approved, "
                              "edited, refused, no-answer (deadline passed), cancelled "
                              "(withdrawn from the study); e.g. approved=2; refused=1")),
    ("Informant names", "Text", "identified export only: personal data"),
)
DOCUMENT_VARIABLES = (
    ("Document type", "Text", "white paper, strategy, plan, board minutes ..."),
    ("Issuing organisation", "Text", "short code of the organisation that issued it"),
    ("Document governance level", "Text", "the level the document speaks for"),
    ("Document date", "Date", "date of issue"),
    ("Reference", "Text", "where the document is found (URL, archive reference)"),
    ("Document status", "Text", "identified, obtained or analysed"),
    ("Themes", "Text", "themes of the document analysis, separated by semicolons"),
)
_LEFT_OUT = {
    services.PSEUDONYMISED: {"Role group", "Informant names"},
    services.COARSENED: {"Organisation", "Role", "Informant names"},
    services.IDENTIFIED: {"Role group", "Re-identification risk"},
}


def _q(tag):
    return f"{{{NS}}}{tag}"


def _text(value):
    return _NOT_XML.sub("", str(value))


class Guids:
    """Stable GUIDs: the same object gets the same GUID in every export of this study."""

    def __init__(self, base_url):
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, base_url.rstrip("/") + "/refi-qda")

    def __call__(self, kind, key):
        return str(uuid.uuid5(self.namespace, f"{kind}:{key}"))


def build_project(criteria, *, variant, k, secret, base_url, study_name, now, with_notes=True):
    """(project.qde bytes, {path in the zip: text}) for the cases `criteria` chooses; the
    interviews' field notes and memos only `with_notes`."""
    guid = Guids(base_url)
    people = services.people_in(criteria)
    cells = risk.SmallCells(people, k)
    shown = risk.coarsen(people, k) if variant == services.COARSENED else {}
    with_identities = variant == services.IDENTIFIED

    project = ET.Element(_q("Project"), {
        "name": _text(study_name), "origin": "fieldwork",
        "creationDateTime": now.replace(microsecond=0).isoformat()})
    variables = ET.SubElement(project, _q("Variables"))
    variable_guid = {}
    for name, kind, description in CASE_VARIABLES + DOCUMENT_VARIABLES:
        if name in _LEFT_OUT[variant]:
            continue
        variable_guid[name] = guid("variable", name)
        element = ET.SubElement(variables, _q("Variable"), {
            "guid": variable_guid[name], "name": name, "typeOfVariable": kind})
        ET.SubElement(element, _q("Description")).text = description

    def value(parent, name, kind, data):
        if data in (None, "") or name not in variable_guid:
            return
        element = ET.SubElement(parent, _q("VariableValue"))
        ET.SubElement(element, _q("VariableRef"), {"targetGUID": variable_guid[name]})
        if kind == "Boolean":
            text = "true" if data else "false"
        elif isinstance(data, date):
            text = data.isoformat()
        else:
            text = _text(data)
        ET.SubElement(element, _q(f"{kind}Value")).text = text

    kinds = {name: kind for name, kind, _ in CASE_VARIABLES + DOCUMENT_VARIABLES}
    files = {}
    sources = []  # TextSource elements, appended after the cases (the schema's order)

    # Guide versions (not drafts): the text the interviewers asked from.
    versions = db.session.execute(
        select(GuideVersion.id, GuideVersion.number, GuideVersion.content,
               GuideVersion.content_sha256, GuideVersion.change_note, Guide.title)
        .join(Guide, Guide.id == GuideVersion.guide_id)
        .where(GuideVersion.status != VersionStatus.DRAFT)
        .order_by(Guide.title, GuideVersion.number)).all()
    for v in versions:
        source_guid = guid("guide-version", v.id)
        path = f"{source_guid}.txt"
        files[path] = f"# {v.title}, version {v.number}\n\n" + markdown_body(v.content)
        source = ET.Element(_q("TextSource"), {
            "guid": source_guid, "name": _text(f"Guide: {v.title} v{v.number}"),
            "plainTextPath": f"internal://{path}"})
        ET.SubElement(source, _q("Description")).text = _text(
            f"Interview guide version {v.number}. SHA-256 {v.content_sha256 or ''}. "
            f"{v.change_note or ''}".strip())
        sources.append(source)

    # Cases: rows per informant in an interview, by interview; grouped here into one per
    # interview. Names are read in every variant, to take them out of the notes.
    rows = services.stream_rows(services._case_query(
        criteria, with_identities=True, order=services._COARSE_ORDER))
    interviews = {}
    for r in rows:
        interviews.setdefault(r.interview_id, []).append(r)
    notes = db.session.execute(
        select(Interview.id, Interview.field_notes, Interview.reflexive_memo)
        .where(Interview.id.in_(list(interviews)) if interviews and with_notes
               else false())).all()
    documents_of = defaultdict(list)
    for document_id, interview_id in db.session.execute(
            select(document_interview.c.document_id, document_interview.c.interview_id)):
        if interview_id in interviews:
            documents_of[interview_id].append(document_id)

    cases = ET.SubElement(project, _q("Cases"))
    note_elements, links, case_guid_of, names_used = [], [], {}, defaultdict(int)
    replacements_of = {}
    for interview_id, members in interviews.items():
        first = members[0]
        code_of = {m.informant_id: (risk.opaque_code(secret, m.informant_id)
                                    if variant == services.COARSENED else m.code)
                   for m in members}
        started = first.actual_started_at or first.starts_at
        day = to_local(started).date()
        name = f"{' + '.join(code_of[m.informant_id] for m in members)} {day.isoformat()}"
        names_used[name] += 1
        if names_used[name] > 1:
            name += f" #{names_used[name]}"
        case_guid = case_guid_of[interview_id] = guid("interview", interview_id)
        case = ET.SubElement(cases, _q("Case"), {"guid": case_guid, "name": _text(name)})
        ET.SubElement(case, _q("Description")).text = f"Interview I{interview_id}"

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
            value(case, variable, kinds[variable], data)
        version_guid = next((guid("guide-version", v.id) for v in versions
                             if v.number == first.guide_version and v.title == first.guide),
                            None)
        if version_guid:
            ET.SubElement(case, _q("SourceRef"), {"targetGUID": version_guid})
        for document_id in documents_of.get(interview_id, ()):
            ET.SubElement(case, _q("SourceRef"), {"targetGUID": guid("document", document_id)})

        # Names as they may be written in notes: the whole name first, then each part.
        replacements = []
        for m in members:
            replacements.append((m.name, code_of[m.informant_id]))
            if variant == services.COARSENED:  # the study code spells organisation and role
                replacements.append((m.code, code_of[m.informant_id]))
            replacements += [(part, code_of[m.informant_id]) for part in m.name.split()
                             if len(part) > 2]
        replacements_of[interview_id] = replacements

    for row in notes:
        for kind, text in (("field notes", row.field_notes), ("reflexive memo", row.reflexive_memo)):
            if not (text or "").strip():
                continue
            if not with_identities:
                text = _scrub(text, replacements_of[row.id])
            note_guid = guid(f"note:{kind}", row.id)
            note = ET.Element(_q("Note"), {"guid": note_guid,
                                           "name": f"{kind.capitalize()}, interview I{row.id}"})
            ET.SubElement(note, _q("PlainTextContent")).text = _text(text)
            note_elements.append(note)
            links.append((note_guid, case_guid_of[row.id], kind))

    # The document register (the filters do not apply: documents are not cases).
    for d in services.document_rows():
        (key, title, doc_type, organisation, level, issued_on, reference, status, themes,
         _interviews, _informants, doc_notes) = d
        document_id = int(key[1:])
        source_guid = guid("document", document_id)
        path = f"{source_guid}.txt"
        files[path] = "\n".join(line for line in (
            title, "", f"Type: {doc_type}", f"Issued by: {organisation}",
            f"Governance level: {level}", f"Date: {issued_on.isoformat() if issued_on else ''}",
            f"Reference: {reference}", f"Status: {status}", f"Themes: {themes}", "",
            doc_notes or "")) + "\n"
        source = ET.Element(_q("TextSource"), {
            "guid": source_guid, "name": _text(f"{key} {title}"),
            "plainTextPath": f"internal://{path}"})
        ET.SubElement(source, _q("Description")).text = _text(f"Document {key} of the register")
        for variable, data in (("Document type", doc_type), ("Issuing organisation", organisation),
                               ("Document governance level", level), ("Document date", issued_on),
                               ("Reference", reference), ("Document status", status),
                               ("Themes", themes)):
            value(source, variable, kinds[variable], data)
        sources.append(source)

    if not len(cases):
        project.remove(cases)
    if sources:
        ET.SubElement(project, _q("Sources")).extend(sources)
    if note_elements:
        ET.SubElement(project, _q("Notes")).extend(note_elements)
    if links:
        links_element = ET.SubElement(project, _q("Links"))
        for note_guid, case_guid, kind in links:
            ET.SubElement(links_element, _q("Link"), {
                "guid": guid("link", note_guid), "name": kind, "direction": "OneWay",
                "originGUID": note_guid, "targetGUID": case_guid})
    ET.SubElement(project, _q("Description")).text = _text(
        f"Variant: {variant}. {services.variant_text(variant, k)}. Minimum cell size k = {k}. "
        + ("" if with_notes else "Field notes and memos left out: not for analysts. ")
        + f"Exported {now.replace(microsecond=0).isoformat()} by fieldwork.")
    ET.register_namespace("", NS)
    return ET.tostring(project, encoding="utf-8", xml_declaration=True), files


def _scrub(text, replacements):
    for name, code in replacements:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", code, text)
    return text


def qdpx_chunks(criteria, *, variant, k, now, with_notes):
    """The .qdpx file as byte chunks, built in a read-only snapshot of the study."""
    config = current_app.config

    def built():
        yield build_project(criteria, variant=variant, k=k, secret=config["SECRET_KEY"],
                            base_url=config["BASE_URL"], study_name=config["STUDY_NAME"],
                            now=now, with_notes=with_notes)

    # One snapshot for all its queries, ended before the first byte is sent.
    [(project, files)] = list(read_only(built()))
    with tempfile.TemporaryFile() as file:
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", project)
            for path, text in files.items():
                archive.writestr(f"sources/{path}", text.encode("utf-8"))
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
