"""Consent requests: asking an informant (an email with the letter and a personal link), the
scheduler's follow-ups, and re-consent when a new form version replaces the one they answered."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from flask_babel import gettext as _

from ... import audit, languages
from ...database import utcnow
from ...errors import DomainError, NotAllowed
from ...extensions import db
from ...informants.models import Informant, RecruitmentStatus
from ...outbox import services as outbox
from ...timeutil import to_local
from ..models import ConsentFormVersion, ConsentRecord, ConsentStatus, FormStatus
from ..tokens import informant_links
from .records import actor, append_event, record_for_change, set_recruitment
from .versions import active_version


def _not_asked(informant):
    """Why a request is refused for an informant who may not be contacted: one whole sentence
    per status."""
    status, code = informant.status, informant.code
    if status is RecruitmentStatus.DECLINED:
        return _("%(code)s has declined to take part, so they are not asked.", code=code)
    if status is RecruitmentStatus.WITHDRAWN:
        return _("%(code)s has withdrawn from the study, so they are not asked.", code=code)
    if status is RecruitmentStatus.DO_NOT_CONTACT:
        return _("%(code)s has asked not to be contacted, so they are not asked.", code=code)
    return _("%(code)s may not be contacted, so they are not asked.", code=code)


def _check_askable(informant):
    if not informant.status.may_be_contacted:
        raise NotAllowed(_not_asked(informant))
    if not informant.email:
        raise DomainError(_("%(code)s has no email address. Add one, or register consent given "
                            "on paper.", code=informant.code))


def _queue_request_email(informant, version, *, purpose, by, now, is_follow_up=False,
                         is_re_consent=False):
    links = informant_links(informant, now, form_version=version)
    if links.consent_url is None:
        raise NotAllowed(_("No consent can be requested from %(code)s now.", code=informant.code))
    language = languages.for_informant(informant)
    return outbox.queue_rendered_email(
        "consent_request", language, recipient=(informant.email, informant.name),
        purpose=purpose, now=now, informant_id=informant.id, by=actor(by),
        context={"recipient_name": informant.name, "form_title": version.title,
                 "version_label": version.version_label, "consent_url": links.consent_url,
                 "withdraw_url": links.withdraw_url, "consent_in_body": True,
                 "expires_on": languages.format_date(to_local(links.expires_at).date(),
                                                     language),
                 "is_follow_up": is_follow_up, "is_re_consent": is_re_consent})


def note_contacted(informant, *, by, now):
    """An email to an informant who was only identified makes them contacted. No commit."""
    if informant.status is RecruitmentStatus.IDENTIFIED:
        set_recruitment(informant, RecruitmentStatus.CONTACTED, by=by, now=now)


def links_for_invitation(informant, *, by, now, offer_consent):
    """The consent and withdrawal links for an interview email to `informant`, who is thereby
    contacted. An email that carries the consent link asks for consent: an informant not asked
    yet becomes requested, with the history line, audit event and follow-ups of a consent
    request. No commit."""
    note_contacted(informant, by=by, now=now)
    links = informant_links(informant, now, offer_consent=offer_consent)
    if links.consent_url is None:
        return links
    record = record_for_change(informant, now)
    if record.status is ConsentStatus.NOT_REQUESTED:
        before = record.audit_snapshot()
        _open_request(record, links.form_version_id, by=by, now=now)
        append_event(record, "requested", by=by, now=now, form_version_id=links.form_version_id,
                     note="The consent link was sent with the interview invitation.")
        audit.record_update("consent.request", by=by, entity=record, before=before,
                            after=record.audit_snapshot(), now=now)
    return links


def _open_request(record, version_id, *, by, now):
    """The record waits for an answer under `version_id` from `now`: follow-ups count from here."""
    if record.status is ConsentStatus.NOT_REQUESTED:
        record.status = ConsentStatus.REQUESTED
    record.requested_version_id, record.requested_at = version_id, now
    record.follow_up_count, record.last_follow_up_at = 0, None
    record.updated_at, record.updated_by_id = now, getattr(by, "id", None)


def _request(informant, *, by, now, version=None):
    _check_askable(informant)
    version = version or active_version(informant.language)
    if version is None or version.status is not FormStatus.ACTIVE:
        raise DomainError(_("There is no active consent form in %(language)s. Make one active "
                            "first.", language=informant.language.label))
    record = record_for_change(informant, now)
    before = record.audit_snapshot()
    if record.status is ConsentStatus.WITHDRAWN:
        raise NotAllowed(_("%(code)s has withdrawn consent and is not asked again.",
                           code=informant.code))
    if record.status is ConsentStatus.DECLINED:
        raise NotAllowed(_("%(code)s has declined; they are not asked again.",
                           code=informant.code))
    is_re_consent = record.status.is_consent
    if is_re_consent and record.form_version_id == version.id:
        raise NotAllowed(_("%(code)s has answered under this version already.",
                           code=informant.code))
    action = "re-consent-requested" if is_re_consent else (
        "re-requested" if record.requested_at else "requested")
    _open_request(record, version.id, by=by, now=now)
    _queue_request_email(informant, version, purpose="consent-request", by=by, now=now,
                         is_re_consent=is_re_consent)
    note_contacted(informant, by=by, now=now)
    append_event(record, action, by=by, now=now, form_version_id=version.id)
    audit.record_update("consent.request", by=by, entity=record, before=before,
                        after=record.audit_snapshot(), now=now)
    return record


def request_consent(informant, *, by, now=None, version=None):
    """Email the informant the information letter and a personal consent link."""
    now = now or utcnow()
    record = _request(informant, by=by, now=now, version=version)
    db.session.commit()
    return record


def send_consent_follow_ups(*, now=None):
    """Send the request again where it has been unanswered for CONSENT_FOLLOW_UP_DAYS since the
    request or the last follow-up, at most CONSENT_FOLLOW_UPS times. Idempotent: the time of the
    follow-up is stored with it, so a second run at the same moment finds nothing due.
    Returns the records followed up (committed)."""
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
    followed_up = []
    for record in records:
        informant = record.informant
        if not informant.status.may_be_contacted or not informant.email:
            continue
        version = db.session.get(ConsentFormVersion, record.requested_version_id)
        record.follow_up_count += 1
        record.last_follow_up_at = now
        _queue_request_email(informant, version, purpose="consent-follow-up", by=None, now=now,
                             is_follow_up=True, is_re_consent=record.status.is_consent)
        followed_up.append(record)
        append_event(record, "follow-up", by="scheduler", now=now, form_version_id=version.id,
                      note=f"Follow-up {record.follow_up_count}")
        audit.record("consent.follow_up", by="scheduler", entity=record,
                     after={"follow_up_count": record.follow_up_count}, now=now)
    db.session.commit()
    return followed_up


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
    One commit. Returns (the records asked, skipped codes with reasons)."""
    now = now or utcnow()
    asked, skipped = [], []
    for informant, record, _version in re_consent_candidates():
        current = active_version(informant.language)
        if current is not None and record.requested_version_id == current.id:
            continue
        try:
            with db.session.begin_nested():
                asked.append(_request(informant, by=by, now=now, version=current))
        except DomainError as error:
            skipped.append(error.message)
    db.session.commit()
    return asked, skipped
