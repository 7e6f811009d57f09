"""Offers: the coordinator proposes times, the informant books, moves or cancels through their
personal link, and the scheduler follows up and expires what was not answered.

Each public function that changes something owns its transaction: it commits once, with its
audit events and the emails it causes. What the informant does through the link is recorded as
done by "informant <code> via offer link"; they have no account.

Booking holds the interview overlap rule the way scheduling does (fieldwork.interviews.planning):
the offer, then the informant, then the interviewers are locked, in that order and each in id
order, before the check; of two informants booking the same interviewer at overlapping times,
the second waits for the first to commit and then finds the time taken.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..access import UserRole
from ..auth.models import User
from ..consent.gates import consent_summaries
from ..consent.models import ConsentRecord, FormStatus
from ..consent.services.requests import note_contacted
from ..consent.services.versions import active_version, get_form_version
from ..consent.tokens import TokenProblem, informant_links
from ..database import ListPage, lock_rows, utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..informants.models import Informant
from ..interviews import services as interviews
from ..interviews.invitations import local_when
from ..interviews.models import Interview, InterviewMode
from ..interviews.planning import (
    MIN_DURATION,
    TimeTaken,
    _clean_meeting_url,
    _guide_version,
    _informant_language,
    clashes,
    load_interviewers,
    open_interviews_near,
    parse_duration,
    parse_ids,
)
from ..interviews.queries import get_interview
from ..outbox import services as outbox
from ..timeutil import local_to_utc
from ..validation import clean_text
from .models import OPEN_OFFER_STATUSES, Offer, OfferNeed, OfferSlot, OfferStatus
from .tokens import find_offer, issue_link, offer_url

MAX_SLOTS = 20
FOLLOW_UP_HOURS = 24  # an unanswered offer is followed up once, this long before it expires
STAFF_LANGUAGE = "en"
SCHEDULER = "scheduler"


class SlotTaken(NotAllowed):
    """The chosen time is no longer free: someone else booked it, or the team scheduled it."""


class CutoffPassed(NotAllowed):
    """Too close to the interview to move or cancel it through the link."""


def informant_actor(offer):
    """Who the audit log names when the informant acts through their link: by code, never name."""
    return f"informant {offer.informant.code} via offer link"


def cutoff_hours():
    return current_app.config["OFFER_CUTOFF_HOURS"]


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
        raise DomainError("Choose at least one informant.", "informant_ids")
    for informant in informants:
        if not informant.status.may_be_contacted:
            raise DomainError(f"{informant.code} {informant.status.no_contact_reason}, so no "
                              "times can be offered.", "informant_ids")
        if not informant.email:
            raise DomainError(f"{informant.code} has no email address, so the offer cannot be "
                              "sent.", "informant_ids")
    interviewers = load_interviewers(interviewer_ids, "interviewer_ids",
                                     missing="Choose at least one interviewer.")
    try:
        need = OfferNeed(values.get("need") or "all")
    except ValueError:
        raise DomainError("Choose whether the interview needs all the interviewers or any one.",
                          "need") from None
    duration = parse_duration(values.get("duration_minutes"), "duration_minutes",
                              minimum=MIN_DURATION)
    try:
        mode = InterviewMode(values.get("mode"))
    except ValueError:
        raise DomainError("Choose how the interview takes place.", "mode") from None
    place = clean_text(values.get("place"), max_length=300, label="Place")
    meeting_url = _clean_meeting_url(values.get("meeting_url"))
    if mode is InterviewMode.IN_PERSON and not place:
        raise DomainError("Enter where the interview takes place.", "place")
    if mode is InterviewMode.VIDEO and not meeting_url:
        raise DomainError("Enter the meeting link for a video interview.", "meeting_url")
    guide_version = _guide_version(values.get("guide_version_id"), None)
    language = _informant_language(values.get("language"))
    starts = _clean_starts(values, now=now)
    expires_at = _clean_expiry(values, now=now, last_start=starts[-1])

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
        note_contacted(informant, by=by, now=now)
        _send_offer(offer, by=by, now=now, is_follow_up=False)
        offers.append(offer)
    db.session.commit()
    return offers


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
            raise DomainError("An offered time could not be read; choose the times again.",
                              "times")
        starts.add(instant.astimezone(UTC))
    for day, start_time in values.get("local_starts") or ():
        if day is None and start_time is None:
            continue
        if not isinstance(day, date) or not isinstance(start_time, time):
            raise DomainError("Enter both the date and the time of each time you add.", "times")
        try:
            starts.add(local_to_utc(day, start_time))
        except DomainError as error:
            raise DomainError(error.message, "times") from None
    if not starts:
        raise DomainError("Choose or enter at least one time to offer.", "times")
    if len(starts) > MAX_SLOTS:
        raise DomainError(f"Offer at most {MAX_SLOTS} times.", "times")
    if min(starts) <= now:
        raise DomainError("Every offered time must be in the future.", "times")
    return sorted(starts)


def _clean_expiry(values, *, now, last_start):
    expires_at = values.get("expires_at")
    if isinstance(expires_at, datetime) and expires_at.tzinfo is not None:
        expires_at = expires_at.astimezone(UTC)
    else:
        day, at = values.get("expires_on"), values.get("expires_time") or time(23, 59)
        if not isinstance(day, date):
            raise DomainError("Enter the date the offer expires.", "expires_on")
        try:
            expires_at = local_to_utc(day, at)
        except DomainError as error:
            raise DomainError(error.message, "expires_on") from None
    if expires_at <= now:
        raise DomainError("The offer must expire in the future.", "expires_on")
    if expires_at > last_start:
        raise DomainError("The offer must expire before the last time offered.", "expires_on")
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
    offer = _locked(offer.id)
    if not offer.status.is_open:
        raise NotAllowed(f"A {offer.status.label.lower()} offer cannot be withdrawn.")
    before = offer.audit_snapshot()
    offer.status, offer.updated_at = OfferStatus.CANCELLED, now
    audit.record_update("offer.cancel", by=by, entity=offer, before=before,
                        after=offer.audit_snapshot(), now=now)
    db.session.commit()
    return offer


def _locked(offer_id):
    [offer] = lock_rows(Offer, [offer_id]) or [None]
    if offer is None:
        raise NotAllowed("The offer no longer exists.")
    return _load(offer_id)


def _load(offer_id):
    return db.session.scalar(
        select(Offer).where(Offer.id == offer_id)
        .options(selectinload(Offer.informant), selectinload(Offer.interviewers),
                 selectinload(Offer.slots), selectinload(Offer.created_by),
                 selectinload(Offer.guide_version))
        .execution_options(populate_existing=True))


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
    offer = _load(offer.id)
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
    offer = _locked(offer.id)
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
        raise NotAllowed("There is no consent form to answer.")
    if agree:
        return answers.give_consent(context.offer.informant, items,
                                    method=ConsentMethod.ELECTRONIC, by=context.actor, now=now,
                                    version=version)
    offer = _locked(context.offer.id)
    if offer.status.is_open:
        _answer(offer, OfferStatus.DECLINED, by=context.actor, now=now, message="")
    return answers.decline_consent(offer.informant, method=ConsentMethod.ELECTRONIC,
                                   by=context.actor, now=now, version=version)


def book(context, slot_id, *, now=None):
    """Book one of the offered times: the interview is made with the guide version and
    interviewers chosen in the offer and the invitations go out (SEQUENCE 0); the other times
    are released. SlotTaken when the time has been taken meanwhile."""
    now = now or utcnow()
    offer = _locked(context.offer.id)
    actor = informant_actor(offer)
    if not offer.status.is_open:
        raise NotAllowed("The offer has been answered already.")
    if offer.expires_at <= now:
        raise NotAllowed("The offer has expired.")
    slot = _slot(offer, slot_id, now=now)
    if not consent_summaries([offer.informant_id])[offer.informant_id].may_participate:
        raise NotAllowed("Consent to take part is needed before booking.")
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
        raise DomainError("Choose one of the offered times.", "slot")
    if slot.starts_at <= (now or utcnow()):
        raise SlotTaken("That time has passed.")
    return slot


def _candidates(offer, first=()):
    """The interviewer sets to try, in order: all of them, or each one (those in `first` first)."""
    ids = [u.id for u in offer.interviewers]
    if offer.need is OfferNeed.ALL:
        return [ids]
    return [[uid] for uid in sorted(ids, key=lambda uid: (uid not in first, uid))]


def _values(offer, slot, interviewer_ids, *, notes=""):
    informant = offer.informant
    return {"informant_ids": [offer.informant_id], "interviewer_ids": interviewer_ids,
            "starts_at": slot.starts_at, "duration_minutes": offer.duration_minutes,
            "mode": offer.mode.value, "place": offer.place, "meeting_url": offer.meeting_url,
            "guide_version_id": offer.guide_version_id,
            "language": offer.language if offer.language != informant.language else None,
            "notes": notes}


def _make_interview(offer, slot, *, actor, now):
    for interviewer_ids in _candidates(offer):
        try:
            return interviews.create_interview(_values(offer, slot, interviewer_ids), by=actor,
                                               now=now)
        except TimeTaken:
            continue
    raise SlotTaken("That time has just been taken.")


def move(context, slot_id, *, now=None):
    """Move the booked interview to another offered time, until the cut-off: everyone gets the
    update (same UID, SEQUENCE raised)."""
    now = now or utcnow()
    offer = _locked(context.offer.id)
    actor = informant_actor(offer)
    interview = _booked_interview(offer, now=now)
    slot = _slot(offer, slot_id, now=now)
    if slot.starts_at == interview.starts_at:
        raise DomainError("The interview is already at that time.", "slot")
    lock_rows(Informant, [offer.informant_id])
    lock_rows(User, sorted({u.id for u in offer.interviewers} |
                           {u.id for u in interview.interviewers}))
    before = {"starts_at": interview.starts_at.isoformat()}
    current = [u.id for u in interview.interviewers]
    for interviewer_ids in _candidates(offer, first=current):
        try:
            interview, _ = interviews.update_interview(
                interview, _values(offer, slot, interviewer_ids, notes=interview.notes),
                by=actor, now=now)
            break
        except TimeTaken:
            continue
    else:
        raise SlotTaken("That time has just been taken.")
    offer.updated_at = now
    audit.record("offer.move", by=actor, entity=offer, before=before,
                 after={"starts_at": interview.starts_at.isoformat()}, now=now)
    db.session.commit()
    return get_interview(interview.id)


def _booked_interview(offer, *, now):
    if offer.status is not OfferStatus.BOOKED or offer.interview_id is None:
        raise NotAllowed("Nothing has been booked with this offer.")
    interview = get_interview(offer.interview_id)
    if interview is None or not interview.status.is_open:
        raise NotAllowed("The interview is no longer planned.")
    if now >= interview.starts_at - timedelta(hours=cutoff_hours()):
        raise CutoffPassed("It is too late to change the interview through the link.")
    return interview


def cancel_booking(context, *, message="", now=None):
    """Cancel the booked interview, until the cut-off: everyone gets the cancellation (CANCEL)
    and the coordinator who made the offer is told."""
    now = now or utcnow()
    offer = _locked(context.offer.id)
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
    offer = _locked(context.offer.id)
    if not offer.status.is_open:
        raise NotAllowed("The offer has been answered already.")
    _answer(offer, OfferStatus.DECLINED, by=informant_actor(offer), now=now,
            message=_clean_message(message))
    db.session.commit()
    return offer


def _clean_message(message):
    try:
        return clean_text(message, max_length=2000, label="Message", multiline=True)
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
            "offer_answer", STAFF_LANGUAGE, recipient=(user.email, user.name),
            purpose="offer-answer", now=now, user_id=user.id,
            context={"recipient_name": user.name, "code": offer.informant.code,
                     "status": offer.status.value, "has_message": bool(offer.message),
                     "offer_page": f"{base}/offers/{offer.id}"})


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
        offer = _locked(offer_id)
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


# The team's pages


def offer_page(*, status=None, page=1, per_page=50):
    """A page of offers, newest first, with informant, interviewers and interview loaded."""
    rows = select(Offer).options(selectinload(Offer.informant), selectinload(Offer.slots),
                                 selectinload(Offer.interviewers),
                                 selectinload(Offer.interview))
    count = select(func.count()).select_from(Offer)
    if status is not None:
        rows, count = rows.where(Offer.status == status), count.where(Offer.status == status)
    rows = rows.order_by(Offer.created_at.desc(), Offer.id.desc())
    return ListPage(rows, count, scalars=True, page=page, per_page=per_page, error_out=False)


def get_offer(offer_id):
    offer = _load(offer_id)
    if offer is not None and offer.interview_id:
        offer.booked_interview = get_interview(offer.interview_id)
    return offer


def status_counts():
    counts = dict(db.session.execute(select(Offer.status, func.count())
                                     .group_by(Offer.status)).all())
    return {status: counts.get(status, 0) for status in OfferStatus}


@dataclass(frozen=True)
class DashboardOffers:
    waiting: int   # sent or opened, not answered yet
    answers: list  # the newest answers of the last 7 days


def dashboard_summary(*, now=None, limit=10):
    """The dashboard's part: offers waiting and the newest answers, in two queries."""
    now = now or utcnow()
    waiting = db.session.scalar(select(func.count()).select_from(Offer)
                                .where(Offer.status.in_(OPEN_OFFER_STATUSES)))
    answers = db.session.scalars(
        select(Offer).where(Offer.answered_at >= now - timedelta(days=7))
        .options(selectinload(Offer.informant), selectinload(Offer.interview))
        .order_by(Offer.answered_at.desc(), Offer.id.desc()).limit(limit)).all()
    return DashboardOffers(waiting, answers)


def recent_answers(start, end):
    """Offers answered (booked, declined, cancelled) between `start` and `end`, for the digest
    and the dashboard, with their interviews."""
    return db.session.scalars(
        select(Offer).where(Offer.answered_at >= start, Offer.answered_at < end)
        .options(selectinload(Offer.informant), selectinload(Offer.interview))
        .order_by(Offer.answered_at, Offer.id)).all()
