"""An export's column names follow the exporting user's page language, or (`?header=machine`)
are the stable English keys, byte for byte the files of before; the cells are the same either
way, and an unknown choice is refused before anything is recorded."""

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.exports import columns, services
from fieldwork.extensions import db
from fieldwork.informants.exporting import IDENTITY_COLUMNS, PSEUDONYMISED_COLUMNS
from tests.exports.test_exports import read_csv, read_xlsx, study  # noqa: F401

CASES = "/exports/interviews.csv"
CASES_XLSX = "/exports/interviews.xlsx"
DOCUMENTS = "/exports/documents.csv"
INFORMANTS = "/informants/export.csv"
INFORMANT_KEYS = list(PSEUDONYMISED_COLUMNS) + list(IDENTITY_COLUMNS)


def bokmaal(keys):
    with force_locale("nb"):
        return [str(columns.LABELS[key]) for key in keys]


@pytest.fixture
def document(study):
    from fieldwork.documents import services as documents

    return documents.create_document({
        "title": "Nasjonal e-helsestrategi", "document_type": "strategy",
        "organisation_id": "", "governance_level": "national", "issued_on": None,
        "reference": "", "status": "obtained", "themes": "", "notes": "",
        "informant_codes": "", "interview_ids": ""}, by=study["coordinator"])


def test_case_csv_in_bokmaal_for_a_bokmaal_user(study, client, login_as):
    login_as("analyst", language="nb")
    rows = read_csv(client.get(CASES))
    keys = services.case_header("pseudonymised")
    assert rows[0] == bokmaal(keys)
    assert rows[0][:3] == ["Kasus", "Informantkode", "Intervju"]
    assert "Risiko for reidentifisering" in rows[0]
    # Only the names: the cells are those of the English file.
    english = read_csv(client.get(CASES + "?header=machine"))
    assert english[0] == keys and rows[1:] == english[1:]


def test_case_csv_in_english_for_an_english_user_is_the_machine_readable_file(
        study, client, login_as):
    login_as("analyst", language="en")
    in_language = client.get(CASES)
    machine = client.get(CASES + "?header=machine")
    assert read_csv(in_language)[0] == services.case_header("pseudonymised")
    assert in_language.data == machine.data


def test_machine_readable_names_are_the_english_keys_whatever_the_language(study, client,
                                                                           login_as):
    login_as("admin", language="nb")
    for path, variant in ((CASES, "pseudonymised"),
                          ("/exports/interviews-coarsened.csv", "coarsened"),
                          ("/exports/interviews-identified.csv", "identified")):
        assert read_csv(client.get(path + "?header=machine"))[0] == services.case_header(variant)
    sheet = read_xlsx(client.get(CASES_XLSX + "?header=machine"))
    assert list(next(sheet.iter_rows(values_only=True))) == \
        services.case_header("pseudonymised")


def test_case_xlsx_names_columns_and_sheets_in_the_users_language(study, client, login_as):
    login_as("researcher", language="nb")
    sheet = read_xlsx(client.get(CASES_XLSX), about="Om filen", cases="Kasus",
                      variant="Variant")
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == bokmaal(services.case_header("pseudonymised"))
    facts = dict(sheet.parent["Om filen"].iter_rows(values_only=True))
    assert facts["Variant"] == "pseudonymised"  # a cell: as before
    assert set(facts) == set(bokmaal(["Variant", "What it holds", "Minimum cell size (k)",
                                      "Cases"]))
    english = read_xlsx(client.get(CASES_XLSX + "?header=machine"))
    assert list(english.iter_rows(min_row=2, values_only=True)) == rows[1:]


def test_case_xlsx_in_english_for_an_english_user(study, client, login_as):
    login_as("researcher", language="en")
    sheet = read_xlsx(client.get(CASES_XLSX))
    assert list(next(sheet.iter_rows(values_only=True))) == \
        services.case_header("pseudonymised")


def test_document_register_names_follow_the_language(document, client, login_as):
    login_as("analyst", language="nb")
    rows = read_csv(client.get(DOCUMENTS))
    assert rows[0] == bokmaal(services.DOCUMENT_COLUMNS)
    assert rows[0][:3] == ["Dokument", "Tittel", "Type"]
    machine = read_csv(client.get(DOCUMENTS + "?header=machine"))
    assert machine[0] == list(services.DOCUMENT_COLUMNS)
    # The document type is a cell: English in both files.
    assert rows[1:] == machine[1:] and machine[1][2] == "Strategy"
    login_as("analyst", language="en")
    assert client.get(DOCUMENTS).data == client.get(DOCUMENTS + "?header=machine").data


def test_informant_list_names_follow_the_language(study, client, login_as):
    login_as("coordinator", language="nb")
    rows = read_csv(client.get(INFORMANTS))
    assert rows[0] == bokmaal(INFORMANT_KEYS)
    assert rows[0][:2] == ["Pseudonymkode", "Organisasjon"]
    machine = read_csv(client.get(INFORMANTS + "?header=machine"))
    assert machine[0] == INFORMANT_KEYS and rows[1:] == machine[1:]
    login_as("coordinator", language="en")
    english = client.get(INFORMANTS)
    assert read_csv(english)[0] == INFORMANT_KEYS
    assert english.data == client.get(INFORMANTS + "?header=machine").data


@pytest.mark.parametrize("path", [CASES, CASES_XLSX, DOCUMENTS, INFORMANTS])
def test_an_unknown_choice_is_refused_and_nothing_is_recorded(study, client, login_as, path):
    login_as("coordinator", language="en")
    response = client.get(path + "?header=norsk")
    assert response.status_code == 400
    assert b"header=language" in response.data and b"header=machine" in response.data
    assert b"norsk" not in response.data  # the value is not echoed
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action.like("%.export"))) == 0


def test_the_exports_page_offers_the_choice_in_the_users_language(client, login_as):
    login_as("analyst", language="nb")
    page = client.get("/exports/?header=machine").get_data(as_text=True)
    assert "Kolonnenavn" in page and "På mitt språk" in page
    assert '<option value="machine" selected>' in page
    assert 'name="header"' in page and 'form="filters"' in page
