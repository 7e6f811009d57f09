"""Formula starts behind a line break or a semicolon inside a cell are neutralised in every CSV
and XLSX export (issue 13, item 8): read with `;` as the delimiter, as Norwegian Excel does, no
row and no cell may begin with a formula."""

import io
import re
from datetime import date

import openpyxl
import pytest

from fieldwork.exports.spreadsheets import write_xlsx
from fieldwork.spreadsheet import safe_cell, write_csv
from tests import factories

FORMULA_START = re.compile(r"^[^\S\r\n]*[=+\-@]")
HOSTILE = ["line\n=cmd|' /C calc'!A0", "line\r\n+1+2", "line\r-3", "a\n  @SUM(A1)",
           "a\n\t=1", "a;b\n=1;=2", "one\n\n=two"]


def starts_of_lines_and_parts(text):
    """Every line and every `;`-separated part, as a naive reader splitting on both would see."""
    return [part for line in re.split(r"\r\n|[\r\n]", text) for part in line.split(";")]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_cell_neutralises_a_formula_at_the_start_of_every_line(value):
    cell = safe_cell(value)
    assert not [part for part in starts_of_lines_and_parts(cell) if FORMULA_START.match(part)]
    assert cell.replace("'", "") == value.replace("'", "")  # only apostrophes were added


@pytest.mark.parametrize("value,expected", [
    ("note\n=cmd", "note\n'=cmd"), ("a\r\n-1", "a\r\n'-1"), ("a\n  @x", "a\n  '@x"),
    ("- one\n- two", "'- one\n'- two"), ("plain\ntext", "plain\ntext"), ("a\nb=c", "a\nb=c"),
])
def test_safe_cell_prefixes_each_risky_line_with_an_apostrophe(value, expected):
    assert safe_cell(value) == expected


def test_csv_read_with_semicolons_starts_no_row_or_cell_with_a_formula():
    text = write_csv(["Notes"], [[value] for value in HOSTILE])
    # Excel with `;` as delimiter, ignoring quotes, is the worst case: every physical line a row.
    for part in starts_of_lines_and_parts(text.lstrip("\ufeff")):
        assert not FORMULA_START.match(part.lstrip('"')), part


def test_xlsx_cells_neutralise_every_line():
    workbook = openpyxl.load_workbook(io.BytesIO(write_xlsx(["Notes"], [[v] for v in HOSTILE],
                                                            sheet_title="Data")))
    cells = [row[0] for row in workbook["Data"].iter_rows(min_row=2, values_only=True)]
    for cell in cells:
        assert not [p for p in starts_of_lines_and_parts(cell) if FORMULA_START.match(p)]


def test_document_register_neutralises_a_formula_behind_a_line_break(app, client, login_as):
    from fieldwork.documents import services as documents

    coordinator = factories.make_user(role="coordinator")
    documents.create_document({
        "title": "Board minutes", "document_type": "white-paper", "organisation_id": "",
        "governance_level": "national", "issued_on": date(2026, 1, 5), "reference": "",
        "status": "analysed", "themes": "", "notes": "line\n=cmd|' /C calc'!A0",
        "informant_codes": "", "interview_ids": ""}, by=coordinator)
    login_as("analyst")
    response = client.get("/exports/documents.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    assert "line\n'=cmd|" in text
    for part in starts_of_lines_and_parts(text):
        assert not FORMULA_START.match(part.lstrip('"')), part
