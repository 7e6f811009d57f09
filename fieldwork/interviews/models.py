from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..informants.models import Language


class InterviewMode(LabelledEnum):
    IN_PERSON = "in-person"
    VIDEO = "video"
    PHONE = "phone"

    __labels__ = {"in-person": _l("In person"), "video": _l("Video"), "phone": _l("Phone")}


class InterviewStatus(LabelledEnum):
    PLANNED = "planned"      # saved, no invitation sent yet
    INVITED = "invited"
    CONFIRMED = "confirmed"
    CONDUCTED = "conducted"
    CANCELLED = "cancelled"
    NO_SHOW = "no-show"

    __labels__ = {
        "planned": lazy_pgettext("interview status", "Planned"),
        "invited": lazy_pgettext("interview status", "Invited"),
        "confirmed": lazy_pgettext("interview status", "Confirmed"),
        "conducted": lazy_pgettext("interview status", "Conducted"),
        "cancelled": lazy_pgettext("interview status", "Cancelled"),
        "no-show": lazy_pgettext("interview status", "No show"),
    }

    @property
    def is_open(self):
        """Still ahead of us: the time is booked and attendees may hold it in their calendars."""
        return self in (InterviewStatus.PLANNED, InterviewStatus.INVITED, InterviewStatus.CONFIRMED)


class TranscriptStatus(LabelledEnum):
    """Where the transcript of a conducted interview is, in the order the work happens."""

    NONE = "none"
    IN_PROGRESS = "in-progress"
    TRANSCRIBED = "transcribed"
    CHECKED = "checked"
    PSEUDONYMISED = "pseudonymised"
    CODED = "coded"

    __labels__ = {
        "none": _l("No transcript"),
        "in-progress": _l("Transcription in progress"),
        "transcribed": _l("Transcribed"),
        "checked": _l("Checked"),
        "pseudonymised": _l("Pseudonymised"),
        "coded": _l("Coded"),
    }


OPEN_STATUSES = tuple(s for s in InterviewStatus if s.is_open)
# Statuses whose attendees have received an invitation, so a change must reach their calendars.
INVITED_STATUSES = (InterviewStatus.INVITED, InterviewStatus.CONFIRMED)
# Minutes an interview may last, checked on every save (interviews.planning). Queries rely on
# the longest: an interview that ends after a moment began at most MAX_DURATION before it.
MIN_DURATION, MAX_DURATION = 10, 8 * 60


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


# The interviewers who actually sat in the interview, which may differ from those scheduled.
interview_present_interviewer = Table(
    "interview_present_interviewer",
    db.metadata,
    Column("interview_id", ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)


RECORDING_PENDING = "recording_location != '' AND recording_deleted_at IS NULL"
TRANSCRIPT_UNMOVED = "status = 'conducted' AND transcript_updated_at IS NULL"


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
        # The interview list walks this in either order; the upcoming list's total counts the
        # interviews still to end from the index alone.
        Index("ix_interview_starts_at_id_ends_at", "starts_at", "id", "ends_at"),
        # The pipeline board groups by transcript stage and marks the longest-waiting first.
        Index("ix_interview_transcript_status_updated_at", "transcript_status",
              "transcript_updated_at"),
        # The pipeline board's cards: a transcript stage in the order it was entered (see
        # pipeline.py), all of them, and those whose recording still has to be deleted.
        # (transcript_status first: for open interviews, ix_interview_status_starts_at serves.)
        Index("ix_interview_stage", "transcript_status", "status", "transcript_updated_at",
              "starts_at", "id"),
        Index("ix_interview_recording_pending", "transcript_status", "status",
              "transcript_updated_at", "starts_at", "id",
              sqlite_where=text(RECORDING_PENDING), postgresql_where=text(RECORDING_PENDING)),
        # The same lanes while the transcript never moved (transcript_updated_at IS NULL), in
        # start order: PostgreSQL does not take the order of the indexes above after an IS NULL,
        # and walked every conducted interview by start instead. With the condition in the
        # index's predicate, each lane is a bounded walk.
        Index("ix_interview_stage_unmoved", "transcript_status", "starts_at", "id",
              sqlite_where=text(TRANSCRIPT_UNMOVED), postgresql_where=text(TRANSCRIPT_UNMOVED)),
        Index("ix_interview_recording_pending_unmoved", "transcript_status", "starts_at", "id",
              sqlite_where=text(f"{TRANSCRIPT_UNMOVED} AND {RECORDING_PENDING}"),
              postgresql_where=text(f"{TRANSCRIPT_UNMOVED} AND {RECORDING_PENDING}")),
        CheckConstraint("actual_duration_minutes IS NULL OR actual_duration_minutes > 0",
                        name="actual_duration_positive"),
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
    # The language chosen for all informant emails about this interview, overriding each
    # informant's own (fieldwork.languages); None: each informant reads their own.
    language: Mapped[Language | None] = mapped_column(enum_column(Language, length=2))
    status: Mapped[InterviewStatus] = mapped_column(enum_column(InterviewStatus),
                                                    default=InterviewStatus.PLANNED)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by every service that changes an interview, and by any other UPDATE of it: the
    # calendar feeds' version (feeds.content_version) relies on it.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # After the interview (see services.mark_conducted and the recording/transcript services).
    conducted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was marked so
    actual_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_duration_minutes: Mapped[int | None] = mapped_column(Integer)
    field_notes: Mapped[str] = mapped_column(Text, default="")
    reflexive_memo: Mapped[str] = mapped_column(Text, default="")
    # Where the recording is kept (never the file itself) and when it must be gone.
    recording_location: Mapped[str] = mapped_column(String(300), default="")
    recording_registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recording_registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    recording_delete_by: Mapped[date | None] = mapped_column(Date, index=True)
    recording_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transcript_status: Mapped[TranscriptStatus] = mapped_column(
        enum_column(TranscriptStatus), default=TranscriptStatus.NONE,
        server_default=TranscriptStatus.NONE.value)
    transcript_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transcript_updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))

    informants = relationship("Informant", secondary=interview_informant, lazy="raise",
                              order_by="Informant.code")
    interviewers = relationship("User", secondary=interview_interviewer, lazy="raise",
                                order_by="User.name")
    guide_version = relationship("GuideVersion", lazy="raise")
    present_interviewers = relationship("User", secondary=interview_present_interviewer,
                                        lazy="raise", order_by="User.name")
    recording_registered_by = relationship("User", foreign_keys=[recording_registered_by_id],
                                           lazy="raise")
    transcript_updated_by = relationship("User", foreign_keys=[transcript_updated_by_id],
                                         lazy="raise")

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
            "language": self.language.value if self.language else None,
            "status": self.status.value,
            "notes": self.notes,
            "informant_ids": sorted(i.id for i in self.informants),
            "interviewer_ids": sorted(u.id for u in self.interviewers),
        }

    def aftermath_snapshot(self):
        """What was recorded after the interview, for the audit log of those changes."""
        return {
            "status": self.status.value,
            "actual_started_at": _iso(self.actual_started_at),
            "actual_duration_minutes": self.actual_duration_minutes,
            "present_interviewer_ids": sorted(u.id for u in self.present_interviewers),
            "field_notes": self.field_notes,
            "reflexive_memo": self.reflexive_memo,
            "recording_location": self.recording_location,
            "recording_delete_by": _iso(self.recording_delete_by),
            "recording_deleted_at": _iso(self.recording_deleted_at),
            "transcript_status": self.transcript_status.value,
        }

    @property
    def has_recording(self):
        return bool(self.recording_location) and self.recording_deleted_at is None


def _iso(value):
    return value.isoformat() if value is not None else None


class TranscriptStatusChange(db.Model):
    """One step of a transcript, kept for good: who moved it to which stage, and when."""

    __tablename__ = "transcript_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"),
                                              index=True)
    status: Mapped[TranscriptStatus] = mapped_column(enum_column(TranscriptStatus))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")

    changed_by = relationship("User", lazy="raise")


class CalendarFeed(db.Model):
    """A user's secret calendar subscription. Only a hash of the token is kept: the URL is shown
    once, and resetting it revokes the old one at once."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the feed held when last fetched (feeds.content_version) and since when: the ETag and
    # Last-Modified of the answer, so that a client polling an unchanged feed gets a 304.
    version: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
