"""Answers to invitations read back from the study mailbox (iTIP REPLY and COUNTER, RFC 5546)."""

from datetime import datetime

from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db


class AnswerStatus(LabelledEnum):
    """PARTSTAT of a REPLY, as the coordinator reads it."""

    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"

    __labels__ = {
        "accepted": lazy_pgettext("calendar answer", "Accepted"),
        "tentative": lazy_pgettext("calendar answer", "Tentative"),
        "declined": lazy_pgettext("calendar answer", "Declined"),
    }


class MessageOutcome(LabelledEnum):
    """What the reader did with one message of the mailbox, kept by its Message-ID."""

    RECORDED = "recorded"        # an answer stored; the message moved to the done folder
    PROPOSED = "proposed"        # a COUNTER stored as a proposal; moved
    STALE = "stale"              # a REPLY to an older SEQUENCE (or older than the one stored); moved
    UNMATCHED = "unmatched"      # unknown UID or an address not invited; left in the mailbox
    MALFORMED = "malformed"      # a REPLY/COUNTER part that cannot be read; left in the mailbox

    __labels__ = {
        "recorded": lazy_pgettext("mailbox message", "Recorded"),
        "proposed": lazy_pgettext("mailbox message", "Proposed"),
        "stale": lazy_pgettext("mailbox message", "Stale"),
        "unmatched": lazy_pgettext("mailbox message", "Unmatched"),
        "malformed": lazy_pgettext("mailbox message", "Malformed"),
    }

    @property
    def is_handled(self):
        """Moved to the done folder; the others stay where the coordinator can look at them."""
        return self in (MessageOutcome.RECORDED, MessageOutcome.PROPOSED, MessageOutcome.STALE)


class ProposalStatus(LabelledEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    __labels__ = {
        "open": lazy_pgettext("proposal", "Open"),
        "accepted": lazy_pgettext("proposal", "Accepted"),
        "declined": lazy_pgettext("proposal", "Declined"),
    }


class MailboxMessage(db.Model):
    """One message the reader has dealt with. The unique Message-ID is what makes reading
    idempotent: the answer and this row commit together, so a reader killed after the commit
    (before the move) or a second reader at the same moment finds the row and records nothing
    again. Holds no content: the outcome and, for a matched answer, the interview."""

    __tablename__ = "mailbox_message"
    __table_args__ = (
        # The scheduler status page counts what was left in the mailbox.
        Index("ix_mailbox_message_outcome", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    outcome: Mapped[MessageOutcome] = mapped_column(enum_column(MessageOutcome))
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview.id", ondelete="SET NULL"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a reader took on moving the message to the done folder (see services.claim_move):
    # two readers that both found the message never both copy it there.
    move_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttendeeAnswer(db.Model):
    """The latest answer of one attendee (an informant or an interviewer) to one interview.
    An attendee with no row has not answered yet."""

    __tablename__ = "attendee_answer"
    __table_args__ = (
        CheckConstraint("(informant_id IS NULL) <> (user_id IS NULL)", name="one_attendee"),
        # One answer per attendee: a later one replaces it (the audit log keeps each).
        Index("uq_attendee_answer_informant", "interview_id", "informant_id", unique=True,
              sqlite_where=text("informant_id IS NOT NULL"),
              postgresql_where=text("informant_id IS NOT NULL")),
        Index("uq_attendee_answer_user", "interview_id", "user_id", unique=True,
              sqlite_where=text("user_id IS NOT NULL"), postgresql_where=text("user_id IS NOT NULL")),
        # The dashboard's and the digest's declines, and the list's marks, by status.
        Index("ix_attendee_answer_status", "status", "interview_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    informant_id: Mapped[int | None] = mapped_column(ForeignKey("informant.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    status: Mapped[AnswerStatus] = mapped_column(enum_column(AnswerStatus))
    # The SEQUENCE answered: an answer to an older version says nothing about the current time.
    sequence: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the answer's DTSTAMP
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    informant = relationship("Informant", lazy="raise")
    user = relationship("User", lazy="raise")


class CounterProposal(db.Model):
    """A COUNTER: an attendee proposes another time. The coordinator accepts it (the interview
    moves) or declines it (a DECLINECOUNTER goes back)."""

    __tablename__ = "counter_proposal"
    __table_args__ = (
        CheckConstraint("(informant_id IS NULL) <> (user_id IS NULL)", name="one_proposer"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The interview page lists its open proposals.
        Index("ix_counter_proposal_interview_status", "interview_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    informant_id: Mapped[int | None] = mapped_column(ForeignKey("informant.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # The address the COUNTER came from, where the DECLINECOUNTER goes.
    email: Mapped[str] = mapped_column(String(254))
    sequence: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus),
                                                   default=ProposalStatus.OPEN)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    informant = relationship("Informant", lazy="raise")
    user = relationship("User", lazy="raise", foreign_keys=[user_id])
