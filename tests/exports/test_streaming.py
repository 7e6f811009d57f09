"""Every export is sent while it is written: a streamed response, its audit event committed before
the first byte (so it stays even if the download is cut short), a fixed number of statements
whatever the number of rows, no writer held back while it downloads, and no personal data in the
log or the error when it breaks off."""

import csv
import io
import logging
from datetime import date, datetime, timezone

import openpyxl
import pytest
from flask import Response
from sqlalchemy import func, insert, select

from fieldwork.audit.models import AuditEvent
from fieldwork.documents import services as documents
from fieldwork.downloads import DownloadInterrupted, send
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.spreadsheet import csv_chunks, write_csv
from tests import factories

# (address, audit action) of every export.
EXPORTS = [("/exports/interviews.csv", "interview.export"),
           ("/exports/interviews.xlsx", "interview.export"),
           ("/exports/interviews-identified.csv", "interview.export"),
           ("/exports/interviews-identified.xlsx", "interview.export"),
           ("/exports/documents.csv", "document.export"),
           ("/informants/export.csv", "informant.export")]


def add_informants(count):
    """`count` informants at one organisation and role, inserted in one statement."""
    organisation, role = factories.make_organisation(), factories.make_role()
    now = datetime.now(timezone.utc)
    db.session.execute(insert(Informant), [
        {"code": f"S{n:05d}", "name": f"Informant {n}", "email": f"s{n}@example.org",
         "organisation_id": organisation.id, "role_id": role.id, "job_title": "Rådgiver",
         "language": "nb", "status": "identified", "notes": "", "created_at": now,
         "updated_at": now} for n in range(count)])
    db.session.commit()


def events(action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.mark.parametrize("path,action", EXPORTS)
def test_every_export_is_streamed_and_audited_before_the_first_byte(app, client, login_as, path,
                                                                    action):
    """The audit event is committed when the response starts, even if the client reads nothing
    of it and goes away."""
    login_as("admin")
    factories.make_informant()
    response = client.get(path, buffered=False)
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    response.close()
    [event] = events(action)
    assert event.after["rows"] == (1 if path.startswith("/informants") else 0)


def test_a_client_that_stops_reading_mid_file_still_leaves_the_audit_event(app, client, login_as):
    add_informants(3000)  # about 150 KiB: more than one chunk
    login_as("coordinator")
    response = client.get("/informants/export.csv", buffered=False)
    first = next(response.response)
    assert first.startswith("\ufeffcode,".encode()) and len(first) < 150_000
    response.close()  # the browser went away
    [event] = events("informant.export")
    assert event.after["rows"] == 3000 and event.after["with_identities"] is True


def test_a_download_in_progress_holds_back_no_writer_and_reads_one_snapshot(app, client,
                                                                            login_as):
    """While a long CSV downloads, others can still save: the file holds the rows as they were
    when it began."""
    add_informants(3000)
    login_as("coordinator")
    response = client.get("/informants/export.csv", buffered=False)
    first = next(response.response)
    late = factories.make_informant(name="Late Comer")  # commits on its own connection
    text = (first + b"".join(response.response)).decode("utf-8-sig")
    response.close()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 1 + 3000
    assert late.code not in text
    assert db.session.scalar(select(func.count(Informant.id))) == 3001


def test_a_long_csv_comes_in_chunks_that_make_the_same_file():
    rows = [[f"Informant {n}", "=1+2", None, date(2026, 3, n % 28 + 1)] for n in range(2000)]
    chunks = list(csv_chunks(["name", "note", "empty", "date"], rows, chunk_size=4096))
    assert len(chunks) > 10 and all(len(c) < 4096 + 200 for c in chunks)
    assert "".join(chunks) == write_csv(["name", "note", "empty", "date"], rows)


def test_a_long_export_parses_back_whole_in_both_formats(app, client, login_as):
    """3,000 cases over many chunks: every row arrives once, in order, in CSV and in XLSX."""
    coordinator = factories.make_user(role="coordinator")
    version = factories.published_version(by=coordinator)
    add_informants(3000)
    informant_ids = db.session.scalars(select(Informant.id).order_by(Informant.code)).all()
    # One group interview of all of them: 3,000 cases in one query.
    interview = factories.make_interview(by=coordinator, guide_version=version,
                                         informants=[factories.make_informant()],
                                         send_invites=False)
    from fieldwork.interviews.models import interview_informant
    db.session.execute(insert(interview_informant), [
        {"interview_id": interview.id, "informant_id": i} for i in informant_ids])
    db.session.commit()
    login_as("analyst")
    text = client.get("/exports/interviews.csv?include=all").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert [r[0] for r in rows[1:] if r[0].startswith("S")] == [f"S{n:05d}" for n in range(3000)]
    assert len(rows) == 1 + 3001
    assert {r[14] for r in rows[1:]} == {"3001"}  # informants in the interview
    assert {(r[15], r[16]) for r in rows[1:]} == {("no", "no")}  # no consent given
    workbook = openpyxl.load_workbook(io.BytesIO(
        client.get("/exports/interviews.xlsx?include=all").get_data()), read_only=True)
    cells = [row[0] for row in workbook["Cases"].iter_rows(min_row=2, values_only=True)]
    assert cells == [r[0] for r in rows[1:]]


def test_document_register_takes_the_same_statements_for_one_document_or_many(app, client,
                                                                               login_as,
                                                                               count_queries):
    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant()
    interview = factories.make_interview(by=coordinator, informants=[informant],
                                         send_invites=False)
    login_as("analyst")

    def add(n):
        for k in range(n):
            documents.create_document({
                "title": f"Report {k}", "document_type": "white-paper", "organisation_id": "",
                "governance_level": "national", "issued_on": date(2025, 1, k + 1),
                "reference": "", "status": "analysed", "themes": f"Theme {k}, Shared",
                "notes": "", "informant_codes": informant.code,
                "interview_ids": str(interview.id)}, by=coordinator)

    def statements():
        with count_queries:
            text = client.get("/exports/documents.csv").get_data(as_text=True)
        return count_queries.count, len(text.splitlines()) - 1

    add(1)
    few, rows = statements()
    assert rows == 1
    add(30)
    many, rows = statements()
    assert rows == 31 and many == few


def test_an_error_mid_file_breaks_the_download_off_without_personal_data(app, caplog,
                                                                         monkeypatch):
    """Once the first bytes are sent the status cannot change: the download is broken off (never
    completed as if whole), and neither the error nor the log carries what the failing step held."""

    def rows():
        yield "\ufeffcode\r\nS00001\r\n"
        raise ValueError("duplicate key: name=Åse Øvrebø email=ase@example.org")

    # The migrations' logging set-up (run in this process by the fixtures) disables loggers.
    monkeypatch.setattr(logging.getLogger("fieldwork.downloads"), "disabled", False)
    with app.test_request_context("/exports/documents.csv"):
        response = send(rows(), filename="x.csv", mimetype="text/csv", name="documents")
    assert isinstance(response, Response) and response.is_streamed
    chunks = iter(response.response)
    with caplog.at_level(logging.ERROR):
        assert next(chunks) == "\ufeffcode\r\nS00001\r\n"
        with pytest.raises(DownloadInterrupted) as raised:
            next(chunks)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    said = str(raised.value) + caplog.text
    assert "documents" in said and "ValueError" in caplog.text
    for secret in ("Åse", "Øvrebø", "ase@example.org", "duplicate key"):
        assert secret not in said
