"""Tables written as CSV or XLSX, row by row, every text cell made safe against formula injection.

XLSX is written with XlsxWriter in `constant_memory` mode: each row goes to a temporary file as
soon as it is written, so a workbook of any length takes the memory of one row. (openpyxl's
`write_only` mode does the same but builds a cell object per value and was several times slower;
openpyxl stays a test dependency, to read the workbooks back as an analyst's program would.) A
workbook is a zip whose index comes last, so it is complete on disk before its first byte is sent.
"""

import tempfile
from datetime import date, datetime

from ..spreadsheet import csv_chunks, safe_cell

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK_BYTES = 256 * 1024


def xlsx_chunks(header, rows, *, sheet_title, about=None, about_title="About"):
    """An XLSX workbook with one sheet, as byte chunks: a header row, then the rows. Numbers and
    dates stay numbers and dates; text goes through the same formula guard as the CSV files.
    `about`, (label, value) pairs, makes a first sheet `about_title` that says what the file is."""
    import xlsxwriter  # imported by the processes that write a workbook, not by every one

    with tempfile.TemporaryFile() as file:
        # Nothing a cell holds is ever read as a formula, a link or a number: text stays text.
        workbook = xlsxwriter.Workbook(file, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False})
        dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
        if about:
            # Written in full first: constant_memory writes each sheet's rows in order.
            first = workbook.add_worksheet(about_title)
            for number, (label, value) in enumerate(about):
                first.write_string(number, 0, safe_cell(label))
                first.write_string(number, 1, safe_cell(value))
        sheet = workbook.add_worksheet(sheet_title)
        for column, title in enumerate(header):
            sheet.write_string(0, column, safe_cell(title))
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float, date)):
                    sheet.write_string(number, column, safe_cell(value))
                elif isinstance(value, date) and not isinstance(value, datetime):
                    sheet.write_datetime(number, column, value, dates)
                else:
                    sheet.write_number(number, column, value)
        workbook.close()
        file.seek(0)
        while chunk := file.read(_CHUNK_BYTES):
            yield chunk


def write_xlsx(header, rows, *, sheet_title):
    """The whole workbook as bytes (for small tables)."""
    return b"".join(xlsx_chunks(header, rows, sheet_title=sheet_title))


def table_chunks(header, rows, *, file_format, sheet_title="Data", about=None,
                 about_title="About"):
    """(chunks, mimetype) for `file_format` "csv" or "xlsx"; CSV writes None as an empty cell and
    dates as ISO text, which NVivo and QualCoder read the same in every locale. `about` becomes
    an XLSX file's first sheet (a CSV file says what it is in its own columns)."""
    if file_format == "xlsx":
        return xlsx_chunks(header, rows, sheet_title=sheet_title, about=about,
                           about_title=about_title), XLSX_MIMETYPE
    return csv_chunks(header, _as_text_dates(rows)), CSV_MIMETYPE


def _as_text_dates(rows):
    for row in rows:
        yield [v.isoformat() if isinstance(v, date) else v for v in row]
