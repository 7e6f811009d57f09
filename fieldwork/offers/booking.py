"""What the informant sees and does through their link: consent, book, move, cancel, decline.

Booking holds the interview overlap rule the way scheduling does (fieldwork.interviews.planning):
the offer, then the informant, then the interviewers are locked, in that order and each in id
order, before the check; of two informants booking the same interviewer at overlapping times,
the second waits for the first to commit and then finds the time taken. What the informant does
is recorded in the audit log as done by "informant <code> via offer link"."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, languages
from ..access import UserRole
from ..auth.models import User
from ..consent.gates import consent_summaries
from ..consent.models import ConsentRecord, FormStatus
from ..consent.services.versions import active_version, get_form_version
from ..consent.tokens import TokenProblem
from ..database import lock_rows, utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..informants.models import Informant
from ..interviews import services as interviews
from ..interviews.models import Interview
from ..interviews.planning import TimeTaken, clashes, open_interviews_near
from ..interviews.queries import get_interview
from ..outbox import services as outbox
from ..validation import clean_text
from .models import Offer, OfferNeed, OfferStatus
from .queries import load_offer, lock_offer
from .rules import CutoffPassed, SlotTaken, cutoff_hours, informant_actor
from .tokens import find_offer

# What the informant sees


@dataclass(frozen=True)
class Slot:
    id: int
    starts_at: datetime
    ends_at: datetime
    is_free: bool
    is_booked: bool


@dataclass(frozen=True)
class OfferContext:
    """Everything the informant's page may show: their own offer and nothing else."""

    offer: Offer
    link_id: int
    slots: tuple
    interview: Interview | None
    needs_consent: bool
    consent_version: object
    cutoff_at: datetime | None
    can_change: bool
    actor: str

    @property
    def language(self):
        return self.offer.language.value

    @property
    def free_slots(self):
        return tuple(slot for slot in self.slots if slot.is_free and not slot.is_booked)


def open_offer(token, *, now=None):
    """The offer behind a link, as its page shows it, or TokenProblem. Changes nothing."""
    now = now or utcnow()
    link_id, offer = find_offer(token, now=now)
    offer = load_offer(offer.id)
    if not offer.informant.status.may_be_contacted:
        raise TokenProblem("used", link_id)
    interview = None
    if offer.status is OfferStatus.BOOKED:
        interview = get_interview(offer.interview_id) if offer.interview_id else None
        if interview is None or not interview.status.is_open or interview.starts_at <= now:
            raise TokenProblem("used", link_id)
    summary = consent_summaries([offer.informant_id])[offer.informant_id]
    needs_consent = not summary.may_participate and offer.status.is_open
    cutoff_at = (interview.starts_at - timedelta(hours=cutoff_hours())) if interview else None
    return OfferContext(
        offer=offer, link_id=link_id, interview=interview,
        slots=tuple(_slots(offer, now=now, booked=interview)),
        needs_consent=needs_consent,
        consent_version=_consent_version(offer) if needs_consent else None,
        cutoff_at=cutoff_at, can_change=cutoff_at is not None and now < cutoff_at,
        actor=informant_actor(offer))


def _slots(offer, *, now, booked=None):
    free = free_interviewers(offer, exclude_interview_id=booked.id if booked else None)
    for slot in offer.slots:
        is_booked = booked is not None and booked.starts_at == slot.starts_at
        yield Slot(slot.id, slot.starts_at, slot.ends_at,
                   is_free=slot.starts_at > now and bool(free[slot.id]), is_booked=is_booked)


def free_interviewers(offer, *, exclude_interview_id=None):
    """{slot id: the ids of the offer's interviewers who could take it, in the order to try},
    empty where the slot cannot be booked (the informant or the interviewers needed are busy).
    One query for all the slots."""
    user_ids = [u.id for u in offer.interviewers]
    first = min(slot.starts_at for slot in offer.slots)
    last = max(slot.ends_at for slot in offer.slots)
    nearby = open_interviews_near(first, last, [offer.informant_id], user_ids,
                                  exclude_id=exclude_interview_id)
    result = {}
    for slot in offer.slots:
        busy = set()
        informant_busy = False
        for other in nearby:
            if clashes(slot.starts_at, slot.ends_at, offer.mode, other) is None:
                continue
            informant_busy = informant_busy or any(i.id == offer.informant_id
                                                   for i in other.informants)
            busy.update(u.id for u in other.interviewers)
        free = [uid for uid in user_ids if uid not in busy]
        if informant_busy or (offer.need is OfferNeed.ALL and len(free) != len(user_ids)):
            free = []
        result[slot.id] = free
    return result


def _consent_version(offer):
    """The consent form the offer page asks the informant to answer: the one requested of
    them, else the active one in the offer's language, else in theirs."""
    record = db.session.scalar(select(ConsentRecord)
                               .where(ConsentRecord.informant_id == offer.informant_id))
    if record is not None and record.requested_version_id:
        version = get_form_version(record.requested_version_id)
        if version is not None and version.status is FormStatus.ACTIVE:
            return version
    return active_version(offer.language) or active_version(offer.informant.language)


def mark_opened(context, *, now=None):
    """The first look at an offer moves it from sent to opened (the offers page shows it)."""
    now = now or utcnow()
    offer = context.offer
    if offer.status is not OfferStatus.SENT:
        return offer
    offer = lock_offer(offer.id)
    if offer.status is OfferStatus.SENT:
        offer.status, offer.opened_at, offer.updated_at = OfferStatus.OPENED, now, now
        audit.record("offer.open", by=context.actor, entity=offer, now=now,
                     before={"status": "sent"}, after={"status": "opened"})
    db.session.commit()
    return offer



# What the informant does


def give_consent_through_offer(context, items, *, agree, now=None):
    """The consent form on the offer page, under the same rules as the consent link: every
    required item ticked to consent, or a refusal, which also declines the offer."""
    from ..consent.models import ConsentMethod
    from ..consent.services import answers

    now = now or utcnow()
    version = context.consent_version
    if version is None:
        raise NotAllowed(_("There is no consent form to answer."))
    if agree:
        return answers.give_consent(context.offer.informant, items,
                                    method=ConsentMethod.ELECTRONIC, by=context.actor, now=now,
                                    version=version)
    offer = lock_offer(context.offer.id)
    if offer.status.is_open:
        _answer(offer, OfferStatus.DECLINED, by=context.actor, now=now, message="")
    return answers.decline_consent(offer.informant, method=ConsentMethod.ELECTRONIC,
                                   by=context.actor, now=now, version=version)


def book(context, slot_id, *, now=None):
    """Book one of the offered times: the interview is made with the guide version and
    interviewers chosen in the offer and the invitations go out (SEQUENCE 0); the other times
    are released. SlotTaken when the time has been taken meanwhile."""
    now = now or utcnow()
    offer = lock_offer(context.offer.id)
    actor = informant_actor(offer)
    if not offer.status.is_open:
        raise NotAllowed(_("The offer has been answered already."))
    if offer.expires_at <= now:
        raise NotAllowed(_("The offer has expired."))
    slot = _slot(offer, slot_id, now=now)
    if not consent_summaries([offer.informant_id])[offer.informant_id].may_participate:
        raise NotAllowed(_("Consent to take part is needed before booking."))
    lock_rows(Informant, [offer.informant_id])
    lock_rows(User, [u.id for u in offer.interviewers])
    interview = _make_interview(offer, slot, actor=actor, now=now)
    before = offer.audit_snapshot()
    offer.status, offer.interview_id = OfferStatus.BOOKED, interview.id
    offer.answered_at = offer.updated_at = now
    audit.record_update("offer.book", by=actor, entity=offer, before=before,
                        after={**offer.audit_snapshot(), "booked": slot.starts_at.isoformat(),
                               "released": [s.starts_at.isoformat() for s in offer.slots
                                            if s.id != slot.id]}, now=now)
    db.session.commit()
    return get_interview(interview.id)


def _slot(offer, slot_id, *, now=None):
    slot = next((s for s in offer.slots if s.id == slot_id), None)
    if slot is None:
        raise DomainError(_("Choose one of the offered times."), "slot")
    if slot.starts_at <= (now or utcnow()):
        raise SlotTaken(_("That time has passed."))
    return slot


def _candidates(offer, first=()):
    """The interviewer sets to try, in order: all of them, or each one (those in `first` first)."""
    ids = [u.id for u in offer.interviewers]
    if offer.need is OfferNeed.ALL:
        return [ids]
    return [[uid] for uid in sorted(ids, key=lambda uid: (uid not in first, uid))]


# The coordinator chose the offered times, availability warnings included, so a booking stands;
# the interview's audit trail still records which warnings it went against.
OFFERED_TIME_REASON = "A time the coordinator offered, chosen by the informant"


def _values(offer, slot, interviewer_ids, *, notes=""):
    informant = offer.informant
    return {"informant_ids": [offer.informant_id], "interviewer_ids": interviewer_ids,
            "starts_at": slot.starts_at, "duration_minutes": offer.duration_minutes,
            "mode": offer.mode.value, "place": offer.place, "meeting_url": offer.meeting_url,
            "guide_version_id": offer.guide_version_id,
            "language": offer.language if offer.language != informant.language else None,
            "notes": notes, "availability_reason": OFFERED_TIME_REASON}


def _make_interview(offer, slot, *, actor, now):
    for interviewer_ids in _candidates(offer):
        try:
            return interviews.create_interview(_values(offer, slot, interviewer_ids), by=actor,
                                               now=now)
        except TimeTaken:
            continue
    raise SlotTaken(_("That time has just been taken."))


def move(context, slot_id, *, now=None):
    """Move the booked interview to another offered time, until the cut-off: everyone gets the
    update (same UID, SEQUENCE raised)."""
    now = now or utcnow()
    offer = lock_offer(context.offer.id)
    actor = informant_actor(offer)
    interview = _booked_interview(offer, now=now)
    slot = _slot(offer, slot_id, now=now)
    if slot.starts_at == interview.starts_at:
        raise DomainError(_("The interview is already at that time."), "slot")
    lock_rows(Informant, [offer.informant_id])
    lock_rows(User, sorted({u.id for u in offer.interviewers} |
                           {u.id for u in interview.interviewers}))
    before = {"starts_at": interview.starts_at.isoformat()}
    current = [u.id for u in interview.interviewers]
    for interviewer_ids in _candidates(offer, first=current):
        try:
            interview, _changes = interviews.update_interview(
                interview, _values(offer, slot, interviewer_ids, notes=interview.notes),
                by=actor, now=now)
            break
        except TimeTaken:
            continue
    else:
        raise SlotTaken(_("That time has just been taken."))
    offer.updated_at = now
    audit.record("offer.move", by=actor, entity=offer, before=before,
                 after={"starts_at": interview.starts_at.isoformat()}, now=now)
    db.session.commit()
    return get_interview(interview.id)


def _booked_interview(offer, *, now):
    if offer.status is not OfferStatus.BOOKED or offer.interview_id is None:
        raise NotAllowed(_("Nothing has been booked with this offer."))
    interview = get_interview(offer.interview_id)
    if interview is None or not interview.status.is_open:
        raise NotAllowed(_("The interview is no longer planned."))
    if now >= interview.starts_at - timedelta(hours=cutoff_hours()):
        raise CutoffPassed(_("It is too late to change the interview through the link."))
    return interview


def cancel_booking(context, *, message="", now=None):
    """Cancel the booked interview, until the cut-off: everyone gets the cancellation (CANCEL)
    and the coordinator who made the offer is told."""
    now = now or utcnow()
    offer = lock_offer(context.offer.id)
    actor = informant_actor(offer)
    interview = _booked_interview(offer, now=now)
    message = _clean_message(message)
    interviews.cancel_open_interview(interview, by=actor, now=now)
    _answer(offer, OfferStatus.CANCELLED, by=actor, now=now, message=message)
    db.session.commit()
    return offer


def decline(context, *, message="", now=None):
    """"None of these suit me", with a message to the team, who are told."""
    now = now or utcnow()
    offer = lock_offer(context.offer.id)
    if not offer.status.is_open:
        raise NotAllowed(_("The offer has been answered already."))
    _answer(offer, OfferStatus.DECLINED, by=informant_actor(offer), now=now,
            message=_clean_message(message))
    db.session.commit()
    return offer


def _clean_message(message):
    try:
        return clean_text(message, max_length=2000, label=_("Message"), multiline=True)
    except DomainError as error:
        raise DomainError(error.message, "message") from None


def _answer(offer, status, *, by, now, message):
    """Record the informant's answer and tell the team; no commit."""
    before = offer.audit_snapshot()
    offer.status, offer.message = status, message or offer.message
    offer.answered_at = offer.updated_at = now
    audit.record_update(f"offer.{'decline' if status is OfferStatus.DECLINED else 'cancel'}",
                        by=by, entity=offer, before=before, after=offer.audit_snapshot(),
                        now=now)
    _tell_the_team(offer, now=now)


def _tell_the_team(offer, *, now):
    """An email to whoever made the offer (else every coordinator): the informant's code and a
    link to the offer's page, where the message is. Names and messages stay in the app."""
    recipients = [offer.created_by] if offer.created_by is not None and \
        offer.created_by.is_enabled else db.session.scalars(
            select(User).where(User.role == UserRole.COORDINATOR, User.is_enabled.is_(True))
            .order_by(User.id)).all()
    base = current_app.config["BASE_URL"].rstrip("/")
    for user in recipients:
        outbox.queue_rendered_email(
            "offer_answer", languages.for_user(user), recipient=(user.email, user.name),
            purpose="offer-answer", now=now, user_id=user.id,
            context={"recipient_name": user.name, "code": offer.informant.code,
                     "status": offer.status.value, "has_message": bool(offer.message),
                     "offer_page": f"{base}/offers/{offer.id}"})
