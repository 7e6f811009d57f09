"""Consent answers: given (wholly or in part) or declined, registered by the team (paper, oral,
with evidence) or given by the informant through their personal link."""

from datetime import date

from flask_babel import gettext as _

from ... import audit, languages
from ...database import utcnow
from ...errors import DomainError, NotAllowed
from ...extensions import db
from ...informants.models import RecruitmentStatus
from ...outbox import services as outbox
from ...timeutil import to_local
from .. import files
from ..models import ConsentEvidence, ConsentFormVersion, ConsentMethod, ConsentStatus, FormStatus
from ..tokens import TokenProblem, informant_links, use_token
from .records import (
    INFORMANT_LINK,
    actor,
    append_event,
    clean_note,
    record_for_change,
    set_items,
    set_recruitment,
)
from .versions import active_version, get_form_version


def _consent_version(record, informant, version):
    version = version or (db.session.get(ConsentFormVersion, record.requested_version_id)
                          if record.requested_version_id else None) \
        or active_version(informant.language)
    if version is None:
        raise DomainError(_("There is no active consent form in %(language)s.",
                            language=informant.language.label))
    if version.status is FormStatus.DRAFT:
        raise DomainError(_("Consent cannot be given under a draft form."), "form_version_id")
    return get_form_version(version.id)


def _answerable(record, informant):
    if record.status is ConsentStatus.WITHDRAWN or informant.status is RecruitmentStatus.WITHDRAWN:
        raise NotAllowed(_("%(code)s has withdrawn consent. A withdrawal is final.",
                           code=informant.code))


def _clean_consent_date(consented_on, now):
    today = to_local(now).date()
    consented_on = consented_on or today
    if not isinstance(consented_on, date):
        raise DomainError(_("Enter the date consent was given."), "consented_on")
    if consented_on > today:
        raise DomainError(_("The date consent was given cannot be in the future."),
                          "consented_on")
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
                 evidence=None, token=None, note=""):
    """Register consent: `items` maps item keys to True/False. Every required item must be
    ticked (else it is a refusal: `decline_consent`); all ticked is "given", some "partly given".
    `evidence`: bytes of a scan or PDF, checked by content. `token`: the informant's link, used
    up by this answer."""
    now = now or utcnow()
    method = ConsentMethod(method)
    record = record_for_change(informant, now)
    _answerable(record, informant)
    version = _consent_version(record, informant, version)
    keys = {item.key for item in version.items}
    unknown = set(items) - keys
    if unknown:
        raise DomainError(_("Unknown consent item: %(items)s.", items=", ".join(sorted(unknown))))
    states = {key: bool(items.get(key)) for key in keys}
    missing = [item for item in version.items if item.is_required and not states[item.key]]
    if missing:
        raise DomainError(_("Participation must be ticked to take part; if the informant does "
                            "not want to take part, register that they declined."),
                          f"item_{missing[0].key}")
    consented_on = _clean_consent_date(consented_on, now)
    note = clean_note(note)
    before = record.audit_snapshot()
    with files.committed_or_discarded(files.EVIDENCE_FOLDER) as written:
        evidence_row = _evidence(record, evidence, written, by=by, now=now)
        record.status = ConsentStatus.GIVEN if all(states.values()) else ConsentStatus.PARTLY_GIVEN
        record.form_version_id, record.method, record.consented_on = version.id, method, consented_on
        record.requested_version_id = record.requested_at = record.last_follow_up_at = None
        record.follow_up_count = 0
        record.updated_at, record.updated_by_id = now, getattr(by, "id", None)
        set_items(record, states)
        db.session.flush()
        append_event(record, record.status.value, by=by, now=now, method=method,
                      consented_on=consented_on, evidence=evidence_row, note=note)
        audit.record_update("consent.give", by=by, entity=record, before=before,
                            after=record.audit_snapshot(), now=now)
        if informant.status in (RecruitmentStatus.IDENTIFIED, RecruitmentStatus.CONTACTED):
            set_recruitment(informant, RecruitmentStatus.AGREED, by=by, now=now)
        if token is not None:
            use_token(token, now)
        if method is ConsentMethod.ELECTRONIC and informant.email:
            _queue_receipt(informant, version, states, by=by, now=now)
    return record


def _queue_receipt(informant, version, states, *, by, now):
    """A copy of what the informant agreed to, with their withdrawal link (GDPR art. 7(3))."""
    links = informant_links(informant, now, form_version=None)
    return outbox.queue_rendered_email(
        "consent_receipt", languages.for_informant(informant), recipient=(informant.email, informant.name),
        purpose="consent-receipt", now=now, informant_id=informant.id, by=actor(by),
        context={"recipient_name": informant.name, "form_title": version.title,
                 "version_label": version.version_label, "withdraw_url": links.withdraw_url,
                 "items": [(item.wording, states[item.key]) for item in version.items]})


def decline_consent(informant, *, method, by, now=None, version=None, token=None, note=""):
    """The informant does not want to take part. Nothing to withdraw: no consent was given."""
    now = now or utcnow()
    method = ConsentMethod(method)
    record = record_for_change(informant, now)
    _answerable(record, informant)
    if record.status.is_consent:
        raise NotAllowed(_("%(code)s has given consent; register a withdrawal instead.",
                           code=informant.code))
    version = _consent_version(record, informant, version)
    note = clean_note(note)
    before = record.audit_snapshot()
    record.status, record.form_version_id, record.method = ConsentStatus.DECLINED, version.id, method
    record.consented_on = to_local(now).date()
    record.requested_version_id = record.requested_at = record.last_follow_up_at = None
    record.updated_at, record.updated_by_id = now, getattr(by, "id", None)
    set_items(record, {item.key: False for item in version.items})
    db.session.flush()
    append_event(record, "declined", by=by, now=now, method=method, note=note)
    audit.record_update("consent.decline", by=by, entity=record, before=before,
                        after=record.audit_snapshot(), now=now)
    if token is not None:
        use_token(token, now)
    db.session.commit()
    return record


def answer_through_link(context, items, *, agree, now=None):
    """The informant's answer on their consent page: consent to the items ticked, or decline.
    TokenProblem("used") when the state changed since the page was opened (a withdrawal or an
    answer sent a moment earlier): the link has been used up, as the page would now say."""
    try:
        if agree:
            return give_consent(context.informant, items, method=ConsentMethod.ELECTRONIC,
                                by=INFORMANT_LINK, now=now, version=context.version,
                                token=context.token)
        return decline_consent(context.informant, method=ConsentMethod.ELECTRONIC,
                               by=INFORMANT_LINK, now=now, version=context.version,
                               token=context.token)
    except NotAllowed:
        db.session.rollback()
        raise TokenProblem("used") from None
