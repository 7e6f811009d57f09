"""CSV import of informants: upload, preview with per-row errors, confirm; all rows or none."""

import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..database import refresh_statistics, utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..organisations.models import Organisation, Role
from ..spreadsheet import read_csv
from ..validation import clean_fields
from .models import Informant, InformantImport
from .services import INFORMANT_RULES, allocate_codes, code_prefix

COLUMNS = ("name", "email", "phone", "organisation", "role", "job_title", "language", "status",
           "notes")
REQUIRED_COLUMNS = ("name", "organisation", "role")
STAGED_IMPORT_LIFETIME = timedelta(hours=2)


@dataclass
class ImportRow:
    line: int
    values: dict
    errors: dict = field(default_factory=dict)


@dataclass
class ImportPreview:
    rows: list

    @property
    def error_rows(self):
        return [row for row in self.rows if row.errors]

    @property
    def is_valid(self):
        return bool(self.rows) and not self.error_rows


def _normalise_header(name):
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _key(text):
    """How a code or name in the file is matched: NFC (files from a Mac may be NFD), any case."""
    return unicodedata.normalize("NFC", (text or "").strip()).casefold()


def _lookup(model):
    """Organisations or roles by code and by name, both case-insensitive. Should one's name be
    another's code, the code wins, whatever order the database returns them in."""
    objects = db.session.scalars(select(model)).all()
    table = {_key(obj.name): obj for obj in objects}
    table.update({_key(obj.code): obj for obj in objects})
    return table


def _column_names(header):
    """The header's normalised column names, or DomainError naming every problem with them."""
    names = [_normalise_header(h) for h in header]
    while names and not names[-1]:  # Excel writes trailing separators after the last column
        names.pop()
    header = header[:len(names)]
    if not any(n in COLUMNS for n in names):
        # Most likely a file without a header line: do not echo its first row (personal data).
        raise DomainError(_("The first line must name the columns, but none of its cells is a "
                            "column name. Expected columns: %(columns)s.",
                            columns=", ".join(COLUMNS)))
    nameless = [str(i + 1) for i, n in enumerate(names) if not n]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    unknown = [h for h, n in zip(header, names) if n and n not in COLUMNS]
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    problems = []
    if missing:
        problems.append(_("missing column(s): %(columns)s", columns=", ".join(missing)))
    if unknown:
        problems.append(_("unknown column(s): %(columns)s", columns=", ".join(unknown)))
    if duplicated:
        problems.append(_("repeated column(s): %(columns)s", columns=", ".join(duplicated)))
    if nameless:
        problems.append(_("column %(number)s has no name", number=nameless[0])
                        if len(nameless) == 1
                        else _("columns %(numbers)s have no name", numbers=", ".join(nameless)))
    if problems:
        raise DomainError(_("The header line is not right (%(problems)s). Expected columns: "
                            "%(columns)s.", problems="; ".join(problems),
                            columns=", ".join(COLUMNS)))
    return names


def preview_import(raw):
    """Parse and check every row of a CSV file against the same rules as the form."""
    header, raw_rows = read_csv(raw)
    names = _column_names(header)
    if not raw_rows:
        raise DomainError(_("The file has a header but no informants."))

    organisations, roles = _lookup(Organisation), _lookup(Role)
    rows = []
    for line, cells in raw_rows:
        raw_values = {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names)}
        row = ImportRow(line=line, values={})
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
            row.errors["row"] = _("This row has more cells than the header has columns.")
        cleaned, errors = clean_fields(raw_values, INFORMANT_RULES)
        row.errors.update(errors)
        organisation = organisations.get(_key(raw_values.get("organisation")))
        role = roles.get(_key(raw_values.get("role")))
        if organisation is None:
            row.errors["organisation"] = _("Unknown organisation: use its code or name.")
        if role is None:
            row.errors["role"] = _("Unknown role: use its code or name.")
        row.values = {**cleaned, "organisation": organisation, "role": role}
        rows.append(row)
    _check_emails(rows)
    return ImportPreview(rows=rows)


def _check_emails(rows):
    """Refuse an email that repeats within the file or already belongs to an informant."""
    first_line = {}
    for row in rows:
        email = row.values.get("email")
        if not email or "email" in row.errors:
            continue
        if email in first_line:
            row.errors["email"] = _("The same email address is on line %(line)s.",
                                    line=first_line[email])
        else:
            first_line[email] = row.line
    emails = list(first_line)
    existing = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start:start + 500]
        for email, code in db.session.execute(
                select(Informant.email, Informant.code).where(Informant.email.in_(chunk))):
            existing[email] = code
    for row in rows:
        email = row.values.get("email")
        if email in existing and "email" not in row.errors:
            row.errors["email"] = _("This email address already belongs to informant %(code)s.",
                                    code=existing[email])


def stage_import(raw, *, by, now=None):
    """Keep an uploaded file until it is confirmed; returns (staged id, preview).

    A file with errors is not kept (the id is None): it can never be confirmed, and it holds
    personal data.
    """
    now = now or utcnow()
    preview = preview_import(raw)
    # Staged files hold personal data: drop any that were never confirmed.
    db.session.execute(delete(InformantImport).where(
        InformantImport.created_at < now - STAGED_IMPORT_LIFETIME))
    staged_id = None
    if preview.is_valid:
        staged_id = secrets.token_urlsafe(32)
        db.session.add(InformantImport(id=staged_id, created_by_id=by.id, created_at=now,
                                       content=raw.decode("utf-8-sig")))
    db.session.commit()
    return staged_id, preview


_NOT_AVAILABLE = _l("This import has expired or was already done. Upload the file again.")


def _not_available():
    return NotAllowed(str(_NOT_AVAILABLE))


def _take_staged_import(staged_id, *, by, now):
    """Remove the uploader's unexpired staged file and return its content, in the caller's
    transaction. Two confirms of one file cannot both get it: the second DELETE waits for the
    first transaction and then finds nothing."""
    if not staged_id:
        raise _not_available()
    content = db.session.scalar(
        delete(InformantImport)
        .where(InformantImport.id == staged_id, InformantImport.created_by_id == by.id,
               InformantImport.created_at >= now - STAGED_IMPORT_LIFETIME)
        .returning(InformantImport.content)
        .execution_options(synchronize_session=False))
    if content is None:
        db.session.rollback()
        raise _not_available()
    return content


def _refusal(preview, limit=3):
    lines = []
    for row in preview.error_rows[:limit]:
        lines += [_("Line %(line)s (%(column)s): %(message)s", line=row.line, column=column,
                    message=message) for column, message in row.errors.items()]
    more = len(preview.error_rows) - limit
    if more > 0:
        lines.append(_("… and %(count)s more row(s).", count=more))
    return _("%(count)s row(s) have errors; nothing was imported. %(details)s",
             count=len(preview.error_rows), details=" ".join(lines))


def confirm_import(staged_id, *, by, now=None):
    """Create every informant of a staged file in one transaction, or none if any row is wrong."""
    now = now or utcnow()
    content = _take_staged_import(staged_id, by=by, now=now)
    # Checked again: another coordinator may have registered one of these emails meanwhile.
    preview = preview_import(content.encode("utf-8"))
    if not preview.is_valid:
        db.session.rollback()  # the staged file stays as it was
        raise NotAllowed(_refusal(preview))
    by_prefix = defaultdict(list)
    for row in preview.rows:
        by_prefix[code_prefix(row.values["organisation"], row.values["role"])].append(row)
    records = []
    for prefix, rows in by_prefix.items():
        for row, code in zip(rows, allocate_codes(prefix, len(rows))):
            v = row.values
            records.append({
                "code": code, "name": v["name"], "email": v["email"], "phone": v["phone"],
                "organisation_id": v["organisation"].id, "role_id": v["role"].id,
                "job_title": v["job_title"], "language": v["language"], "status": v["status"],
                "notes": v["notes"], "created_at": now, "updated_at": now,
            })
    try:
        created = db.session.execute(insert(Informant).returning(Informant.id, Informant.code),
                                     records)
        ids = {code: ident for ident, code in created}
    except IntegrityError:
        # An email was registered between the check above and the insert.
        db.session.rollback()
        raise NotAllowed(_("One of these email addresses was registered by someone else just "
                           "now; nothing was imported. Confirm again to see which row.")) from None
    for record in records:
        snapshot = {**record, "language": record["language"].value, "status": record["status"].value}
        del snapshot["created_at"], snapshot["updated_at"]
        audit.record("informant.create", by=by, entity_type="informant",
                     entity_id=ids[record["code"]], after=snapshot, now=now)
    refresh_statistics("informant", "organisation", "role")
    db.session.commit()
    return len(records)
