"""Calendar answers: read the study mailbox, record each answer once, act on proposals.

`read_replies` is the one reader (the scheduler's job and `flask mail read-replies` call it). Each
message with a REPLY or COUNTER is recorded in its own transaction, together with a
`mailbox_message` row holding its Message-ID (unique): a reader killed after the commit, or a
second reader, finds the row and records nothing twice; the message is moved to the done folder
only after the commit, so a kill before the move just moves it on the next run.

Answers from an address not invited or for an unknown UID, and unreadable ones, stay in the
mailbox; each is counted and audit-logged once, without its content (no address, no text).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..database import lock_rows, utcnow
from ..extensions import db
from ..interviews.models import OPEN_STATUSES, Interview, InterviewStatus
from .mailbox import Mailbox, MailboxError, parse_imap_url
from .models import (
    AnswerStatus,
    AttendeeAnswer,
    CounterProposal,
    MailboxMessage,
    MessageOutcome,
    ProposalStatus,
)
from .parsing import read_message, read_message_id

log = logging.getLogger(__name__)

READER = "mailbox reader"  # the audit log's actor for what the reader records
NO_ANSWER_DAYS = 2
MOVE_LEASE = timedelta(minutes=10)  # the list and calendar mark an interview nobody answered this close to it


@dataclass
class ReadReport:
    configured: bool = True
    recorded: int = 0
    proposals: int = 0
    stale: int = 0
    unmatched: int = 0
    malformed: int = 0
    moved: int = 0

    def add(self, outcome, *, is_new):
        if is_new:
            name = {MessageOutcome.RECORDED: "recorded", MessageOutcome.PROPOSED: "proposals",
                    MessageOutcome.STALE: "stale", MessageOutcome.UNMATCHED: "unmatched",
                    MessageOutcome.MALFORMED: "malformed"}[outcome]
            setattr(self, name, getattr(self, name) + 1)

    def summary(self):
        if not self.configured:
            return "no mailbox configured"
        return (f"{self.recorded} answers, {self.proposals} proposals, {self.stale} stale, "
                f"{self.unmatched + self.malformed} left in the mailbox, {self.moved} moved")


def read_replies(*, now=None):
    """Read the mailbox of FIELDWORK_IMAP_URL once. Raises MailboxError if it cannot be read
    (the scheduler records the failure; the next run tries again)."""
    url = current_app.config.get("IMAP_URL")
    if not url:
        return ReadReport(configured=False)
    settings = parse_imap_url(url)
    done = current_app.config["IMAP_DONE_FOLDER"]
    if done.strip("/").upper() == settings.folder.strip("/").upper():
        raise MailboxError("the done folder must differ from the folder read")
    report = ReadReport()
    with Mailbox(settings) as box:
        box.ensure_folder(done)
        for uid in box.calendar_uids():
            raw = box.fetch(uid)
            if raw is None:
                continue  # moved by another reader meanwhile
            result = handle_message(raw, now=now or utcnow())
            if result is None:
                continue  # not a calendar answer: never touched
            outcome, is_new = result
            report.add(outcome, is_new=is_new)
            if outcome.is_handled and claim_move(read_message_id(raw), now=utcnow()):
                box.move(uid, done)
                report.moved += 1
    return report


def claim_move(message_id, *, now):
    """Whether this reader moves the message: the first to claim it does, or anyone once a
    claim is MOVE_LEASE old (its reader died between the claim and the move). Commits."""
    result = db.session.execute(
        update(MailboxMessage)
        .where(MailboxMessage.message_id == message_id,
               or_(MailboxMessage.move_claimed_at.is_(None),
                   MailboxMessage.move_claimed_at < now - MOVE_LEASE))
        .values(move_claimed_at=now))
    db.session.commit()
    return result.rowcount == 1


def handle_message(raw, *, now):
    """Record what one message holds; commits. Returns (outcome, is_new), or None for a message
    that is not a calendar answer. Safe to call twice with the same message, at once or not."""
    read = read_message(raw)
    if not read.is_answer:
        return None
    known = _known(read.message_id)
    if known is not None:
        return known, False
    try:
        if read.answer is None:
            outcome = _left_in_mailbox(read.message_id, MessageOutcome.MALFORMED, read.problem,
                                       now=now)
        else:
            outcome = _record(read.answer, read.message_id, now=now)
        if outcome is None:  # recorded by another reader while this one waited for the lock
            db.session.rollback()
            return _known(read.message_id), False
        db.session.commit()
        return outcome, True
    except IntegrityError:
        # Another reader inserted the same Message-ID first and has committed.
        db.session.rollback()
        known = _known(read.message_id)
        if known is None:
            raise
        return known, False


def _known(message_id):
    return db.session.scalar(select(MailboxMessage.outcome)
                             .where(MailboxMessage.message_id == message_id))


def _left_in_mailbox(message_id, outcome, reason, *, now, interview_id=None):
    row = MailboxMessage(message_id=message_id, outcome=outcome, interview_id=interview_id,
                         read_at=now)
    db.session.add(row)
    db.session.flush()
    # Without content: not the address, the UID or the text; the reason is a fixed phrase.
    audit.record(f"mailbox.{outcome.value}", by=READER, entity_type="mailbox_message",
                 entity_id=row.id, after={"reason": reason, "interview_id": interview_id},
                 now=now)
    return outcome


def _record(answer, message_id, *, now):
    interview_id = db.session.scalar(select(Interview.id).where(Interview.uid == answer.uid))
    if interview_id is None:
        return _left_in_mailbox(message_id, MessageOutcome.UNMATCHED, "unknown interview",
                                now=now)
    # Answers to one interview are recorded one at a time: a second reader waits here, then
    # finds the first one's Message-ID.
    lock_rows(Interview, [interview_id])
    if _known(message_id) is not None:
        return None
    interview = db.session.scalar(
        select(Interview).where(Interview.id == interview_id)
        .options(selectinload(Interview.informants), selectinload(Interview.interviewers)))
    informant, user = _attendee_of(interview, answer.attendee)
    if informant is None and user is None:
        return _left_in_mailbox(message_id, MessageOutcome.UNMATCHED, "address not invited",
                                now=now, interview_id=interview.id)
    if answer.sequence < interview.sequence:
        outcome = MessageOutcome.STALE  # RFC 5546 2.1.5: an answer to a superseded version
    elif answer.method == "REPLY":
        outcome = _record_reply(interview, informant, user, answer, now=now)
    elif not interview.status.is_open:
        outcome = MessageOutcome.STALE
    else:
        outcome = _record_counter(interview, informant, user, answer, now=now)
    db.session.add(MailboxMessage(message_id=message_id, outcome=outcome,
                                  interview_id=interview.id, read_at=now))
    return outcome


def _attendee_of(interview, address):
    """(informant, None) or (None, user) invited to `interview` with `address`, in any case."""
    for informant in interview.informants:
        if informant.email and informant.email.strip().lower() == address:
            return informant, None
    for user in interview.interviewers:
        if user.email and user.email.strip().lower() == address:
            return None, user
    return None, None


def attendee_code(informant, user):
    """How the audit log names an attendee: an informant's pseudonym code, a colleague's id."""
    return informant.code if informant is not None else f"user:{user.id}"


def _record_reply(interview, informant, user, answer, *, now):
    current = db.session.scalar(select(AttendeeAnswer).where(
        AttendeeAnswer.interview_id == interview.id,
        AttendeeAnswer.informant_id == informant.id if informant is not None
        else AttendeeAnswer.user_id == user.id))
    stamp = answer.stamp or now
    if current is not None and (current.sequence > answer.sequence or (
            current.sequence == answer.sequence and current.answered_at > stamp)):
        return MessageOutcome.STALE  # an older answer that arrived after a newer one
    before = _answer_snapshot(current) if current is not None else {"status": None}
    if current is None:
        current = AttendeeAnswer(interview_id=interview.id,
                                 informant_id=informant.id if informant else None,
                                 user_id=user.id if user else None)
        db.session.add(current)
    current.status, current.sequence, current.comment = answer.status, answer.sequence, answer.comment
    current.answered_at, current.received_at = stamp, now
    code = attendee_code(informant, user)
    audit.record("interview.answer", by=READER, entity=interview,
                 before={"attendee": code, **before},
                 after={"attendee": code, **_answer_snapshot(current)}, now=now)
    return MessageOutcome.RECORDED


def _answer_snapshot(answer):
    # Whether a comment came, not its words: the audit log outlives the erasure of free text
    # (fieldwork.replies.retention), and the comment stays readable on the interview page.
    return {"status": answer.status.value, "sequence": answer.sequence,
            "has_comment": bool(answer.comment)}


def _record_counter(interview, informant, user, answer, *, now):
    proposal = CounterProposal(
        interview_id=interview.id, informant_id=informant.id if informant else None,
        user_id=user.id if user else None,
        email=(informant.email if informant else user.email).strip(), sequence=answer.sequence,
        starts_at=answer.starts_at, ends_at=answer.ends_at, comment=answer.comment,
        received_at=now, status=ProposalStatus.OPEN)
    db.session.add(proposal)
    db.session.flush()
    audit.record("interview.counter", by=READER, entity=interview,
                 after={"attendee": attendee_code(informant, user), "proposal_id": proposal.id,
                        "starts_at": proposal.starts_at.isoformat(),
                        "ends_at": proposal.ends_at.isoformat(),
                        "has_comment": bool(proposal.comment)},
                 now=now)
    return MessageOutcome.PROPOSED


# What the pages read


@dataclass(frozen=True)
class AttendeeRow:
    code: str                 # an informant's code, or a colleague's name
    name: str
    is_informant: bool
    informant_id: int | None
    answer: AttendeeAnswer | None  # None: no answer to the current version yet

    @property
    def label(self):
        return self.answer.status.label if self.answer is not None else _("No answer yet")

    @property
    def status_value(self):
        return self.answer.status.value if self.answer is not None else "no-answer"


def answers_for(interview):
    """Each attendee of `interview` (informants first) with their answer to its current version
    (an answer to an older SEQUENCE is about a time that no longer holds)."""
    answers = db.session.scalars(select(AttendeeAnswer).where(
        AttendeeAnswer.interview_id == interview.id,
        AttendeeAnswer.sequence >= interview.sequence)).all()
    by_informant = {a.informant_id: a for a in answers if a.informant_id is not None}
    by_user = {a.user_id: a for a in answers if a.user_id is not None}
    rows = [AttendeeRow(i.code, i.name, True, i.id, by_informant.get(i.id))
            for i in interview.informants]
    rows += [AttendeeRow(u.name, u.name, False, None, by_user.get(u.id))
             for u in interview.interviewers]
    return rows


def open_proposals(interview):
    return db.session.scalars(
        select(CounterProposal).where(CounterProposal.interview_id == interview.id,
                                      CounterProposal.status == ProposalStatus.OPEN)
        .options(selectinload(CounterProposal.informant), selectinload(CounterProposal.user))
        .order_by(CounterProposal.received_at, CounterProposal.id)).all()


def _current_decline():
    return and_(AttendeeAnswer.interview_id == Interview.id,
                AttendeeAnswer.status == AnswerStatus.DECLINED,
                AttendeeAnswer.sequence >= Interview.sequence)


@dataclass(frozen=True)
class Decline:
    interview_id: int
    starts_at: object
    code: str          # the informant's code, or a colleague's name
    answered_at: object


def open_declines(now, *, limit=None):
    """Declines of the current version of open interviews still ahead, soonest first: the
    dashboard's alerts and the digest's entries. They go once the interview is rescheduled
    (a new SEQUENCE) or cancelled."""
    from ..auth.models import User
    from ..informants.models import Informant

    query = (select(Interview.id, Interview.starts_at,
                    func.coalesce(Informant.code, User.name), AttendeeAnswer.answered_at)
             .join(AttendeeAnswer, _current_decline())
             .outerjoin(Informant, Informant.id == AttendeeAnswer.informant_id)
             .outerjoin(User, User.id == AttendeeAnswer.user_id)
             .where(Interview.status.in_(OPEN_STATUSES), Interview.starts_at > now)
             .order_by(Interview.starts_at, Interview.id, AttendeeAnswer.id))
    if limit is not None:
        query = query.limit(limit)
    return [Decline(*row) for row in db.session.execute(query)]


def answer_marks(interview_ids, *, now):
    """{interview id: "declined" | "no-answer"} for the list and the calendar: someone declined
    the current version, or no informant has answered and it starts within NO_ANSWER_DAYS."""
    ids = list(interview_ids)
    if not ids:
        return {}
    declined = set(db.session.scalars(
        select(Interview.id).where(Interview.id.in_(ids), Interview.status.in_(OPEN_STATUSES),
                                   exists().where(_current_decline()))))
    answered = exists().where(AttendeeAnswer.interview_id == Interview.id,
                              AttendeeAnswer.informant_id.is_not(None),
                              AttendeeAnswer.sequence >= Interview.sequence)
    silent = set(db.session.scalars(
        select(Interview.id).where(Interview.id.in_(ids),
                                   Interview.status == InterviewStatus.INVITED,
                                   Interview.starts_at > now,
                                   Interview.starts_at <= now + timedelta(days=NO_ANSWER_DAYS),
                                   ~answered)))
    marks = {i: "no-answer" for i in silent}
    marks.update({i: "declined" for i in declined})
    return marks


def left_in_mailbox():
    """How many answers the reader could not match or read (they wait in the mailbox)."""
    return db.session.scalar(select(func.count()).select_from(MailboxMessage).where(
        or_(MailboxMessage.outcome == MessageOutcome.UNMATCHED,
            MailboxMessage.outcome == MessageOutcome.MALFORMED)))
