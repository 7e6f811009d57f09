import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..informants.models import Language


class InterviewMode(enum.Enum):
    IN_PERSON = "in-person"
    VIDEO = "video"
    PHONE = "phone"

    @property
    def label(self):
        return {"in-person": "In person", "video": "Video", "phone": "Phone"}[self.value]


class InterviewStatus(enum.Enum):
    PLANNED = "planned"      # saved, no invitation sent yet
    INVITED = "invited"
    CONFIRMED = "confirmed"
    CONDUCTED = "conducted"
    CANCELLED = "cancelled"
    NO_SHOW = "no-show"

    @property
    def label(self):
        return self.value.replace("-", " ").capitalize()

    @property
    def is_open(self):
        """Still ahead of us: the time is booked and attendees may hold it in their calendars."""
        return self in (InterviewStatus.PLANNED, InterviewStatus.INVITED, InterviewStatus.CONFIRMED)


OPEN_STATUSES = tuple(s for s in InterviewStatus if s.is_open)
# Statuses whose attendees have received an invitation, so a change must reach their calendars.
INVITED_STATUSES = (InterviewStatus.INVITED, InterviewStatus.CONFIRMED)


interview_informant = Table(
    "interview_informant",
    db.metadata,
    Column("interview_id", ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True),
    # No cascade: an informant who was interviewed cannot be deleted from under the record.
    Column("informant_id", ForeignKey("informant.id"), primary_key=True, index=True),
)

interview_interviewer = Table(
    "interview_interviewer",
    db.metadata,
    Column("interview_id", ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)


class Interview(db.Model):
    """One interview session with one or more informants and one or more interviewers.

    `uid` identifies the event in every attendee's calendar for its whole life; `sequence` is the
    iCalendar SEQUENCE of the last version attendees were sent, raised on every change they must
    see, so their calendars replace the old event instead of adding a second one.
    """

    __tablename__ = "interview"
    audit_type = "interview"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        # The overlap check and the calendar look up open interviews by time.
        Index("ix_interview_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    mode: Mapped[InterviewMode] = mapped_column(enum_column(InterviewMode))
    place: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    # RESTRICT: the database itself refuses to delete a guide version an interview used.
    guide_version_id: Mapped[int] = mapped_column(
        ForeignKey("guide_version.id", ondelete="RESTRICT"), index=True)
    language: Mapped[Language] = mapped_column(enum_column(Language, length=2))
    status: Mapped[InterviewStatus] = mapped_column(enum_column(InterviewStatus),
                                                    default=InterviewStatus.PLANNED)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    informants = relationship("Informant", secondary=interview_informant, lazy="raise",
                              order_by="Informant.code")
    interviewers = relationship("User", secondary=interview_interviewer, lazy="raise",
                                order_by="User.name")
    guide_version = relationship("GuideVersion", lazy="raise")

    @property
    def duration_minutes(self):
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def audit_snapshot(self):
        return {
            "uid": self.uid,
            "sequence": self.sequence,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "mode": self.mode.value,
            "place": self.place,
            "meeting_url": self.meeting_url,
            "guide_version_id": self.guide_version_id,
            "language": self.language.value,
            "status": self.status.value,
            "notes": self.notes,
            "informant_ids": sorted(i.id for i in self.informants),
            "interviewer_ids": sorted(u.id for u in self.interviewers),
        }


class CalendarFeed(db.Model):
    """A user's secret calendar subscription. Only a hash of the token is kept: the URL is shown
    once, and resetting it revokes the old one at once."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
