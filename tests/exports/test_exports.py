"""Exports for analysis: interview cases as CSV and XLSX, read back with `csv` and `openpyxl`;
pseudonymised for everyone, identities for admins only; audit-logged; formula-safe; a fixed
number of queries."""

import csv
import io
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.exports import services
from fieldwork.extensions import db
from fieldwork.interviews import afterwards
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")
BEFORE = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
AFTER = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def study(app):
    """Two informants at two organisations: Åse interviewed twice (the second time in a group
    with Bjørn, on the night the clocks go forward), and one interview still ahead."""
    coordinator = factories.make_user(role="coordinator")
    vvht = factories.make_organisation("Vestre Viken HT", "VVHT", "local")
    hod = factories.make_organisation("Helse- og omsorgsdepartementet", "HOD", "national")
    radiologist = factories.make_role("Radiologist", "RAD")
    manager = factories.make_role("=HYPERLINK(\"http://evil.example\")", "MGR")
    ase = factories.make_informant(vvht, radiologist, name="Åse Øvrebø", email="ase@example.org",
                                   phone="91234567", job_title="Overlege")
    bjorn = factories.make_informant(hod, manager, name="Bjørn Berg", email="bjorn@example.org")
    version = factories.published_version(by=coordinator)
    factories.make_consent_form("nb", by=coordinator)
    factories.give_consent(ase, by=coordinator, now=BEFORE)
    factories.give_consent(bjorn, {"direct_quotation": False}, by=coordinator, now=BEFORE)
    first = factories.make_interview(by=coordinator, informants=[ase], guide_version=version,
                                     start=datetime(2026, 3, 10, 9, 0, tzinfo=OSLO), now=BEFORE)
    # 00:30 on 29.03.2026 in Oslo is 23:30 UTC the day before.
    second = factories.make_interview(by=coordinator, informants=[ase, bjorn],
                                      guide_version=version, duration=90,
                                      start=datetime(2026, 3, 29, 0, 30, tzinfo=OSLO), now=BEFORE)
    ahead = factories.make_interview(by=coordinator, informants=[bjorn], guide_version=version,
                                     start=datetime(2026, 5, 1, 9, 0, tzinfo=OSLO), now=BEFORE)
    afterwards.mark_conducted(first, {"actual_duration_minutes": 55}, by=coordinator, now=AFTER)
    afterwards.mark_conducted(second, by=coordinator, now=AFTER)
    afterwards.set_transcript_status(first, "coded", by=coordinator, now=AFTER)
    return {"version": version, "first": first, "second": second, "ahead": ahead, "ase": ase,
            "bjorn": bjorn, "vvht": vvht, "coordinator": coordinator}


def read_csv(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(response, *, about="About", cases="Cases", variant="Variant"):
    """The cases sheet; `about`, `cases` and `variant` are the names the file uses (English
    unless the test asks for another language's column names)."""
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    # The first sheet says which variant the file is.
    assert workbook.sheetnames == [about, cases]
    facts = dict(workbook[about].iter_rows(values_only=True))
    assert facts[variant] in ("pseudonymised", "coarsened", "identified")
    return workbook[cases]


def test_analyst_gets_one_case_per_informant_in_interview_without_identities(study, client,
                                                                            login_as):
    login_as("analyst")
    rows = read_csv(client.get("/exports/interviews.csv"))
    header, cases = rows[0], rows[1:]
    assert header[0] == "Case"
    assert header == services.case_header("pseudonymised")
    ase, bjorn = study["ase"].code, study["bjorn"].code
    assert [c[0] for c in cases] == sorted([ase, f"{ase} #2", bjorn])
    by_case = {c[0]: dict(zip(header, c)) for c in cases}
    first = by_case[ase]
    assert first["Role"] == "Radiologist" and first["Organisation"] == "VVHT"
    assert first["Governance level"] == "local"
    assert first["Guide version"] == "1"
    assert first["Guide hash"] == study["version"].content_sha256 and len(first["Guide hash"]) == 64
    assert first["Date"] == "2026-03-10" and first["Duration (minutes)"] == "55"
    assert first["Mode"] == "video" and first["Transcript status"] == "coded"
    assert first["Informants in interview"] == "1"
    assert (first["Consent to quotation"], first["Consent to recording"]) == ("yes", "yes")
    assert (by_case[bjorn]["Consent to quotation"], by_case[bjorn]["Consent to recording"]) == (
        "no", "yes")
    group = by_case[f"{ase} #2"]
    assert group["Date"] == "2026-03-29"  # the local date, not the UTC one
    assert group["Duration (minutes)"] == "90" and group["Informants in interview"] == "2"
    assert group["Interview"] == by_case[bjorn]["Interview"]
    body = "\n".join(",".join(r) for r in rows)
    for secret in ("Åse", "Øvrebø", "Bjørn", "@example.org", "91234567", "Overlege"):
        assert secret not in body


def test_xlsx_holds_the_same_cases_with_numbers_and_dates(study, client, login_as):
    login_as("researcher")
    sheet = read_xlsx(client.get("/exports/interviews.xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == services.case_header("pseudonymised")
    first = next(dict(zip(rows[0], r)) for r in rows[1:] if r[0] == study["ase"].code)
    assert first["Date"].date() == date(2026, 3, 10)
    assert first["Duration (minutes)"] == 55
    assert len(rows) == 4


def test_exports_are_safe_against_formula_injection(study, client, login_as):
    """A role named like a formula arrives as text with an apostrophe in both formats."""
    login_as("analyst")
    rows = read_csv(client.get("/exports/interviews.csv"))
    roles = {r[3] for r in rows[1:]}
    assert "'=HYPERLINK(\"http://evil.example\")" in roles
    sheet = read_xlsx(client.get("/exports/interviews.xlsx"))
    cells = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert {cell.value for cell in cells} == {"Radiologist", "'=HYPERLINK(\"http://evil.example\")"}


def test_every_export_is_audit_logged_with_filters_and_row_count(study, client, login_as):
    analyst = login_as("analyst")
    organisation = study["vvht"].id
    client.get(f"/exports/interviews.xlsx?organisation={organisation}&date_from=2026-03-01")
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "interview.export")).all()
    assert event.actor_id == analyst.id
    assert event.after == {"format": "xlsx", "rows": 2, "with_identities": False,
                           "variant": "pseudonymised", "min_cell_size": 3, "filters": {"include": "conducted", "organisation_id": organisation,
                                       "date_from": "2026-03-01"}}


def test_filters_choose_the_interviews(study, client, login_as):
    login_as("analyst")
    everything = read_csv(client.get("/exports/interviews.csv?include=all"))
    assert len(everything) == 1 + 4  # the interview still ahead is a case too
    march = read_csv(client.get("/exports/interviews.csv?date_to=2026-03-28"))
    assert [r[0] for r in march[1:]] == [study["ase"].code]
    assert client.get("/exports/interviews.csv?date_from=yesterday").status_code == 400
    assert client.get("/exports/interviews.csv?include=cancelled").status_code == 400


def test_only_admins_get_the_export_with_identities(study, client, login_as, app):
    for role in ("analyst", "researcher", "coordinator"):
        other = app.test_client()
        factories.log_client_in(other, factories.make_user(role=role))
        assert other.get("/exports/interviews-identified.csv").status_code == 403
        assert b"identities" not in other.get("/exports/").data
    login_as("admin")
    rows = read_csv(client.get("/exports/interviews-identified.csv"))
    assert rows[0][-6:] == list(services.IDENTITY_COLUMNS) + ["Variant"]
    ase = next(dict(zip(rows[0], r)) for r in rows[1:] if r[0] == study["ase"].code)
    assert ase["Name"] == "Åse Øvrebø" and ase["Email"] == "ase@example.org"
    assert ase["Phone"] == "'+4791234567"  # a leading + would start a formula
    assert ase["Interviewers"] == study["coordinator"].name
    sheet = read_xlsx(client.get("/exports/interviews-identified.xlsx"))
    assert sheet.max_row == 4
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "interview.export").order_by(AuditEvent.id)).all()
    assert [e.after["with_identities"] for e in events] == [True, True]


def test_the_service_never_gives_identities_to_a_non_admin(study):
    researcher = factories.make_user(role="researcher")
    chunks, _ = services.export_interviews(services.ExportFilter(), by=researcher,
                                           file_format="csv", with_identities=True)
    body = "".join(chunks)
    assert "Åse" not in body and "Name" not in body.splitlines()[0]


def test_export_takes_a_fixed_number_of_queries(app, count_queries):
    coordinator = factories.make_user(role="coordinator")
    version = factories.published_version(by=coordinator)
    factories.make_consent_form("nb", by=coordinator)

    def add(n):
        for k in range(n):
            start = datetime(2026, 3, 10, 9, 0, tzinfo=OSLO) + timedelta(days=k)
            informants = [factories.make_informant(), factories.make_informant()]
            for informant in informants:
                factories.give_consent(informant, by=coordinator, now=BEFORE)
            interview = factories.make_interview(
                by=coordinator, guide_version=version, start=start, now=BEFORE,
                informants=informants)
            afterwards.mark_conducted(interview, by=coordinator, now=AFTER)

    def queries():
        db.session.expire_all()
        with count_queries:
            _, rows = services.interview_cases(services.ExportFilter(), with_identities=True)
            rows = list(rows)
        return count_queries.count, len(rows)

    add(2)
    few, rows = queries()
    assert rows == 4
    add(5)
    many, rows = queries()
    assert rows == 14
    assert few == many == 2  # cases (consent states joined in), interviewers


def test_document_register_as_csv_with_codes_not_names(study, client, login_as):
    from fieldwork.documents import services as documents

    user = study["coordinator"]
    documents.create_document({
        "title": "Meld. St. 9 (2012–2013) One inhabitant – one record", "document_type": "white-paper",
        "organisation_id": "", "governance_level": "national", "issued_on": date(2012, 12, 21),
        "reference": "https://www.regjeringen.no/no/dokumenter/meld-st-9-20122013/id708609/",
        "status": "analysed", "themes": "Health records, National coordination",
        "notes": "=cmd|' /C calc'!A0", "informant_codes": study["ase"].code,
        "interview_ids": str(study["first"].id)}, by=user)
    analyst = login_as("analyst")
    rows = read_csv(client.get("/exports/documents.csv"))
    assert rows[0] == list(services.DOCUMENT_COLUMNS)
    document = dict(zip(rows[0], rows[1]))
    assert document["Title"].startswith("Meld. St. 9") and document["Type"] == "White paper"
    assert document["Date"] == "2012-12-21" and document["Status"] == "analysed"
    assert document["Themes"] == "Health records; National coordination"
    assert document["Linked interviews"] == f"I{study['first'].id}"
    assert document["Linked informants"] == study["ase"].code
    assert document["Notes"].startswith("'=")
    assert "Åse" not in "".join(rows[1])
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.export")).all()
    assert event.actor_id == analyst.id and event.after == {"format": "csv", "rows": 1}
