"""Tables written as CSV or XLSX, every text cell made safe against formula injection."""

import io
from datetime import date

from ..spreadsheet import safe_cell, write_csv

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(header, rows, *, sheet_title):
    """An XLSX workbook with one sheet: a header row, then the rows. Numbers and dates stay
    numbers and dates; text goes through the same formula guard as the CSV files."""
    from openpyxl import Workbook  # here, not at import: most processes never write one

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, (int, float, date)) and not isinstance(value, bool):
        return value
    return safe_cell(value)


def write_table(header, rows, *, file_format, sheet_title="Data"):
    """(body, mimetype) for `file_format` "csv" or "xlsx"."""
    if file_format == "xlsx":
        return write_xlsx(header, rows, sheet_title=sheet_title), XLSX_MIMETYPE
    return write_csv(header, rows), CSV_MIMETYPE  # write_csv writes None as an empty cell
