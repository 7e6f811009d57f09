"""Consent form versions: drafts, activation (one active version per language), retirement.
An active or retired version never changes (database triggers hold that too)."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import audit
from ...database import utcnow
from ...errors import DomainError, NotAllowed
from ...extensions import db
from ...informants.models import Language
from ...validation import clean_text
from .. import files
from ..models import (
    PARTICIPATION,
    QUOTATION,
    RECONTACT,
    RECORDING,
    STANDARD_ITEMS,
    ConsentFormVersion,
    ConsentItem,
    FormStatus,
)

STANDARD_WORDING = {
    "nb": {
        PARTICIPATION: "Jeg har mottatt og forstått informasjon om prosjektet, og samtykker til "
                       "å delta i intervju.",
        RECORDING: "Jeg samtykker til at intervjuet tas opp på lyd.",
        QUOTATION: "Jeg samtykker til at det jeg sier kan siteres direkte i publikasjoner, "
                   "uten at jeg kan gjenkjennes.",
        RECONTACT: "Jeg samtykker til å bli kontaktet igjen for et oppfølgingsintervju.",
    },
    "en": {
        PARTICIPATION: "I have received and understood information about the project and "
                       "consent to take part in an interview.",
        RECORDING: "I consent to the interview being audio recorded.",
        QUOTATION: "I consent to what I say being quoted directly in publications, in a way "
                   "that does not identify me.",
        RECONTACT: "I consent to being contacted again for a follow-up interview.",
    },
}


def active_version(language):
    language = Language(language) if not isinstance(language, Language) else language
    return db.session.scalar(select(ConsentFormVersion).where(
        ConsentFormVersion.language == language, ConsentFormVersion.status == FormStatus.ACTIVE)
        .options(selectinload(ConsentFormVersion.items)))


def get_form_version(version_id):
    return db.session.scalar(select(ConsentFormVersion).where(ConsentFormVersion.id == version_id)
                             .options(selectinload(ConsentFormVersion.items)))


def form_versions():
    return db.session.scalars(select(ConsentFormVersion).order_by(
        ConsentFormVersion.language, ConsentFormVersion.created_at.desc(),
        ConsentFormVersion.id.desc())).all()


def _clean_version_values(values):
    cleaned = {
        "title": clean_text(values.get("title"), max_length=200, required=True,
                            label=_("Title")),
        "version_label": clean_text(values.get("version_label"), max_length=40, required=True,
                                    label=_("Version")),
        "letter_markdown": clean_text(values.get("letter_markdown"), max_length=100_000,
                                      label=_("Information letter"), multiline=True),
        "approval_reference": clean_text(values.get("approval_reference"), max_length=100,
                                         label=_("Approval reference")),
    }
    approval_date = values.get("approval_date")
    if approval_date is not None and not isinstance(approval_date, date):
        raise DomainError(_("Enter the approval date as a date."), "approval_date")
    cleaned["approval_date"] = approval_date
    return cleaned


def _clean_wording(values, language):
    wording = {}
    for key in STANDARD_ITEMS:
        text = values.get(f"wording_{key}")
        wording[key] = clean_text(text, max_length=2000, label=_("Wording"), multiline=True) \
            if text else STANDARD_WORDING[language][key]
    return wording


def create_form_version(values, *, by, now=None, letter_pdf=None):
    """A draft form version with the four standard items (participation required)."""
    now = now or utcnow()
    try:
        language = Language(values.get("language") or "")
    except ValueError:
        raise DomainError(_("Choose the language of the form."), "language") from None
    cleaned = _clean_version_values(values)
    wording = _clean_wording(values, language.value)
    version = ConsentFormVersion(language=language, status=FormStatus.DRAFT, created_at=now,
                                 created_by_id=getattr(by, "id", None), **cleaned)
    version.items = [ConsentItem(key=key, wording=wording[key], is_required=key == PARTICIPATION,
                                 position=n) for n, key in enumerate(STANDARD_ITEMS)]
    with files.committed_or_discarded(files.LETTER_FOLDER) as written:
        _store_letter(version, letter_pdf, written)
        db.session.add(version)
        db.session.flush()
        audit.record("consent_form.create", by=by, entity=version,
                     after=version.audit_snapshot(), now=now)
    return version


def update_form_version(version, values, *, by, now=None, letter_pdf=None):
    """Change a draft. An active or retired version never changes: make a new version."""
    now = now or utcnow()
    version = get_form_version(version.id)
    if version.status is not FormStatus.DRAFT:
        raise NotAllowed(_("An active or retired form never changes. Make a new version "
                           "instead."))
    before = version.audit_snapshot()
    for name, value in _clean_version_values(values).items():
        setattr(version, name, value)
    wording = _clean_wording(values, version.language.value)
    for item in version.items:
        item.wording = wording.get(item.key, item.wording)
    with files.committed_or_discarded(files.LETTER_FOLDER) as written:
        _store_letter(version, letter_pdf, written)
        audit.record_update("consent_form.update", by=by, entity=version, before=before,
                            after=version.audit_snapshot(), now=now)
    return version


def _store_letter(version, letter_pdf, written):
    if not letter_pdf:
        return
    _, extension = files.check_upload(letter_pdf, files.LETTER_TYPES, field="letter_pdf")
    name, _ = files.store(letter_pdf, files.LETTER_FOLDER, extension)
    written.append(name)
    version.letter_pdf_name = name


def activate_form_version(version, *, by, now=None):
    """Put a draft into use. The version active in its language until now is retired: consent
    given under it still holds, and the re-consent page lists who gave it."""
    now = now or utcnow()
    version = get_form_version(version.id)
    if version.status is not FormStatus.DRAFT:
        raise NotAllowed(_("Only a draft can be made active."))
    if not version.letter_markdown.strip() and not version.letter_pdf_name:
        raise DomainError(_("Add the information letter (text or PDF) before making the form "
                            "active."))
    if not version.approval_reference:
        raise DomainError(_("Add the approval reference (for example the Sikt notification "
                            "number) before making the form active."))
    previous = active_version(version.language)
    if previous is not None:
        previous.status, previous.retired_at = FormStatus.RETIRED, now
        db.session.flush()  # one active version per language: retire before activating
        audit.record("consent_form.retire", by=by, entity=previous,
                     after={"status": "retired", "replaced_by": version.id}, now=now)
    version.status, version.activated_at = FormStatus.ACTIVE, now
    audit.record("consent_form.activate", by=by, entity=version,
                 after={"status": "active"}, now=now)
    db.session.commit()
    return version


def retire_form_version(version, *, by, now=None):
    now = now or utcnow()
    version = get_form_version(version.id)
    if version.status is not FormStatus.ACTIVE:
        raise NotAllowed(_("Only the active form can be retired."))
    version.status, version.retired_at = FormStatus.RETIRED, now
    audit.record("consent_form.retire", by=by, entity=version, after={"status": "retired"},
                 now=now)
    db.session.commit()
    return version
