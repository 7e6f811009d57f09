"""Offers: times proposed to one informant through a personal link, from which they book."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..informants.models import Language
from ..interviews.models import InterviewMode


class OfferStatus(LabelledEnum):
    SENT = "sent"            # emailed, not opened yet
    OPENED = "opened"        # the informant has looked at it
    BOOKED = "booked"        # an interview was made from one of its times
    DECLINED = "declined"    # "none of these suit me" (or no consent to take part)
    EXPIRED = "expired"      # not answered in time
    CANCELLED = "cancelled"  # withdrawn by the team, or the booking cancelled by the informant

    __labels__ = {"sent": lazy_pgettext("offer status", "Sent"),
                  "opened": lazy_pgettext("offer status", "Opened"),
                  "booked": lazy_pgettext("offer status", "Booked"),
                  "declined": lazy_pgettext("offer status", "Declined"),
                  "expired": lazy_pgettext("offer status", "Expired"),
                  "cancelled": lazy_pgettext("offer status", "Cancelled")}

    @property
    def is_open(self):
        """Waiting for the informant's answer: its times may still be booked."""
        return self in (OfferStatus.SENT, OfferStatus.OPENED)


OPEN_OFFER_STATUSES = (OfferStatus.SENT, OfferStatus.OPENED)


class OfferNeed(LabelledEnum):
    """Which of the chosen interviewers the interview needs."""

    ALL = "all"   # every one of them
    ANY = "any"   # any one of them who is free at the time

    __labels__ = {"all": _l("All of them"), "any": _l("Any one of them")}


offer_interviewer = Table(
    "offer_interviewer",
    db.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)


class Offer(db.Model):
    """Offered times for one informant, and what came of them.

    The interview made from it (`interview_id`) has the guide version, interviewers, mode and
    place chosen here. The personal link is kept as hashes only (OfferLink); it books until
    `expires_at`, and then moves or cancels the booking until the cut-off before the interview.
    """

    __tablename__ = "offer"
    audit_type = "offer"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        # The offers page lists by status, newest first.
        Index("ix_offer_status_created_at", "status", "created_at", "id"),
        # The scheduler's follow-up and expiry: open offers by when they expire.
        Index("ix_offer_open_expires_at", "expires_at",
              sqlite_where=text("status IN ('sent', 'opened')"),
              postgresql_where=text("status IN ('sent', 'opened')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    informant_id: Mapped[int] = mapped_column(ForeignKey("informant.id"), index=True)
    need: Mapped[OfferNeed] = mapped_column(enum_column(OfferNeed), default=OfferNeed.ALL)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    mode: Mapped[InterviewMode] = mapped_column(enum_column(InterviewMode))
    place: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    guide_version_id: Mapped[int] = mapped_column(
        ForeignKey("guide_version.id", ondelete="RESTRICT"), index=True)
    # The language of the offer's emails and page, and of the interview's informant emails.
    language: Mapped[Language] = mapped_column(enum_column(Language, length=2))
    status: Mapped[OfferStatus] = mapped_column(enum_column(OfferStatus), default=OfferStatus.SENT)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # booked or declined
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The informant's message with "none of these suit me", or with a cancellation.
    message: Mapped[str] = mapped_column(Text, default="")
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview.id", ondelete="SET NULL"), index=True)

    informant = relationship("Informant", lazy="raise")
    interviewers = relationship("User", secondary=offer_interviewer, lazy="raise",
                                order_by="User.id")
    guide_version = relationship("GuideVersion", lazy="raise")
    interview = relationship("Interview", lazy="raise")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="raise")
    slots = relationship("OfferSlot", lazy="raise", order_by="OfferSlot.starts_at",
                         cascade="all, delete-orphan", back_populates="offer")

    def audit_snapshot(self):
        return {
            "informant_id": self.informant_id,
            "need": self.need.value,
            "duration_minutes": self.duration_minutes,
            "mode": self.mode.value,
            "place": self.place,
            "meeting_url": self.meeting_url,
            "guide_version_id": self.guide_version_id,
            "language": self.language.value,
            "status": self.status.value,
            "expires_at": self.expires_at.isoformat(),
            "message": self.message,
            "interview_id": self.interview_id,
        }


class OfferSlot(db.Model):
    """One offered time."""

    __tablename__ = "offer_slot"
    __table_args__ = (
        UniqueConstraint("offer_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    offer = relationship("Offer", lazy="raise", back_populates="slots")


class OfferLink(db.Model):
    """A personal link to an offer, as the SHA-256 of its token only. The offer email and its
    follow-up each carry their own; both work while the offer does."""

    __tablename__ = "offer_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
