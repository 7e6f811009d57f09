"""A proposed new time (COUNTER), accepted or declined by the coordinator.

Accepting moves the interview through the interviews' own reschedule service, so every check
applies (overlaps, travel buffer, a time in the past) and everyone gets an update with a higher
SEQUENCE. Declining sends the proposer a DECLINECOUNTER (RFC 5546 3.2.8) through the outbox;
the interview keeps its time.
"""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit, ical, languages
from ..database import lock_rows, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..informants.models import Informant
from ..interviews import invitations
from ..interviews import services as interviews
from ..interviews.queries import get_interview
from ..outbox import services as outbox
from ..timeutil import to_local
from .models import CounterProposal, ProposalStatus
from .services import attendee_code


def get_proposal(proposal_id):
    return db.session.scalar(
        select(CounterProposal).where(CounterProposal.id == proposal_id)
        .options(selectinload(CounterProposal.informant), selectinload(CounterProposal.user)))


def _decide(proposal, status, *, by, now):
    """Lock the proposal, check it is still open, mark it decided; no commit."""
    [proposal] = lock_rows(CounterProposal, [proposal.id]) or [None]
    if proposal is None or proposal.status is not ProposalStatus.OPEN:
        raise NotAllowed(_("This proposal has been answered already."))
    interview = get_interview(proposal.interview_id)
    if not interview.status.is_open:
        raise NotAllowed(_cannot_move(interview))
    proposal.status, proposal.decided_at = status, now
    proposal.decided_by_id = getattr(by, "id", None)
    informant = db.session.get(Informant, proposal.informant_id) if proposal.informant_id else None
    user = None
    if informant is None:
        from ..auth.models import User
        user = db.session.get(User, proposal.user_id)
    audit.record(f"interview.counter_{status.value}", by=by, entity=interview,
                 after={"attendee": attendee_code(informant, user), "proposal_id": proposal.id,
                        "starts_at": proposal.starts_at.isoformat()}, now=now)
    return proposal, interview, informant, user


def _cannot_move(interview):
    """Why a closed interview keeps its time, as one sentence."""
    status = interview.status.value
    if status == "conducted":
        return _("A conducted interview cannot be moved.")
    if status == "cancelled":
        return _("A cancelled interview cannot be moved.")
    return _("A no show interview cannot be moved.")


def accept_proposal(proposal, *, by, now=None):
    """Move the interview to the proposed time; commits (through reschedule_interview)."""
    now = now or utcnow()
    proposal, interview, _, _ = _decide(proposal, ProposalStatus.ACCEPTED, by=by, now=now)
    start = to_local(proposal.starts_at)
    values = {
        "informant_ids": [i.id for i in interview.informants],
        "interviewer_ids": [u.id for u in interview.interviewers],
        "start_date": start.date(), "start_time": start.time().replace(tzinfo=None),
        "duration_minutes": int((proposal.ends_at - proposal.starts_at).total_seconds() // 60),
        "mode": interview.mode.value, "place": interview.place,
        "meeting_url": interview.meeting_url, "guide_version_id": interview.guide_version_id,
        "language": interview.language, "notes": interview.notes,
    }
    return interviews.reschedule_interview(interview, values, by=by, now=now)


def decline_proposal(proposal, *, by, now=None):
    """Send the proposer a DECLINECOUNTER; the interview stays as it is. Commits."""
    now = now or utcnow()
    proposal, interview, informant, user = _decide(proposal, ProposalStatus.DECLINED, by=by,
                                                   now=now)
    if informant is not None:
        language = languages.for_informant(informant, interview)
        person = invitations.Attendee(f"informant:{informant.id}", proposal.email, informant.name,
                                      informant.code, informant_id=informant.id,
                                      language=language)
        links = invitations._informant_links(informant, now, with_consent=False, by=by)
    else:
        language = languages.for_user(user)
        person = invitations.Attendee(f"user:{user.id}", proposal.email, user.name, user.name,
                                      user_id=user.id, language=language)
        links = {}
    event = invitations.calendar_event(interview, [person], language)
    calendar = ical.build_declinecounter(event, invitations.organizer(language), stamp=now)
    details = dict(invitations.message_details(interview, language))
    del details["language"]  # given to the template as the email's language
    outbox.queue_rendered_email(
        "counter_declined", language, recipient=(person.email, person.name),
        purpose="declinecounter", now=now, calendar=calendar, method="DECLINECOUNTER",
        sequence=interview.sequence, informant_id=person.informant_id, user_id=person.user_id,
        interview_id=interview.id, by=by,
        context={**details, "recipient_name": person.name, "is_informant": informant is not None,
                 "proposed": invitations.local_when(proposal.starts_at, language), **links})
    db.session.commit()
    return interview
