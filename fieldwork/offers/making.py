"""Making offers (the coordinator), and the scheduler's follow-up and expiry of those not
answered. Each public function commits once, with its audit events and emails."""

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from .. import audit
from ..consent.services.requests import note_contacted
from ..consent.tokens import informant_links
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..i18n import current_language
from ..informants.models import Informant, RecruitmentStatus
from ..interviews.invitations import local_when
from ..interviews.models import InterviewMode
from ..interviews.planning import (MIN_DURATION, clean_meeting, guide_version_of,
                                   informant_language, load_interviewers, parse_duration,
                                   parse_ids)
from ..outbox import services as outbox
from ..timeutil import local_to_utc
from ..validation import clean_text
from .models import OPEN_OFFER_STATUSES, Offer, OfferNeed, OfferSlot, OfferStatus
from .queries import lock_offer
from .rules import FOLLOW_UP_HOURS, MAX_SLOTS, SCHEDULER
from .tokens import issue_link, offer_url

# Making offers


def create_offers(values, *, by, now=None):
    """One offer per informant chosen, all with the same times, each emailed with its own link.
    `values`: informant_ids, interviewer_ids, need, duration_minutes, mode, place, meeting_url,
    guide_version_id, language ("" for each informant's own), starts (UTC instants),
    local_starts ((date, time) pairs in the study zone), expires_on and expires_time (local).
    Returns the offers."""
    now = now or utcnow()
    informant_ids = parse_ids(values, "informant_ids")
    interviewer_ids = parse_ids(values, "interviewer_ids")
    informants = db.session.scalars(select(Informant).where(Informant.id.in_(informant_ids))
                                    .order_by(Informant.id)).all() if informant_ids else []
    if not informants or len(informants) != len(informant_ids):
        raise DomainError(_("Choose at least one informant."), "informant_ids")
    for informant in informants:
        if not informant.status.may_be_contacted:
            raise DomainError(_not_offerable(informant), "informant_ids")
        if not informant.email:
            raise DomainError(_("%(code)s has no email address, so the offer cannot be sent.",
                                code=informant.code), "informant_ids")
    interviewers = load_interviewers(interviewer_ids, "interviewer_ids",
                                     missing=_("Choose at least one interviewer."))
    try:
        need = OfferNeed(values.get("need") or "all")
    except ValueError:
        raise DomainError(_("Choose whether the interview needs all the interviewers or any "
                            "one."), "need") from None
    duration = parse_duration(values.get("duration_minutes"), "duration_minutes",
                              minimum=MIN_DURATION)
    mode, place, meeting_url = clean_meeting(values)
    guide_version = guide_version_of(values.get("guide_version_id"), None)
    language = informant_language(values.get("language"))
    starts = _clean_starts(values, now=now)
    expires_at = _clean_expiry(values, now=now, last_start=starts[-1])
    conflicts, reason = _check_availability(values, interviewers, need, starts, duration, mode)

    offers = []
    for informant in informants:
        offer = Offer(informant_id=informant.id, need=need, duration_minutes=duration, mode=mode,
                      place=place, meeting_url=meeting_url, guide_version_id=guide_version.id,
                      language=language or informant.language, status=OfferStatus.SENT,
                      expires_at=expires_at, created_by_id=getattr(by, "id", None),
                      created_at=now, updated_at=now, message="")
        offer.informant = informant
        offer.interviewers = list(interviewers)
        offer.slots = [OfferSlot(starts_at=start, ends_at=start + timedelta(minutes=duration))
                       for start in starts]
        db.session.add(offer)
        db.session.flush()
        audit.record("offer.create", by=by, entity=offer, now=now,
                     after={**offer.audit_snapshot(), **_people_and_times(offer)})
        if conflicts:
            audit.record("offer.availability_override", by=by, entity=offer, now=now,
                         after={"reason": reason,
                                "conflicts": [{"starts_at": start.isoformat(),
                                               **c.audit_entry()} for start, c in conflicts]})
        note_contacted(informant, by=by, now=now)
        _send_offer(offer, by=by, now=now, is_follow_up=False)
        offers.append(offer)
    db.session.commit()
    return offers


def _not_offerable(informant):
    """Why no times can be offered to an informant who may not be contacted: one sentence."""
    messages = {
        RecruitmentStatus.DECLINED: _("%(code)s has declined to take part, so no times can be "
                                      "offered.", code=informant.code),
        RecruitmentStatus.WITHDRAWN: _("%(code)s has withdrawn from the study, so no times can "
                                       "be offered.", code=informant.code),
        RecruitmentStatus.DO_NOT_CONTACT: _("%(code)s has asked not to be contacted, so no times "
                                            "can be offered.", code=informant.code),
    }
    return messages.get(informant.status,
                        _("%(code)s may not be contacted, so no times can be offered.",
                          code=informant.code))


def _check_availability(values, interviewers, need, starts, duration, mode):
    """The times that go against the interviewers' availability, as (start, Conflict) pairs,
    and the coordinator's reason for offering them anyway; without a reason, a DomainError
    that names them. With "any one of them", a time counts only when nobody is free then.
    The finder offers no such time; one typed by hand may be."""
    from ..availability.checks import availability_conflicts

    found = []
    for start in starts:
        conflicts = availability_conflicts(interviewers, start, start + timedelta(
            minutes=duration), in_person=mode is InterviewMode.IN_PERSON)
        if need is OfferNeed.ANY and {c.user_id for c in conflicts} != {
                u.id for u in interviewers}:
            continue
        found += [(start, conflict) for conflict in conflicts]
    if not found:
        return [], ""
    reason = clean_text(values.get("availability_reason"), max_length=500,
                        label=_("Reason for offering anyway"))
    if not reason:
        language = current_language()
        times = sorted({start for start, _conflict in found})
        # Each time named, then its problems, each a sentence of its own.
        parts = [_("%(when)s: %(problems)s", when=local_when(start, language),
                   problems=" ".join(str(c.message) for s, c in found if s == start))
                 for start in times[:3]]
        if len(times) > 3:
            parts.append(ngettext("(and %(num)d more time)", "(and %(num)d more times)",
                                  len(times) - 3))
        parts.append(_("To offer these times anyway, give the reason here."))
        raise DomainError(" ".join(parts), "availability_reason")
    return found, reason


def _people_and_times(offer):
    return {"interviewer_ids": [u.id for u in offer.interviewers],
            "times": [slot.starts_at.isoformat() for slot in offer.slots]}


def parse_instant(text):
    """An ISO 8601 UTC instant as the finder sends it (2026-12-09T13:00:00Z), or None."""
    if not isinstance(text, str) or not text.endswith("Z"):
        return None
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        return None
    return value if value.second == 0 and value.microsecond == 0 else None


def _clean_starts(values, *, now):
    starts = set()
    for value in values.get("starts") or ():
        instant = value if isinstance(value, datetime) else parse_instant(value)
        if instant is None or instant.tzinfo is None:
            raise DomainError(_("An offered time could not be read; choose the times again."),
                              "times")
        starts.add(instant.astimezone(UTC))
    for day, start_time in values.get("local_starts") or ():
        if day is None and start_time is None:
            continue
        if not isinstance(day, date) or not isinstance(start_time, time):
            raise DomainError(_("Enter both the date and the time of each time you add."),
                              "times")
        try:
            starts.add(local_to_utc(day, start_time))
        except DomainError as error:
            raise DomainError(error.message, "times") from None
    if not starts:
        raise DomainError(_("Choose or enter at least one time to offer."), "times")
    if len(starts) > MAX_SLOTS:
        raise DomainError(_("Offer at most %(count)s times.", count=MAX_SLOTS), "times")
    if min(starts) <= now:
        raise DomainError(_("Every offered time must be in the future."), "times")
    return sorted(starts)


def _clean_expiry(values, *, now, last_start):
    expires_at = values.get("expires_at")
    if isinstance(expires_at, datetime) and expires_at.tzinfo is not None:
        expires_at = expires_at.astimezone(UTC)
    else:
        day, at = values.get("expires_on"), values.get("expires_time") or time(23, 59)
        if not isinstance(day, date):
            raise DomainError(_("Enter the date the offer expires."), "expires_on")
        try:
            expires_at = local_to_utc(day, at)
        except DomainError as error:
            raise DomainError(error.message, "expires_on") from None
    if expires_at <= now:
        raise DomainError(_("The offer must expire in the future."), "expires_on")
    if expires_at > last_start:
        raise DomainError(_("The offer must expire before the last time offered."),
                          "expires_on")
    return expires_at


def _send_offer(offer, *, by, now, is_follow_up):
    """The offer email in the offer's language, with a fresh personal link; no commit."""
    informant = offer.informant
    language = offer.language.value
    token = issue_link(offer, now=now)
    links = informant_links(informant, now, offer_consent=False)
    return outbox.queue_rendered_email(
        "offer", language, recipient=(informant.email, informant.name),
        purpose="offer-follow-up" if is_follow_up else "offer", now=now,
        informant_id=informant.id, by=by,
        context={"recipient_name": informant.name, "offer_url": offer_url(token),
                 "expires": local_when(offer.expires_at, language),
                 "times": [local_when(slot.starts_at, language) for slot in offer.slots],
                 "duration": offer.duration_minutes, "mode": offer.mode.value,
                 "place": offer.place, "is_follow_up": is_follow_up,
                 "withdraw_url": links.withdraw_url})


def withdraw_offer(offer, *, by, now=None):
    """The team takes back an offer not answered yet: its link stops working."""
    now = now or utcnow()
    offer = lock_offer(offer.id)
    if not offer.status.is_open:
        raise NotAllowed(_withdraw_refusal(offer.status))
    before = offer.audit_snapshot()
    offer.status, offer.updated_at = OfferStatus.CANCELLED, now
    audit.record_update("offer.cancel", by=by, entity=offer, before=before,
                        after=offer.audit_snapshot(), now=now)
    db.session.commit()
    return offer


def _withdraw_refusal(status):
    """Why an offer in this (answered or ended) status cannot be withdrawn: one sentence."""
    messages = {
        OfferStatus.BOOKED: _("A booked offer cannot be withdrawn."),
        OfferStatus.DECLINED: _("A declined offer cannot be withdrawn."),
        OfferStatus.EXPIRED: _("An expired offer cannot be withdrawn."),
        OfferStatus.CANCELLED: _("A cancelled offer cannot be withdrawn."),
    }
    return messages.get(status, _("This offer cannot be withdrawn."))


# The scheduler


def follow_up_offers(*, now):
    """Expire offers not answered in time, and follow up once, with a fresh link, those that
    expire within FOLLOW_UP_HOURS (unless they were sent that close to their expiry). Safe to
    run twice: what was done is recorded in the same transaction. Returns a summary."""
    expired = followed = 0
    due = db.session.scalars(select(Offer.id).where(
        Offer.status.in_(OPEN_OFFER_STATUSES),
        Offer.expires_at <= now + timedelta(hours=FOLLOW_UP_HOURS)).order_by(Offer.id)).all()
    for offer_id in due:
        offer = lock_offer(offer_id)
        if not offer.status.is_open:
            continue
        if offer.expires_at <= now:
            before = offer.audit_snapshot()
            offer.status, offer.updated_at = OfferStatus.EXPIRED, now
            audit.record_update("offer.expire", by=SCHEDULER, entity=offer, before=before,
                                after=offer.audit_snapshot(), now=now)
            expired += 1
        elif offer.followed_up_at is None and offer.informant.status.may_be_contacted \
                and offer.informant.email \
                and offer.created_at <= offer.expires_at - timedelta(hours=FOLLOW_UP_HOURS) \
                and any(slot.starts_at > now for slot in offer.slots):
            offer.followed_up_at = now
            _send_offer(offer, by=SCHEDULER, now=now, is_follow_up=True)
            audit.record("offer.follow_up", by=SCHEDULER, entity=offer, now=now,
                         after={"followed_up_at": now.isoformat()})
            followed += 1
        db.session.commit()
    return f"followed up {followed}, expired {expired}"
