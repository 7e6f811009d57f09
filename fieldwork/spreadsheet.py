"""Reading CSV files as people's spreadsheets write them, and writing ones that are safe to open."""

import csv
import io
import re

from .errors import DomainError

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


# A line inside a cell counts too: read with a semicolon as the delimiter (as Norwegian Excel does)
# a quoted cell's line break can start a new row, and a semicolon a new cell, so "note\n=cmd|..."
# or "Leder;=cmd|..." would put a formula at the start of one. Spaces and tabs are looked past.
_FORMULA_AFTER_BREAK = re.compile(r"(\r\n|[\r\n;])([^\S\r\n]*)(?=[=+\-@\x00])")


def safe_cell(value):
    """Neutralise spreadsheet formula injection (OWASP): prefix risky cells with an apostrophe,
    and every line or semicolon-separated part inside the cell that starts like a formula.

    Leading spaces are looked past, since some programs trim them before deciding.
    """
    if value is None:
        return ""
    text = str(value)
    text = _FORMULA_AFTER_BREAK.sub(r"\1\2'", text)
    if text.startswith(_FORMULA_PREFIXES) or text.lstrip().startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(header, rows):
    """CSV text with a BOM, so Excel opens æøå correctly, and every cell made safe."""
    return "".join(csv_chunks(header, rows))


def csv_chunks(header, rows, *, chunk_size=64 * 1024):
    """The text of `write_csv`, written row by row and given out in pieces of about
    `chunk_size` characters: any number of rows takes the memory of one piece."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        if buffer.tell() >= chunk_size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def read_csv(raw, *, max_rows=50_000):
    """Header and rows of an uploaded CSV file: UTF-8 with or without BOM, comma or semicolon.

    Returns (header, [(line_number, [cells])]) and skips rows with nothing in them. A row's line
    number is the one it starts on, even after a cell that spans several lines.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.") from None
    if "\x00" in text:
        raise DomainError("The file is not a CSV text file.")
    first_line = text.split("\n", 1)[0]
    # Norwegian Excel writes semicolons, because the comma is the decimal separator there.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise DomainError("The file is empty: the first line must name the columns.")
        rows = []
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise DomainError(f"The file has more than {max_rows} rows; split it into parts.")
            rows.append((line, cells))
    except csv.Error as error:
        raise DomainError(f"The file could not be read as CSV near line {reader.line_num}: {error}.") from None
    return [cell.strip() for cell in header], rows
