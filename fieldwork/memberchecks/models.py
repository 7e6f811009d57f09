"""Quotes from an interview, the member-check requests that ask their informant about them, and
the personal links of those requests (only a hash stored, like consent links)."""

from datetime import datetime

from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..informants.models import Language


class QuoteState(LabelledEnum):
    DRAFT = "draft"            # recorded by the team, not sent to the informant yet
    REQUESTED = "requested"    # in a member check, waiting for the informant's answer
    APPROVED = "approved"
    EDITED = "edited"          # approved in the informant's own wording (kept beside the original)
    REFUSED = "refused"
    NO_ANSWER = "no-answer"    # the deadline passed without an answer
    CANCELLED = "cancelled"    # the informant withdrew from the study

    __labels__ = {
        "draft": lazy_pgettext("quote", "Not asked yet"),
        "requested": lazy_pgettext("quote", "Waiting for answer"),
        "approved": lazy_pgettext("quote", "Approved"),
        "edited": lazy_pgettext("quote", "Approved as edited"),
        "refused": lazy_pgettext("quote", "Refused"),
        "no-answer": lazy_pgettext("quote", "No answer"),
        "cancelled": lazy_pgettext("quote", "Cancelled"),
    }

    @property
    def may_be_used(self):
        """The quote may go into a publication (as edited, for EDITED)."""
        return self in (QuoteState.APPROVED, QuoteState.EDITED)


ANSWERS = (QuoteState.APPROVED, QuoteState.EDITED, QuoteState.REFUSED)


class RequestStatus(LabelledEnum):
    OPEN = "open"
    ANSWERED = "answered"      # every quote answered
    EXPIRED = "expired"        # the deadline passed; open quotes became "no answer"
    CANCELLED = "cancelled"    # the informant withdrew

    __labels__ = {
        "open": lazy_pgettext("member check", "Open"),
        "answered": lazy_pgettext("member check", "Answered"),
        "expired": lazy_pgettext("member check", "Expired"),
        "cancelled": lazy_pgettext("member check", "Cancelled"),
    }


class Quote(db.Model):
    """A passage of an interview the team wants to quote, said by one of its informants."""

    __tablename__ = "quote"
    audit_type = "quote"
    __table_args__ = (
        # The informant's wording exists exactly for an edited quote.
        CheckConstraint("(state = 'edited') = (edited_text IS NOT NULL)",
                        name="edited_text_when_edited"),
        # The interview page and quote_states() read the quotes of interviews.
        Index("ix_quote_interview_id_id", "interview_id", "id"),
        # A member-check page reads its request's quotes; the deadline job its open ones.
        Index("ix_quote_request_id_state", "request_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    informant_id: Mapped[int] = mapped_column(ForeignKey("informant.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[QuoteState] = mapped_column(enum_column(QuoteState), default=QuoteState.DRAFT)
    edited_text: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_check_request.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                    index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    informant = relationship("Informant", lazy="raise")
    added_by = relationship("User", lazy="raise")

    def audit_snapshot(self):
        return {"interview_id": self.interview_id, "informant_id": self.informant_id,
                "text": self.text, "context": self.context, "state": self.state.value,
                "edited_text": self.edited_text, "request_id": self.request_id}


class MemberCheckRequest(db.Model):
    """One email asking an informant about their quotes from one interview, answerable through
    personal links until `deadline_at`, with one reminder at `remind_at`."""

    __tablename__ = "member_check_request"
    audit_type = "member_check_request"
    __table_args__ = (
        CheckConstraint("deadline_at > created_at", name="deadline_after_creation"),
        # The scheduler's two walks: open requests whose reminder is due, and whose deadline passed.
        Index("ix_member_check_request_reminder_due", "remind_at",
              sqlite_where=text("status = 'open' AND reminded_at IS NULL"),
              postgresql_where=text("status = 'open' AND reminded_at IS NULL")),
        Index("ix_member_check_request_open_deadline", "deadline_at",
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"),
                                              index=True)
    informant_id: Mapped[int] = mapped_column(ForeignKey("informant.id"), index=True)
    language: Mapped[Language] = mapped_column(enum_column(Language, length=2))
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus),
                                                  default=RequestStatus.OPEN)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                      index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def audit_snapshot(self):
        return {"interview_id": self.interview_id, "informant_id": self.informant_id,
                "status": self.status.value, "deadline_at": self.deadline_at.isoformat(),
                "language": self.language.value}


class MemberCheckLink(db.Model):
    """A personal link to a request: the request email and its reminder each carry a new one,
    since a stored hash cannot be turned back into a URL. All work until the request closes."""

    __tablename__ = "member_check_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("member_check_request.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
