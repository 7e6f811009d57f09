"""CSV export of the filtered informant list: identities only for those who manage them, safe to
open in a spreadsheet, and every export in the audit log."""

import csv
import io

import pytest
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.extensions import db
from fieldwork.informants.exporting import (IDENTITY_COLUMNS, PSEUDONYMISED_COLUMNS,
                                            export_informants)
from fieldwork.informants.services import InformantFilter
from fieldwork.spreadsheet import read_csv, safe_cell, write_csv
from tests import factories

EXPORT = "/informants/export.csv"
ALL_COLUMNS = list(PSEUDONYMISED_COLUMNS) + list(IDENTITY_COLUMNS)


def parse(response):
    """The exported CSV as the csv module reads it: (header, rows as dicts)."""
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:], newline="")))
    return rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]


def export_events():
    db.session.commit()  # see what the request committed
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "informant.export")
                              .order_by(AuditEvent.id)).all()


@pytest.fixture
def people(app):
    """Two informants in Vestre Viken, one in Helse Tromsø."""
    vv = factories.make_organisation(name="Vestre Viken HF", code="VV", level="local")
    ht = factories.make_organisation(name="Helse Nord RHF", code="HN", level="regional")
    rad = factories.make_role(name="Radiolog", code="RAD")
    return {
        "vv": vv, "ht": ht, "rad": rad,
        "ase": factories.make_informant(vv, rad, name="Åse Ødegård", email="ase@example.org",
                                        phone="91234567", job_title="Overlege", status="agreed"),
        "bjorn": factories.make_informant(vv, rad, name="Bjørn Ærø", email="bjorn@example.org",
                                          phone="+47 412 34 567", job_title="Seksjonsleder"),
        "kari": factories.make_informant(ht, rad, name="Kari Nordmann", email="kari@example.org",
                                         job_title="Fagdirektør", status="agreed"),
    }


IDENTITY_VALUES = ("Åse Ødegård", "Ødegård", "ase@example.org", "Bjørn Ærø", "bjorn@example.org",
                   "Kari Nordmann", "kari@example.org", "91234567", "41234567", "Overlege",
                   "Seksjonsleder", "Fagdirektør")


# --- Who sees identities -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_get_identity_columns(app, client, login_as, people, role):
    """Those who manage informants get name, email, phone and job title with the codes."""
    login_as(role)

    header, rows = parse(client.get(EXPORT))

    assert header == ALL_COLUMNS
    ase = next(row for row in rows if row["code"] == people["ase"].code)
    assert ase == {"code": "VV-RAD-01", "organisation": "VV", "governance_level": "local",
                   "role": "Radiolog", "status": "agreed", "language": "nb",
                   "name": "Åse Ødegård", "email": "ase@example.org",
                   "phone": "'+4791234567", "job_title": "Overlege"}
    assert sorted(row["code"] for row in rows) == ["HN-RAD-01", "VV-RAD-01", "VV-RAD-02"]


@pytest.mark.parametrize("role", ["researcher", "analyst"])
def test_researchers_and_analysts_get_no_identities_anywhere(app, client, login_as, people, role):
    """The export for researchers and analysts has codes only: no name, email or phone at all."""
    login_as(role)

    response = client.get(EXPORT)

    header, rows = parse(response)
    assert header == list(PSEUDONYMISED_COLUMNS)
    assert sorted(row["code"] for row in rows) == ["HN-RAD-01", "VV-RAD-01", "VV-RAD-02"]
    everything = response.get_data(as_text=True) + str(response.headers)
    for value in IDENTITY_VALUES:
        assert value not in everything


def test_researcher_export_sorted_by_name_is_sorted_by_code(app, client, login_as, people):
    """A file without names sorted by name would leak the names' order; it is sorted by code."""
    login_as("researcher")

    _, rows = parse(client.get(EXPORT, query_string={"sort": "name", "order": "desc"}))

    assert [row["code"] for row in rows] == ["VV-RAD-02", "VV-RAD-01", "HN-RAD-01"]


def test_analyst_cannot_sort_by_name(app, client, login_as, people):
    """Name is not a sort choice for analysts: 400, and nothing is exported or recorded."""
    login_as("analyst")

    response = client.get(EXPORT, query_string={"sort": "name"})

    assert response.status_code == 400
    assert "Åse" not in response.get_data(as_text=True)
    assert export_events() == []


def test_export_requires_login(app, client, people):
    """Someone not logged in is sent to the login page and gets no data."""
    response = client.get(EXPORT)

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert export_events() == []


# --- Filters and search --------------------------------------------------------------------------

def test_organisation_and_status_filters_apply(app, client, login_as, people):
    """The export holds what the filtered list shows: organisation and status narrow it."""
    login_as("coordinator")

    _, by_organisation = parse(client.get(EXPORT, query_string={"organisation": people["vv"].id}))
    _, by_status = parse(client.get(EXPORT, query_string={"status": "agreed"}))
    _, by_both = parse(client.get(EXPORT, query_string={"organisation": people["vv"].id,
                                                        "status": "agreed"}))

    assert sorted(r["name"] for r in by_organisation) == ["Bjørn Ærø", "Åse Ødegård"]
    assert sorted(r["name"] for r in by_status) == ["Kari Nordmann", "Åse Ødegård"]
    assert [r["name"] for r in by_both] == ["Åse Ødegård"]


def test_governance_level_filter_applies(app, client, login_as, people):
    """Filtering by governance level exports only informants from such organisations."""
    login_as("analyst")

    _, rows = parse(client.get(EXPORT, query_string={"level": "regional"}))

    assert [r["code"] for r in rows] == ["HN-RAD-01"]


def test_search_text_from_the_session_applies(app, client, login_as, people):
    """The free-text search typed on the list (kept in the session) narrows the export too."""
    login_as("coordinator")
    client.post("/informants/search", data={"q": "NORDMANN"})

    _, rows = parse(client.get(EXPORT))

    assert [r["name"] for r in rows] == ["Kari Nordmann"]


def test_search_ignores_case_of_norwegian_letters(app, client, login_as, people):
    """Searching “ødegård” finds Åse Ødegård, as searching “nordmann” finds Nordmann."""
    login_as("coordinator")
    client.post("/informants/search", data={"q": "ødegård"})

    _, rows = parse(client.get(EXPORT))

    assert [r["name"] for r in rows] == ["Åse Ødegård"]


def test_researcher_search_by_name_applies_to_the_export(app, client, login_as, people):
    """A researcher sees names in the list, so their name search narrows their (code-only) export."""
    login_as("researcher")
    client.post("/informants/search", data={"q": "Nordmann"})

    _, rows = parse(client.get(EXPORT))

    assert [r["code"] for r in rows] == [people["kari"].code]


def test_analyst_search_matches_codes_only(app, client, login_as, people):
    """An analyst's search matches codes, never names they may not see."""
    login_as("analyst")
    client.post("/informants/search", data={"q": "Nordmann"})
    _, by_name = parse(client.get(EXPORT))
    client.post("/informants/search", data={"q": "hn-rad"})
    _, by_code = parse(client.get(EXPORT))

    assert by_name == []
    assert [r["code"] for r in by_code] == ["HN-RAD-01"]


def test_invalid_filter_is_refused_and_not_logged(app, client, login_as, people):
    """A filter value that is not a choice gets 400, and no export is recorded."""
    login_as("coordinator")

    response = client.get(EXPORT, query_string={"status": "bogus"})

    assert response.status_code == 400
    assert export_events() == []


# --- Formula injection, encoding and headers ------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://x")', "@SUM(A1)", "+47-1", "-2+3"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_cells_that_look_like_formulas_get_a_leading_apostrophe(app, client, login_as, people, text):
    """A name or job title starting with =, +, - or @ is exported as text, not as a formula."""
    factories.make_informant(people["vv"], people["rad"], name=text, job_title=text,
                             email="formula@example.org")
    login_as("coordinator")

    _, rows = parse(client.get(EXPORT))

    [row] = [row for row in rows if row["email"] == "formula@example.org"]
    assert row["name"] == "'" + text
    assert row["job_title"] == "'" + text


def test_formula_after_a_semicolon_is_neutralised_too(app, client, login_as, people):
    """Norwegian Excel splits cells at semicolons, so a formula after one gets an apostrophe."""
    factories.make_informant(people["vv"], people["rad"], name="Kari Nordkapp",
                             job_title="Leder;=cmd|' /C calc'!A0", email="semi@example.org")
    login_as("coordinator")

    _, rows = parse(client.get(EXPORT))

    [row] = [row for row in rows if row["email"] == "semi@example.org"]
    assert row["job_title"] == "Leder;'=cmd|' /C calc'!A0"


def test_export_is_utf8_with_bom_as_an_attachment(app, client, login_as, people):
    """Excel needs the BOM to show æøå; the browser must download the file, not display it."""
    login_as("coordinator")

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8")
    assert "Åse Ødegård" in text and "Bjørn Ærø" in text
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename=informants.csv" in disposition


def test_an_empty_result_still_has_the_header(app, client, login_as, people):
    """A filter matching nobody exports the header line only."""
    login_as("researcher")
    client.post("/informants/search", data={"q": "no such person"})

    header, rows = parse(client.get(EXPORT))

    assert header == list(PSEUDONYMISED_COLUMNS) and rows == []


def test_export_runs_the_same_number_of_queries_for_many_informants(app, client, login_as, people,
                                                                    count_queries):
    """Organisation and role come with the informants, not one query per row."""
    login_as("coordinator")
    with count_queries:
        client.get(EXPORT).get_data()
    few = count_queries.count
    for _ in range(5):
        factories.make_informant(people["ht"], people["rad"])

    with count_queries:
        client.get(EXPORT).get_data()

    assert count_queries.count == few


def test_export_service_never_gives_identities_to_who_may_not_see_them(app, people):
    """Even if a caller asks for identities, an analyst's export has codes only."""
    analyst = factories.make_user("analyst")

    text = "".join(export_informants(InformantFilter(), by=analyst, with_identities=True))

    assert text.splitlines()[0] == "\ufeff" + ",".join(PSEUDONYMISED_COLUMNS)
    assert not any(value in text for value in IDENTITY_VALUES)
    [event] = export_events()
    assert event.after["with_identities"] is False


# --- Audit ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,with_identities", [("coordinator", True), ("admin", True),
                                                  ("researcher", False), ("analyst", False)])
def test_every_export_is_audited(app, client, login_as, people, role, with_identities):
    """Each export records who, how many rows, and whether identities were included."""
    user = login_as(role)

    client.get(EXPORT)
    client.get(EXPORT, query_string={"organisation": people["vv"].id})

    first, second = export_events()
    assert (first.actor_id, first.actor_label) == (user.id, user.email)
    assert first.after == {"rows": 3, "with_identities": with_identities, "filtered": False}
    assert second.after == {"rows": 2, "with_identities": with_identities, "filtered": True}


def test_audit_event_does_not_hold_the_search_text(app, client, login_as, people):
    """The search text may be a name: the audit log notes that the export was filtered, not by what."""
    login_as("coordinator")
    client.post("/informants/search", data={"q": "Nordmann"})

    client.get(EXPORT)

    [event] = export_events()
    assert event.after == {"rows": 1, "with_identities": True, "filtered": True}
    assert event.before is None


# --- spreadsheet.safe_cell and write_csv --------------------------------------------------------------

@pytest.mark.parametrize("value", ["=1+2", "+47 912 34 567", "-5", "@SUM(A1)", "\tx", "\rx", "\nx",
                                   '=HYPERLINK("http://x","click")', "=", "@"])
def test_safe_cell_prefixes_formula_starts_with_an_apostrophe(value):
    """Cells a spreadsheet would run as a formula get a leading apostrophe, the rest unchanged."""
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [" =1+2", "  @SUM(A1)", "\u00a0=1+2", " \t-3"])
def test_safe_cell_looks_past_leading_spaces(value):
    """Leading spaces do not smuggle a formula past the check (some programs trim them)."""
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value,expected", [
    ("Åse Ødegård", "Åse Ødegård"), ("a=b", "a=b"), ("HT3-R4-01", "HT3-R4-01"), ("", ""),
    (None, ""), (42, "42"), ("'quoted", "'quoted"), ("x@example.org", "x@example.org"),
])
def test_safe_cell_leaves_ordinary_values_alone(value, expected):
    """Ordinary text, codes, emails and numbers are written as they are; None becomes empty."""
    assert safe_cell(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("a;=1+2", "a;'=1+2"), ("a; @SUM(A1)", "a; '@SUM(A1)"), ("=1;=2", "'=1;'=2"),
    ("a;b", "a;b"), ("a;", "a;"), ("a,=1+2", "a,=1+2"),
])
def test_safe_cell_neutralises_formulas_after_semicolons(value, expected):
    """What Norwegian Excel would read as a new cell starting with a formula is made text."""
    assert safe_cell(value) == expected


def test_safe_cell_prefixes_negative_numbers():
    """A negative number is a formula start too, and stays text in the export."""
    assert safe_cell(-5) == "'-5"


def test_write_csv_round_trips_separators_quotes_and_newlines():
    """Commas, semicolons, quotes and line breaks inside cells survive a read back."""
    text = write_csv(["name", "note"], [['Ola "Olsen", jr.', "a;b\r\nc"], ["Åse", None]])

    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert rows == [["name", "note"], ['Ola "Olsen", jr.', "a;b\r\nc"], ["Åse", ""]]


def test_exported_file_reads_back_through_the_importer_reader():
    """What the app writes, the app's own CSV reader reads (BOM and all)."""
    text = write_csv(["name", "organisation", "role"], [["Åse Ødegård", "VV", "RAD"]])

    header, rows = read_csv(text.encode("utf-8"))

    assert header == ["name", "organisation", "role"]
    assert rows == [(2, ["Åse Ødegård", "VV", "RAD"])]
