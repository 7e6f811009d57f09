"""The document register: record, describe, tag and link the documents of the document analysis.

Each change commits once, with its audit event. Themes are tags shared across documents: typing
a theme that exists (in any letter case) reuses it.
"""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import aggregates, audit
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..informants.models import Informant
from ..interviews.models import Interview
from ..organisations.models import GovernanceLevel, Organisation
from ..validation import clean_text, parse_whole_number, require_clean
from .models import (Document, DocumentStatus, DocumentType, Theme, document_theme)

MAX_THEMES = 20
_SEPARATORS = re.compile(r"[,;\n]")


def _choice(enum_class, message):
    """A rule that reads a member of `enum_class`; `message` (lazy) refuses anything else."""
    def clean(value):
        if isinstance(value, enum_class):
            return value
        try:
            return enum_class((value or "").strip())
        except ValueError:
            raise DomainError(str(message)) from None
    return clean


def _clean_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(_("Enter the date as YYYY-MM-DD.")) from None


def _clean_reference(value):
    value = clean_text(value, max_length=500, label=_l("Reference or URL"))
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE) and not re.match(
            r"^https?://\S+$", value, re.IGNORECASE):
        # A reference such as "Meld. St. 9 (2012–2013)" is text; a link must be a web address,
        # so no javascript: or data: link can reach the page.
        raise DomainError(_("A link must be a web address starting with https:// or http://."))
    return value


def parse_themes(value):
    """Theme names from "a, b; c" (or a list): trimmed, single-spaced, duplicates removed."""
    items = value if isinstance(value, (list, tuple)) else _SEPARATORS.split(value or "")
    names, seen = [], set()
    for item in items:
        name = " ".join(clean_text(item, max_length=80, label=_l("A theme")).split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    if len(names) > MAX_THEMES:
        raise DomainError(_("Give at most %(count)s themes.", count=MAX_THEMES))
    return names


def _codes(value):
    items = value if isinstance(value, (list, tuple)) else _SEPARATORS.split(value or "")
    return sorted({clean_text(item, max_length=32, label=_l("A code")).upper() for item in items} - {""})


def _interview_numbers(value):
    items = value if isinstance(value, (list, tuple)) else re.split(r"[\s,;]+", value or "")
    numbers = set()
    for item in items:
        item = str(item).strip().lstrip("#")
        if not item:
            continue
        try:
            numbers.add(parse_whole_number(item))
        except DomainError:
            raise DomainError(_("Interview numbers are whole numbers, such as 12, 15.")) from None
    return sorted(numbers)


DOCUMENT_RULES = {
    "title": lambda v: clean_text(v, max_length=300, required=True, label=_l("Title")),
    "document_type": _choice(DocumentType, _l("Choose a document type.")),
    "governance_level": _choice(GovernanceLevel, _l("Choose a governance level.")),
    "issued_on": _clean_date,
    "reference": _clean_reference,
    "status": _choice(DocumentStatus, _l("Choose a status.")),
    "notes": lambda v: clean_text(v, max_length=20_000, label=_l("Notes"), multiline=True),
    "themes": parse_themes,
    "informant_codes": _codes,
    "interview_ids": _interview_numbers,
}


def _organisation(value):
    if value in (None, "", 0):
        return None
    organisation = db.session.get(Organisation, int(value))
    if organisation is None:
        raise DomainError(_("Choose an organisation from the list."), field="organisation_id")
    return organisation


def _themes(names):
    """The Theme rows for these names, creating the missing ones (a tag typed once is reused)."""
    if not names:
        return []
    keys = [n.lower() for n in names]
    existing = {t.key: t for t in db.session.scalars(select(Theme).where(Theme.key.in_(keys)))}
    themes = []
    for name, key in zip(names, keys):
        theme = existing.get(key)
        if theme is None:
            theme = Theme(name=name, key=key)
            db.session.add(theme)
        themes.append(theme)
    return themes


def _informants(codes):
    rows = db.session.scalars(select(Informant).where(Informant.code.in_(codes))).all() if codes else []
    missing = sorted(set(codes) - {r.code for r in rows})
    if missing:
        # Codes are pseudonyms, not personal data, so naming them is safe.
        raise DomainError(ngettext("No informant has the code %(codes)s.",
                                   "No informant has the codes %(codes)s.", len(missing),
                                   codes=", ".join(missing)), field="informant_codes")
    return sorted(rows, key=lambda r: r.code)


def _interviews(numbers):
    rows = db.session.scalars(select(Interview).where(Interview.id.in_(numbers))).all() if numbers else []
    missing = sorted(set(numbers) - {r.id for r in rows})
    if missing:
        raise DomainError(ngettext("There is no interview number %(numbers)s.",
                                   "There are no interviews numbered %(numbers)s.", len(missing),
                                   numbers=", ".join(map(str, missing))), field="interview_ids")
    return sorted(rows, key=lambda r: r.id)


def _apply(document, values):
    cleaned = require_clean(values, DOCUMENT_RULES)
    organisation = _organisation(values.get("organisation_id"))
    informants = _informants(cleaned["informant_codes"])
    interviews = _interviews(cleaned["interview_ids"])
    for name in ("title", "document_type", "governance_level", "issued_on", "reference", "status",
                 "notes"):
        setattr(document, name, cleaned[name])
    document.organisation_id = organisation.id if organisation else None
    document.themes = _themes(cleaned["themes"])
    document.informants = informants
    document.interviews = interviews


def create_document(values, *, by, now=None):
    now = now or utcnow()
    document = Document(created_at=now, updated_at=now, created_by_id=getattr(by, "id", None),
                        themes=[], informants=[], interviews=[])
    _apply(document, values)
    db.session.add(document)
    db.session.flush()
    audit.record("document.create", by=by, entity=document, after=document.audit_snapshot(),
                 now=now)
    db.session.commit()
    return document


def update_document(document, values, *, by, now=None):
    """Change a document's description, themes and links; the audit event keeps what changed."""
    now = now or utcnow()
    before = document.audit_snapshot()
    _apply(document, values)
    db.session.flush()
    if audit.record_update("document.update", by=by, entity=document, before=before,
                           after=document.audit_snapshot(), now=now):
        document.updated_at = now
    db.session.commit()
    return document


# Reading


def form_values(document):
    """A document as the edit form shows it."""
    return {"title": document.title, "document_type": document.document_type.value,
            "organisation_id": document.organisation_id,
            "governance_level": document.governance_level.value,
            "issued_on": document.issued_on, "reference": document.reference,
            "status": document.status.value, "notes": document.notes,
            "themes": ", ".join(t.name for t in document.themes),
            "informant_codes": ", ".join(i.code for i in document.informants),
            "interview_ids": ", ".join(str(i.id) for i in document.interviews)}


@dataclass
class DocumentFilter:
    document_type: DocumentType | None = None
    organisation_id: int | None = None
    governance_level: GovernanceLevel | None = None
    status: DocumentStatus | None = None
    theme_id: int | None = None


def _with_links():
    return (selectinload(Document.organisation), selectinload(Document.themes),
            selectinload(Document.informants), selectinload(Document.interviews))


def document_query(criteria):
    """Documents matching the list's filters, newest first, with their organisation and themes
    loaded in a fixed number of queries."""
    query = (select(Document).options(selectinload(Document.organisation),
                                      selectinload(Document.themes))
             .order_by(Document.issued_on.desc().nulls_last(), Document.id.desc()))
    if criteria.document_type:
        query = query.where(Document.document_type == criteria.document_type)
    if criteria.organisation_id:
        query = query.where(Document.organisation_id == criteria.organisation_id)
    if criteria.governance_level:
        query = query.where(Document.governance_level == criteria.governance_level)
    if criteria.status:
        query = query.where(Document.status == criteria.status)
    if criteria.theme_id:
        query = query.where(Document.id.in_(select(document_theme.c.document_id)
                                            .where(document_theme.c.theme_id == criteria.theme_id)))
    return query


def get_document(document_id):
    """A document with its organisation, themes and links loaded (interviews with their
    informants, for the codes), or None."""
    return db.session.scalar(
        select(Document).where(Document.id == document_id)
        .options(*_with_links(), selectinload(Document.interviews)
                 .selectinload(Interview.informants)))


def theme_choices():
    """Every theme in use, as (id, name), with how many documents carry it. Counted once per
    version of the data (fieldwork.aggregates), not on every view of the list."""
    return aggregates.kept("theme_facet", None, _theme_choices)


def _theme_choices():
    rows = db.session.execute(
        select(Theme.id, Theme.name, func.count(document_theme.c.document_id))
        .join(document_theme, document_theme.c.theme_id == Theme.id)
        .group_by(Theme.id, Theme.name, Theme.key).order_by(Theme.key)).all()
    return [(row[0], f"{row[1]} ({row[2]})") for row in rows]


def documents_of_interview(interview_id):
    from .models import document_interview

    return db.session.scalars(
        select(Document).join(document_interview)
        .where(document_interview.c.interview_id == interview_id)
        .order_by(Document.title)).all()
