"""Consent: form versions, requests, consent given or declined, withdrawal, follow-ups.

Every change commits once, with its history entry (ConsentEvent, append-only), its audit event
and the emails it causes (outbox rows, delivered after the commit). `by` is a User, or
`INFORMANT_LINK` when the informant acted through their personal link.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from .. import audit
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..informants.models import Informant, Language, RecruitmentStatus
from ..interviews import services as interviews
from ..interviews.models import OPEN_STATUSES, Interview, interview_informant
from ..outbox import services as outbox
from ..timeutil import to_local
from ..validation import clean_text
from . import files
from .gates import consent_summaries, participation_consented_ids
from .models import (PARTICIPATION, QUOTATION, RECONTACT, RECORDING, STANDARD_ITEMS,
                     ConsentEvent, ConsentEvidence, ConsentFormVersion, ConsentItem, ConsentMethod,
                     ConsentRecord, ConsentRecordItem, ConsentStatus, DataTask, DataTaskKind,
                     FormStatus, TokenPurpose)
from .tokens import (Links, TokenProblem, find_token, informant_links,  # noqa: F401
                     use_token)

INFORMANT_LINK = "informant link"
# Recruitment statuses that mean "do not write to this person" (a withdrawal is handled apart).
_NOT_TO_BE_ASKED = {
    RecruitmentStatus.DECLINED: "has declined to take part",
    RecruitmentStatus.DO_NOT_CONTACT: "has asked not to be contacted",
}

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


@dataclass
class Outcome:
    """What a service did, and the emails it queued (to deliver after the commit)."""

    record: ConsentRecord | None = None
    messages: list = field(default_factory=list)
    cancelled_interviews: list = field(default_factory=list)
    tasks: list = field(default_factory=list)


# Form versions


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
        "title": clean_text(values.get("title"), max_length=200, required=True, label="Title"),
        "version_label": clean_text(values.get("version_label"), max_length=40, required=True,
                                    label="Version"),
        "letter_markdown": clean_text(values.get("letter_markdown"), max_length=100_000,
                                      label="Information letter", multiline=True),
        "approval_reference": clean_text(values.get("approval_reference"), max_length=100,
                                         label="Approval reference"),
    }
    approval_date = values.get("approval_date")
    if approval_date is not None and not isinstance(approval_date, date):
        raise DomainError("Enter the approval date as a date.", "approval_date")
    cleaned["approval_date"] = approval_date
    return cleaned


def _clean_wording(values, language):
    wording = {}
    for key in STANDARD_ITEMS:
        text = values.get(f"wording_{key}")
        wording[key] = clean_text(text, max_length=2000, label="Wording", multiline=True) \
            if text else STANDARD_WORDING[language][key]
    return wording


def create_form_version(values, *, by, now=None, letter_pdf=None):
    """A draft form version with the four standard items (participation required)."""
    now = now or utcnow()
    try:
        language = Language(values.get("language") or "")
    except ValueError:
        raise DomainError("Choose the language of the form.", "language") from None
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
        raise NotAllowed("An active or retired form never changes. Make a new version instead.")
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
        raise NotAllowed("Only a draft can be made active.")
    if not version.letter_markdown.strip() and not version.letter_pdf_name:
        raise DomainError("Add the information letter (text or PDF) before making the form "
                          "active.")
    if not version.approval_reference:
        raise DomainError("Add the approval reference (for example the Sikt notification number) "
                          "before making the form active.")
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
        raise NotAllowed("Only the active form can be retired.")
    version.status, version.retired_at = FormStatus.RETIRED, now
    audit.record("consent_form.retire", by=by, entity=version, after={"status": "retired"},
                 now=now)
    db.session.commit()
    return version


# Records and history


def record_of(informant_id):
    return db.session.scalar(select(ConsentRecord).where(ConsentRecord.informant_id == informant_id)
                             .options(selectinload(ConsentRecord.items)))


def history_of(informant_id):
    """The informant's consent history, newest first."""
    return db.session.scalars(
        select(ConsentEvent).join(ConsentRecord, ConsentRecord.id == ConsentEvent.record_id)
        .where(ConsentRecord.informant_id == informant_id)
        .options(selectinload(ConsentEvent.form_version), selectinload(ConsentEvent.evidence))
        .order_by(ConsentEvent.occurred_at.desc(), ConsentEvent.id.desc())).all()


def _record_for_change(informant, now):
    record = record_of(informant.id)
    if record is None:
        record = ConsentRecord(informant_id=informant.id, status=ConsentStatus.NOT_REQUESTED,
                               follow_up_count=0, updated_at=now)
        record.items = []
        db.session.add(record)
        db.session.flush()
    return record


def _set_items(record, states):
    by_key = {item.key: item for item in record.items}
    for key, given in states.items():
        if key in by_key:
            by_key[key].is_given = bool(given)
        else:
            record.items.append(ConsentRecordItem(key=key, is_given=bool(given)))
    for key, item in by_key.items():
        if key not in states:
            item.is_given = False


def _append_event(record, action, *, by, now, method=None, consented_on=None, evidence=None,
                  note="", form_version_id=None):
    event = ConsentEvent(
        record_id=record.id, occurred_at=now, action=action, status=record.status,
        items=record.item_states(), method=method, consented_on=consented_on,
        form_version_id=form_version_id or record.form_version_id,
        registered_by_id=getattr(by, "id", None),
        actor_label=getattr(by, "email", None) or (by if isinstance(by, str) else "anonymous"),
        evidence_id=evidence.id if evidence else None, note=note)
    db.session.add(event)
    return event


def _actor(by):
    return None if isinstance(by, str) else by


# Requests


def _check_askable(informant):
    if informant.status is RecruitmentStatus.WITHDRAWN:
        raise NotAllowed(f"{informant.code} has withdrawn from the study and is not asked again.")
    if informant.status in _NOT_TO_BE_ASKED:
        raise NotAllowed(f"{informant.code} {_NOT_TO_BE_ASKED[informant.status]}.")
    if not informant.email:
        raise DomainError(f"{informant.code} has no email address. Add one, or register consent "
                          "given on paper.")


def _queue_request_email(informant, version, *, purpose, by, now, is_follow_up=False,
                         is_re_consent=False):
    links = informant_links(informant, now, form_version=version)
    if links.consent_url is None:
        raise NotAllowed(f"No consent can be requested from {informant.code} now.")
    language = informant.language.value
    return outbox.queue_rendered_email(
        "consent_request", language, recipient=(informant.email, informant.name),
        purpose=purpose, now=now, informant_id=informant.id, by=_actor(by),
        context={"recipient_name": informant.name, "form_title": version.title,
                 "version_label": version.version_label, "consent_url": links.consent_url,
                 "withdraw_url": links.withdraw_url, "consent_in_body": True,
                 "expires_on": to_local(links.expires_at).strftime("%d.%m.%Y"),
                 "is_follow_up": is_follow_up, "is_re_consent": is_re_consent})


def _request(informant, *, by, now, version=None):
    _check_askable(informant)
    version = version or active_version(informant.language)
    if version is None or version.status is not FormStatus.ACTIVE:
        raise DomainError(f"There is no active consent form in {informant.language.label}. "
                          "Make one active first.")
    record = _record_for_change(informant, now)
    before = record.audit_snapshot()
    if record.status is ConsentStatus.WITHDRAWN:
        raise NotAllowed(f"{informant.code} has withdrawn consent and is not asked again.")
    if record.status is ConsentStatus.DECLINED:
        raise NotAllowed(f"{informant.code} has declined; they are not asked again.")
    is_re_consent = record.status.is_consent
    if is_re_consent and record.form_version_id == version.id:
        raise NotAllowed(f"{informant.code} has answered under this version already.")
    if record.status is ConsentStatus.NOT_REQUESTED:
        record.status = ConsentStatus.REQUESTED
    action = "re-consent-requested" if is_re_consent else (
        "re-requested" if record.requested_at else "requested")
    record.requested_version_id, record.requested_at = version.id, now
    record.follow_up_count, record.last_follow_up_at = 0, None
    record.updated_at, record.updated_by_id = now, getattr(by, "id", None)
    message = _queue_request_email(informant, version, purpose="consent-request", by=by, now=now,
                                   is_re_consent=is_re_consent)
    _append_event(record, action, by=by, now=now, form_version_id=version.id)
    audit.record_update("consent.request", by=by, entity=record, before=before,
                        after=record.audit_snapshot(), now=now)
    return Outcome(record, [message])


def request_consent(informant, *, by, now=None, version=None):
    """Email the informant the information letter and a personal consent link."""
    now = now or utcnow()
    outcome = _request(informant, by=by, now=now, version=version)
    db.session.commit()
    return outcome


def send_consent_follow_ups(*, now=None):
    """Send the request again where it has been unanswered for CONSENT_FOLLOW_UP_DAYS since the
    request or the last follow-up, at most CONSENT_FOLLOW_UPS times. Idempotent: the time of the
    follow-up is stored with it, so a second run at the same moment finds nothing due.
    Returns the messages queued (committed)."""
    now = now or utcnow()
    config = current_app.config
    due_before = now - timedelta(days=config["CONSENT_FOLLOW_UP_DAYS"])
    records = db.session.scalars(
        select(ConsentRecord)
        .join(ConsentFormVersion, ConsentFormVersion.id == ConsentRecord.requested_version_id)
        .where(ConsentRecord.requested_version_id.is_not(None),
               ConsentRecord.status.in_([ConsentStatus.REQUESTED, ConsentStatus.GIVEN,
                                         ConsentStatus.PARTLY_GIVEN]),
               ConsentFormVersion.status == FormStatus.ACTIVE,
               ConsentRecord.follow_up_count < config["CONSENT_FOLLOW_UPS"],
               func.coalesce(ConsentRecord.last_follow_up_at, ConsentRecord.requested_at)
               <= due_before)
        .options(selectinload(ConsentRecord.items), selectinload(ConsentRecord.informant))
        .order_by(ConsentRecord.id).with_for_update(skip_locked=True, of=ConsentRecord)).all()
    messages = []
    for record in records:
        informant = record.informant
        if informant.status is RecruitmentStatus.WITHDRAWN or informant.status in _NOT_TO_BE_ASKED \
                or not informant.email:
            continue
        version = db.session.get(ConsentFormVersion, record.requested_version_id)
        record.follow_up_count += 1
        record.last_follow_up_at = now
        messages.append(_queue_request_email(
            informant, version, purpose="consent-follow-up", by=None, now=now, is_follow_up=True,
            is_re_consent=record.status.is_consent))
        _append_event(record, "follow-up", by="scheduler", now=now, form_version_id=version.id,
                      note=f"Follow-up {record.follow_up_count}")
        audit.record("consent.follow_up", by="scheduler", entity=record,
                     after={"follow_up_count": record.follow_up_count}, now=now)
    db.session.commit()
    return messages


# Answers


def _consent_version(record, informant, version):
    version = version or (db.session.get(ConsentFormVersion, record.requested_version_id)
                          if record.requested_version_id else None) \
        or active_version(informant.language)
    if version is None:
        raise DomainError(f"There is no active consent form in {informant.language.label}.")
    if version.status is FormStatus.DRAFT:
        raise DomainError("Consent cannot be given under a draft form.", "form_version_id")
    return get_form_version(version.id)


def _answerable(record, informant):
    if record.status is ConsentStatus.WITHDRAWN or informant.status is RecruitmentStatus.WITHDRAWN:
        raise NotAllowed(f"{informant.code} has withdrawn consent. A withdrawal is final.")


def _clean_consent_date(consented_on, now):
    today = to_local(now).date()
    consented_on = consented_on or today
    if not isinstance(consented_on, date):
        raise DomainError("Enter the date consent was given.", "consented_on")
    if consented_on > today:
        raise DomainError("The date consent was given cannot be in the future.", "consented_on")
    return consented_on


def _evidence(record, data, written, *, by, now):
    if data is None:  # no file chosen; an empty file (b"") is refused by check_upload
        return None
    content_type, extension = files.check_upload(data, files.EVIDENCE_TYPES, field="evidence")
    name, digest = files.store(data, files.EVIDENCE_FOLDER, extension)
    written.append(name)
    evidence = ConsentEvidence(record_id=record.id, stored_name=name, content_type=content_type,
                               size=len(data), sha256=digest, uploaded_at=now,
                               uploaded_by_id=getattr(by, "id", None))
    db.session.add(evidence)
    db.session.flush()
    return evidence


def give_consent(informant, items, *, method, by, now=None, consented_on=None, version=None,
                 evidence=None, token=None):
    """Register consent: `items` maps item keys to True/False. Every required item must be
    ticked (else it is a refusal: `decline_consent`); all ticked is "given", some "partly given".
    `evidence`: bytes of a scan or PDF, checked by content. `token`: the informant's link, used
    up by this answer."""
    now = now or utcnow()
    method = ConsentMethod(method)
    record = _record_for_change(informant, now)
    _answerable(record, informant)
    version = _consent_version(record, informant, version)
    keys = {item.key for item in version.items}
    unknown = set(items) - keys
    if unknown:
        raise DomainError("Unknown consent item: " + ", ".join(sorted(unknown)) + ".")
    states = {key: bool(items.get(key)) for key in keys}
    missing = [item for item in version.items if item.is_required and not states[item.key]]
    if missing:
        raise DomainError("Participation must be ticked to take part; if the informant does not "
                          "want to take part, register that they declined.", f"item_{missing[0].key}")
    consented_on = _clean_consent_date(consented_on, now)
    before = record.audit_snapshot()
    with files.committed_or_discarded(files.EVIDENCE_FOLDER) as written:
        evidence_row = _evidence(record, evidence, written, by=by, now=now)
        record.status = ConsentStatus.GIVEN if all(states.values()) else ConsentStatus.PARTLY_GIVEN
        record.form_version_id, record.method, record.consented_on = version.id, method, consented_on
        record.requested_version_id = record.requested_at = record.last_follow_up_at = None
        record.follow_up_count = 0
        record.updated_at, record.updated_by_id = now, getattr(by, "id", None)
        _set_items(record, states)
        db.session.flush()
        _append_event(record, record.status.value, by=by, now=now, method=method,
                      consented_on=consented_on, evidence=evidence_row)
        audit.record_update("consent.give", by=by, entity=record, before=before,
                            after=record.audit_snapshot(), now=now)
        if informant.status in (RecruitmentStatus.IDENTIFIED, RecruitmentStatus.CONTACTED):
            _set_recruitment(informant, RecruitmentStatus.AGREED, by=by, now=now)
        outcome = Outcome(record)
        if token is not None:
            use_token(token, now)
        if method is ConsentMethod.ELECTRONIC and informant.email:
            outcome.messages.append(_queue_receipt(informant, version, states, by=by, now=now))
    return outcome


def _queue_receipt(informant, version, states, *, by, now):
    """A copy of what the informant agreed to, with their withdrawal link (GDPR art. 7(3))."""
    links = informant_links(informant, now, form_version=None)
    return outbox.queue_rendered_email(
        "consent_receipt", informant.language.value, recipient=(informant.email, informant.name),
        purpose="consent-receipt", now=now, informant_id=informant.id, by=_actor(by),
        context={"recipient_name": informant.name, "form_title": version.title,
                 "version_label": version.version_label, "withdraw_url": links.withdraw_url,
                 "items": [(item.wording, states[item.key]) for item in version.items]})


def decline_consent(informant, *, method, by, now=None, version=None, token=None, note=""):
    """The informant does not want to take part. Nothing to withdraw: no consent was given."""
    now = now or utcnow()
    method = ConsentMethod(method)
    record = _record_for_change(informant, now)
    _answerable(record, informant)
    if record.status.is_consent:
        raise NotAllowed(f"{informant.code} has given consent; register a withdrawal instead.")
    version = _consent_version(record, informant, version)
    before = record.audit_snapshot()
    record.status, record.form_version_id, record.method = ConsentStatus.DECLINED, version.id, method
    record.consented_on = to_local(now).date()
    record.requested_version_id = record.requested_at = record.last_follow_up_at = None
    record.updated_at, record.updated_by_id = now, getattr(by, "id", None)
    _set_items(record, {item.key: False for item in version.items})
    db.session.flush()
    _append_event(record, "declined", by=by, now=now, method=method, note=note[:2000])
    audit.record_update("consent.decline", by=by, entity=record, before=before,
                        after=record.audit_snapshot(), now=now)
    if token is not None:
        use_token(token, now)
    db.session.commit()
    return Outcome(record)


def _set_recruitment(informant, status, *, by, now):
    before = informant.audit_snapshot()
    informant.status, informant.updated_at = status, now
    audit.record_update("informant.update", by=by, entity=informant, before=before,
                        after=informant.audit_snapshot(), now=now)


# Withdrawal


def future_open_interviews(informant_id, now):
    return db.session.scalars(
        select(Interview).join(interview_informant)
        .where(interview_informant.c.informant_id == informant_id,
               Interview.status.in_(OPEN_STATUSES), Interview.starts_at > now)
        .options(selectinload(Interview.informants))
        .order_by(Interview.starts_at)).all()


def withdraw_consent(informant, *, by, now=None, note="", token=None):
    """Withdraw the informant from the study, in one transaction:

    1. cancel every email to them not sent yet (reminders, requests, invitations);
    2. mark the consent record withdrawn, every item no longer given, from `now`;
    3. cancel their future interviews, or take them off group interviews; the CANCEL that takes
       the event out of their calendar is queued after step 1, so it is the one email (with the
       confirmation in step 6) that still reaches them;
    4. set their recruitment status to withdrawn, so no one schedules or asks them again;
    5. open the data-handling checklist for the team, with a due date;
    6. confirm the withdrawal to them, without any further link.
    """
    now = now or utcnow()
    record = _record_for_change(informant, now)
    if record.status is ConsentStatus.WITHDRAWN:
        raise NotAllowed(f"{informant.code} has withdrawn already.")
    before = record.audit_snapshot()
    withdrawn_items = sorted(k for k, given in record.item_states().items() if given)
    outbox.cancel_pending(informant_id=informant.id, by=by, now=now)

    record.status, record.withdrawn_at = ConsentStatus.WITHDRAWN, now
    record.requested_version_id = record.requested_at = record.last_follow_up_at = None
    record.updated_at, record.updated_by_id = now, getattr(by, "id", None)
    _set_items(record, dict.fromkeys(record.item_states() or STANDARD_ITEMS, False))
    db.session.flush()
    _append_event(record, "withdrawn", by=by, now=now, note=(
        "Withdrawn items: " + (", ".join(withdrawn_items) or "none") + ". " + note).strip()[:2000])

    outcome = Outcome(record)
    for interview in future_open_interviews(informant.id, now):
        if len(interview.informants) > 1:
            change = interviews.remove_informant(interview, informant, by=by, now=now)
        else:
            change = interviews.cancel_open_interview(interview, by=by, now=now)
        outcome.messages += change.messages
        outcome.cancelled_interviews.append(change.interview)

    if informant.status is not RecruitmentStatus.WITHDRAWN:
        _set_recruitment(informant, RecruitmentStatus.WITHDRAWN, by=by, now=now)
    due_on = to_local(now).date() + timedelta(days=current_app.config["WITHDRAWAL_TASK_DAYS"])
    for kind in DataTaskKind:
        task = DataTask(informant_id=informant.id, kind=kind, due_on=due_on, created_at=now,
                        done_note="")
        db.session.add(task)
        outcome.tasks.append(task)
    if token is not None:
        use_token(token, now)
    if informant.email:
        outcome.messages.append(outbox.queue_rendered_email(
            "consent_withdrawn", informant.language.value,
            recipient=(informant.email, informant.name), purpose="consent-withdrawn", now=now,
            informant_id=informant.id, by=_actor(by),
            context={"recipient_name": informant.name,
                     "cancelled": len(outcome.cancelled_interviews)}))
    db.session.flush()
    audit.record("consent.withdraw", by=by, entity=record, before=before,
                 after={**record.audit_snapshot(), "withdrawn_items": withdrawn_items,
                        "cancelled_interview_ids": [i.id for i in outcome.cancelled_interviews],
                        "data_task_ids": [t.id for t in outcome.tasks]}, now=now)
    db.session.commit()
    return outcome


def complete_data_task(task, *, by, now=None, note=""):
    now = now or utcnow()
    if task.done_at is not None:
        raise NotAllowed("This task is done already.")
    task.done_at, task.done_by_id = now, by.id
    task.done_note = clean_text(note, max_length=2000, label="Note", multiline=True)
    audit.record("consent.data_task_done", by=by, entity=task,
                 after={"kind": task.kind.value, "informant_id": task.informant_id,
                        "note": task.done_note}, now=now)
    db.session.commit()
    return task


def data_tasks_of(informant_id):
    return db.session.scalars(select(DataTask).where(DataTask.informant_id == informant_id)
                              .order_by(DataTask.done_at.is_not(None), DataTask.due_on,
                                        DataTask.id)).all()


def open_data_tasks():
    return db.session.scalars(
        select(DataTask).where(DataTask.done_at.is_(None))
        .order_by(DataTask.due_on, DataTask.id)).all()


# Through the informant's link


@dataclass(frozen=True)
class LinkContext:
    """What the informant's page may show: their own name, the form, nothing else."""

    token: object
    informant: Informant
    record: ConsentRecord | None
    version: ConsentFormVersion | None


def open_link(token, purpose, *, now=None):
    """The informant and form behind a link, or TokenProblem. Reading changes nothing."""
    now = now or utcnow()
    row = find_token(token, purpose, now=now)
    informant = db.session.get(Informant, row.informant_id)
    record = record_of(informant.id)
    if record is not None and record.status is ConsentStatus.WITHDRAWN:
        raise TokenProblem("used")
    version = get_form_version(row.form_version_id) if row.form_version_id else None
    if purpose is TokenPurpose.CONSENT:
        if version is None or version.status is not FormStatus.ACTIVE:
            raise TokenProblem("expired")
        if record is not None and record.form_version_id == version.id and \
                (record.status.is_consent or record.status is ConsentStatus.DECLINED):
            raise TokenProblem("used")
    return LinkContext(row, informant, record, version)


def answer_through_link(context, items, *, agree, now=None):
    """The informant's answer on their consent page: consent to the items ticked, or decline."""
    if agree:
        return give_consent(context.informant, items, method=ConsentMethod.ELECTRONIC,
                            by=INFORMANT_LINK, now=now, version=context.version,
                            token=context.token)
    return decline_consent(context.informant, method=ConsentMethod.ELECTRONIC, by=INFORMANT_LINK,
                           now=now, version=context.version, token=context.token)


def withdraw_through_link(context, *, now=None):
    return withdraw_consent(context.informant, by=INFORMANT_LINK, now=now, token=context.token)


# Re-consent


def re_consent_candidates():
    """Informants whose consent was given under a version no longer active (rows of informant,
    record, version), with those not yet asked again first."""
    return db.session.execute(
        select(Informant, ConsentRecord, ConsentFormVersion)
        .join(ConsentRecord, ConsentRecord.informant_id == Informant.id)
        .join(ConsentFormVersion, ConsentFormVersion.id == ConsentRecord.form_version_id)
        .where(ConsentRecord.status.in_([ConsentStatus.GIVEN, ConsentStatus.PARTLY_GIVEN]),
               ConsentFormVersion.status == FormStatus.RETIRED)
        .order_by(ConsentRecord.requested_at.is_not(None), Informant.code)).all()


def request_re_consent_all(*, by, now=None):
    """Ask everyone who consented under an older version to consent under the active one of
    their language; those already asked (and those who cannot be asked) are left out.
    One commit. Returns (outcomes, skipped codes with reasons)."""
    now = now or utcnow()
    outcomes, skipped = [], []
    for informant, record, _ in re_consent_candidates():
        current = active_version(informant.language)
        if current is not None and record.requested_version_id == current.id:
            continue
        try:
            with db.session.begin_nested():
                outcomes.append(_request(informant, by=by, now=now, version=current))
        except DomainError as error:
            skipped.append(error.message)
    db.session.commit()
    return outcomes, skipped


# The overview


@dataclass
class OverviewFilter:
    organisation_id: int | None = None
    role_id: int | None = None
    status: ConsentStatus | None = None
    missing_within_days: int | None = None


def overview_query(criteria, *, now):
    """Informants with their consent status and next open interview, those with an interview
    coming up and no participation consent first ("at risk"), then by code. Item states come
    from `consent_summaries` for the page shown.

    The next interview comes from one grouped derived table joined to the informants, not a
    subquery per row, and consent from one IN list: the page stays fast with thousands."""
    upcoming = (select(interview_informant.c.informant_id.label("informant_id"),
                       func.min(Interview.starts_at).label("next_at"))
                .join(Interview, Interview.id == interview_informant.c.interview_id)
                .where(Interview.status.in_(OPEN_STATUSES), Interview.starts_at > now)
                .group_by(interview_informant.c.informant_id).subquery("upcoming"))
    consented = Informant.id.in_(participation_consented_ids())
    status = func.coalesce(ConsentRecord.status, ConsentStatus.NOT_REQUESTED.value)
    horizon = (now + timedelta(days=criteria.missing_within_days)
               if criteria.missing_within_days is not None else None)
    at_risk = and_(upcoming.c.next_at.is_not(None), ~consented,
                   *([upcoming.c.next_at <= horizon] if horizon else []))
    query = (select(Informant, ConsentRecord.status, upcoming.c.next_at.label("next_interview_at"),
                    at_risk.label("at_risk"))
             .join(Informant.organisation).join(Informant.role)
             .outerjoin(ConsentRecord, ConsentRecord.informant_id == Informant.id)
             .outerjoin(upcoming, upcoming.c.informant_id == Informant.id)
             .options(contains_eager(Informant.organisation), contains_eager(Informant.role)))
    if criteria.organisation_id:
        query = query.where(Informant.organisation_id == criteria.organisation_id)
    if criteria.role_id:
        query = query.where(Informant.role_id == criteria.role_id)
    if criteria.status:
        query = query.where(status == criteria.status.value)
    if criteria.missing_within_days is not None:
        query = query.where(at_risk)
    return query.order_by(case((at_risk, 0), else_=1), upcoming.c.next_at, Informant.code)


def overview_rows(page_items):
    """The page's rows with each informant's item states (two more queries)."""
    summaries = consent_summaries(row[0].id for row in page_items)
    return [(informant, status or ConsentStatus.NOT_REQUESTED, next_at, bool(at_risk),
             summaries[informant.id]) for informant, status, next_at, at_risk in page_items]


def consent_panel(informant_id):
    """What the informant page shows of consent: item states, record, history, tasks."""
    return {"summary": consent_summaries([informant_id])[informant_id],
            "record": record_of(informant_id), "history": history_of(informant_id),
            "tasks": data_tasks_of(informant_id)}


def evidence_file(evidence_id, *, by, now=None):
    """(path, content type) of an evidence file, or None. A download is audited: a signed form
    shows a name and a signature."""
    evidence = db.session.get(ConsentEvidence, evidence_id)
    if evidence is None:
        return None
    path = files.path_of(files.EVIDENCE_FOLDER, evidence.stored_name)
    if not path.is_file():  # erased after the study's end
        return None
    audit.record("consent.evidence_download", by=by, entity_type="consent_evidence",
                 entity_id=evidence.id, after={"record_id": evidence.record_id}, now=now or utcnow())
    db.session.commit()
    return path, evidence.content_type
