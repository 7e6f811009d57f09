"""The study as a REFI-QDA project: validated against the published schema with lxml, and read
back to check that every case, variable, source and note arrived; pseudonymised for everyone,
coarsened on request, identified for admins only; audit-logged; GUIDs stable between exports."""

import gc
import io
import tracemalloc
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import insert, select

from fieldwork import downloads
from fieldwork.audit.models import AuditEvent
from fieldwork.documents.models import Document, document_interview
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews import afterwards
from fieldwork.interviews.models import Interview, interview_informant
from tests import factories
from tests.exports.test_exports import AFTER, study  # noqa: F401 (a fixture)

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "refi" / "Project-mrt2019.xsd")))
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture
def project_study(study):  # noqa: F811 (the fixture imported above)
    from fieldwork.documents import services as documents

    user = study["coordinator"]
    afterwards.update_notes(study["second"], {
        "field_notes": "Åse Øvrebø and Bjørn spoke of the PACS rollout.",
        "reflexive_memo": "I led too much when Åse hesitated."}, by=user, now=AFTER)
    documents.create_document({
        "title": "National strategy for AI in diagnostics", "document_type": "strategy",
        "organisation_id": "", "governance_level": "national", "issued_on": date(2025, 6, 1),
        "reference": "ref-1", "status": "analysed", "themes": "Procurement",
        "notes": "Read with the board minutes.", "informant_codes": study["ase"].code,
        "interview_ids": str(study["first"].id)}, by=user)
    return study


def read_project(response):
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    project = etree.fromstring(archive.read("project.qde"))
    SCHEMA.assertValid(project)
    files = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    return project, files


def variables_of(project, element):
    names = {v.get("guid"): v.get("name") for v in project.iterfind("q:Variables/q:Variable", NS)}
    return {names[value.find("q:VariableRef", NS).get("targetGUID")]: value[1].text
            for value in element.iterfind("q:VariableValue", NS)}


def test_researcher_gets_a_valid_pseudonymised_project_that_reads_back(project_study, client,
                                                                      login_as):
    data = project_study
    researcher = login_as("researcher")
    project, files = read_project(client.get("/exports/project.qdpx"))
    ase, bjorn = data["ase"].code, data["bjorn"].code
    cases = {c.get("name"): c for c in project.iterfind("q:Cases/q:Case", NS)}
    # A case per conducted interview, named by its codes and its local date.
    assert set(cases) == {f"{ase} 2026-03-10", f"{ase} + {bjorn} 2026-03-29"}
    first = variables_of(project, cases[f"{ase} 2026-03-10"])
    assert first["Organisation"] == "VVHT" and first["Governance level"] == "local"
    assert first["Role"] == "Radiologist" and first["Guide version"] == "1"
    assert first["Guide hash"] == data["version"].content_sha256
    assert first["Mode"] == "video" and first["Date"] == "2026-03-10"
    assert first["Transcript stage"] == "coded" and first["Duration (minutes)"] == "55"
    assert (first["Consent to quotation"], first["Consent to recording"]) == ("true", "true")
    # Two informants, each alone in their organisation × role: both marked at k = 3.
    assert "organisation × role: 1 informant (under 3)" in first["Re-identification risk"]
    assert "Informant names" not in first
    group = variables_of(project, cases[f"{ase} + {bjorn} 2026-03-29"])
    assert group["Consent to quotation"] == "false"  # Bjørn's consent does not cover it
    assert group["Governance level"] == "local; national" and group["Informants in interview"] == "2"

    # Sources: the guide version and the document, their text in sources/.
    sources = {s.get("name"): s for s in project.iterfind("q:Sources/q:TextSource", NS)}
    [guide] = [s for name, s in sources.items() if name.startswith("Guide: ")]
    [document] = [s for name, s in sources.items() if "National strategy" in name]
    for source in (guide, document):
        path = source.get("plainTextPath").removeprefix("internal://")
        assert f"sources/{path}" in files
    assert "Read with the board minutes." in files[
        "sources/" + document.get("plainTextPath").removeprefix("internal://")]
    document_values = variables_of(project, document)
    assert document_values["Document type"] == "Strategy"
    assert document_values["Document date"] == "2025-06-01"
    assert document_values["Themes"] == "Procurement"
    refs = {r.get("targetGUID") for r in cases[f"{ase} 2026-03-10"].iterfind("q:SourceRef", NS)}
    assert refs == {guide.get("guid"), document.get("guid")}

    # Notes, linked to their case, with the names replaced by codes.
    notes = {n.get("guid"): n for n in project.iterfind("q:Notes/q:Note", NS)}
    assert len(notes) == 2
    group_guid = cases[f"{ase} + {bjorn} 2026-03-29"].get("guid")
    links = list(project.iterfind("q:Links/q:Link", NS))
    assert {(link.get("originGUID"), link.get("targetGUID")) for link in links} == {
        (guid, group_guid) for guid in notes}
    texts = [n.find("q:PlainTextContent", NS).text for n in notes.values()]
    assert f"{ase} and {bjorn} spoke of the PACS rollout." in texts
    # No users, no codes: the analysis program starts the coding.
    assert project.find("q:Users", NS) is None and project.find("q:CodeBook", NS) is None
    assert "pseudonymised" in project.find("q:Description", NS).text
    everything = "".join(files.values())
    for secret in ("Åse", "Øvrebø", "Bjørn", "@example.org", "91234567", "Overlege"):
        assert secret not in everything

    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "interview.export")).all()
    assert event.actor_id == researcher.id
    assert event.after["format"] == "qdpx" and event.after["variant"] == "pseudonymised"
    assert event.after["rows"] == 3


def test_analyst_gets_the_project_without_notes(project_study, client, login_as):
    login_as("analyst")
    project, files = read_project(client.get("/exports/project.qdpx"))
    assert len(project.findall("q:Cases/q:Case", NS)) == 2
    assert project.find("q:Notes", NS) is None and project.find("q:Links", NS) is None
    assert "PACS" not in "".join(files.values())
    assert "Field notes and memos left out" in project.find("q:Description", NS).text


def test_guids_are_the_same_in_a_second_export(project_study, client, login_as):
    login_as("researcher")

    def guids():
        project, _ = read_project(client.get("/exports/project.qdpx"))
        return sorted(e.get("guid") for e in project.iter() if e.get("guid"))

    first = guids()
    assert len(first) == len(set(first)) > 8
    assert guids() == first


def test_coarsened_project_names_neither_organisation_nor_role(project_study, client, login_as):
    data = project_study
    login_as("analyst")
    project, files = read_project(client.get("/exports/project-coarsened.qdpx"))
    everything = "".join(files.values())
    for told in (data["ase"].code, data["bjorn"].code, "Radiologist", "Åse"):
        assert told not in everything
    variables = {v.get("name") for v in project.iterfind("q:Variables/q:Variable", NS)}
    assert "Role group" in variables and not {"Organisation", "Role"} & variables
    # Two informants in all, k = 3: nothing can be merged to 3, so both are withheld.
    for case in project.iterfind("q:Cases/q:Case", NS):
        values = variables_of(project, case)
        assert values["Governance level"] == "withheld" and values["Role group"] == "withheld"
        assert case.get("name").startswith("P-")
    assert "Variant: coarsened" in project.find("q:Description", NS).text


def test_only_admins_get_the_project_with_identities(project_study, client, login_as, app):
    for role in ("analyst", "researcher", "coordinator"):
        other = app.test_client()
        factories.log_client_in(other, factories.make_user(role=role))
        assert other.get("/exports/project-identified.qdpx").status_code == 403
    login_as("admin")
    project, _ = read_project(client.get("/exports/project-identified.qdpx"))
    names = {variables_of(project, c)["Informant names"]
             for c in project.iterfind("q:Cases/q:Case", NS)}
    assert names == {"Åse Øvrebø", "Åse Øvrebø; Bjørn Berg"}
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "interview.export")).all()
    assert event.after["variant"] == "identified" and event.after["with_identities"] is True


def test_a_study_without_interviews_still_gives_a_valid_project(app, client, login_as):
    login_as("analyst")
    project, files = read_project(client.get("/exports/project.qdpx"))
    assert project.find("q:Cases", NS) is None
    assert list(files) == ["project.qde"] or all(
        f == "project.qde" or f.startswith("sources/") for f in files)


def test_project_takes_a_fixed_number_of_queries(app, count_queries):
    from datetime import datetime, timedelta

    from fieldwork.exports import qdpx, services
    from tests.exports.test_exports import BEFORE, OSLO

    coordinator = factories.make_user(role="coordinator")
    version = factories.published_version(by=coordinator)
    factories.make_consent_form("nb", by=coordinator)
    added = []

    def add(n):
        for _ in range(n):
            start = datetime(2026, 3, 10, 9, 0, tzinfo=OSLO) + timedelta(days=len(added))
            informants = [factories.make_informant(), factories.make_informant()]
            for informant in informants:
                factories.give_consent(informant, by=coordinator, now=BEFORE)
            interview = factories.make_interview(
                by=coordinator, guide_version=version, start=start, now=BEFORE,
                informants=informants)
            afterwards.mark_conducted(interview, by=coordinator, now=AFTER)
            afterwards.update_notes(interview, {"field_notes": "Notes.", "reflexive_memo": ""},
                                    by=coordinator, now=AFTER)
            added.append(interview)

    def queries():
        db.session.expire_all()
        written = io.BytesIO()
        with count_queries, zipfile.ZipFile(written, "w") as archive:
            qdpx.write_project(
                archive, services.ExportFilter(), variant="pseudonymised", k=3, secret="s",
                base_url="http://example.org", study_name="Study", now=AFTER)
        project = zipfile.ZipFile(written).read("project.qde")
        SCHEMA.assertValid(etree.fromstring(project))
        return count_queries.count, etree.fromstring(project).findall("q:Cases/q:Case", NS)

    add(2)
    few, cases = queries()
    assert len(cases) == 2
    add(5)
    many, cases = queries()
    assert len(cases) == 7
    assert few == many


def add_conducted_interviews(count, *, version, first_day):
    """`count` informants, each in a conducted interview with notes that name them (a few a
    day from `first_day`), and a document linked to every tenth: inserted in a few statements."""
    organisation, role = factories.make_organisation(), factories.make_role()
    now = datetime.now(timezone.utc)
    start = datetime(first_day.year, first_day.month, first_day.day, 8, tzinfo=timezone.utc)
    informant_ids = db.session.scalars(insert(Informant).returning(Informant.id), [
        {"code": f"M{first_day:%m%d}{n:04d}", "name": f"Kari Nordmann{n}",
         "email": f"m{first_day:%m%d}{n}@example.org", "organisation_id": organisation.id,
         "role_id": role.id, "job_title": "", "language": "nb", "status": "interviewed",
         "notes": "", "created_at": now, "updated_at": now} for n in range(count)]).all()
    starts = [start + timedelta(days=n // 4, hours=n % 4) for n in range(count)]
    interview_ids = db.session.scalars(insert(Interview).returning(Interview.id), [
        {"uid": f"memory-{first_day}-{n}@example.org", "sequence": 0, "starts_at": starts[n],
         "ends_at": starts[n] + timedelta(hours=1), "mode": "video",
         "guide_version_id": version.id, "language": "nb", "status": "conducted",
         "created_at": now, "updated_at": now, "transcript_status": "coded",
         "actual_started_at": starts[n], "actual_duration_minutes": 55,
         "field_notes": f"Kari Nordmann{n} spoke of the PACS rollout at length. " * 8,
         "reflexive_memo": f"I led too much when Nordmann{n} hesitated."}
        for n in range(count)]).all()
    db.session.execute(insert(interview_informant), [
        {"interview_id": i, "informant_id": informant} for i, informant
        in zip(interview_ids, informant_ids)])
    document_ids = db.session.scalars(insert(Document).returning(Document.id), [
        {"title": f"Board minutes {first_day} {n}", "document_type": "board-minutes",
         "governance_level": "regional", "reference": "", "status": "obtained",
         "notes": "Read with the strategy. " * 20, "created_at": now, "updated_at": now}
        for n in range(count // 10)]).all()
    db.session.execute(insert(document_interview), [
        {"document_id": d, "interview_id": i} for d, i in zip(document_ids, interview_ids[::10])])
    db.session.commit()


def test_project_memory_stays_flat_as_the_study_grows(app, monkeypatch):
    """Python's peak allocations while the project is written: with four times the interviews
    (and their notes and documents) the peak grows by far less than four times, since the XML
    is written as the rows come, a few rows at a time here."""
    from fieldwork.exports import qdpx, services

    monkeypatch.setattr(downloads, "BATCH_ROWS", 20)
    coordinator = factories.make_user(role="coordinator")
    version = factories.published_version(by=coordinator)

    def peak():
        chunks, _ = qdpx.export_project(services.ExportFilter(), by=coordinator, now=AFTER)
        db.session.expire_all()
        gc.collect()
        tracemalloc.start()
        try:
            size = sum(len(chunk) for chunk in chunks)
            return tracemalloc.get_traced_memory()[1], size
        finally:
            tracemalloc.stop()

    add_conducted_interviews(100, version=version, first_day=date(2026, 1, 5))
    peak()  # statements compiled and cached once, as in a running server
    small, small_size = peak()
    add_conducted_interviews(300, version=version, first_day=date(2026, 2, 9))
    large, large_size = peak()
    assert large_size > 3 * small_size  # the file does grow with the study
    assert large < 1.5 * small, (small, large)
