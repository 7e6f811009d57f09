from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db


class WorkingHours(db.Model):
    """One range of an interviewer's working week, in wall-clock time in the study's zone (so a
    09:00 start stays 09:00 across daylight-saving changes). A weekday may have several."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_in_week"),
        CheckConstraint("ends > starts", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The availability page and the finder read one interviewer's week at a time.
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 Monday ... 6 Sunday, as date.weekday()
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)


class DateAway(db.Model):
    """Days an interviewer is away (holiday, conference), first and last day included."""

    __tablename__ = "date_away"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="last_not_before_first"),
        # The finder and the scheduling check look up one interviewer's absences by date.
        Index("ix_date_away_user_id_last_day", "user_id", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)


class CalendarKind(LabelledEnum):
    ICAL = "ical"
    CALDAV = "caldav"

    __labels__ = {"ical": _l("iCalendar address (.ics)"), "caldav": _l("CalDAV calendar")}


class BusyCalendar(db.Model):
    """Where an interviewer's own calendar is read from. The address (and a CalDAV password)
    gives anyone who has it the interviewer's whole diary, so it is kept encrypted
    (fieldwork.availability.sealing), never logged, never audit-logged and never shown back
    except as `address_hint`."""

    __tablename__ = "busy_calendar"
    audit_type = "busy_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[CalendarKind] = mapped_column(enum_column(CalendarKind))
    sealed_url: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(200), default="")
    sealed_password: Mapped[str] = mapped_column(Text, default="")
    # The scheme and host only, such as "https://outlook.office365.com/…".
    address_hint: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the server said last time, sent back so an unchanged calendar costs a 304.
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    # Every attempt sets checked_at (and error, empty after a success); read_at is the last
    # time the calendar's content was read in full, not just found unchanged.
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(300), default="")


class BusyPeriod(db.Model):
    """A time an interviewer's own calendar shows them busy: only start and end, nothing of
    what the event was, who else attends or where (data minimisation, GDPR art. 5(1)(c))."""

    __tablename__ = "busy_period"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The finder and the scheduling check read one interviewer's periods overlapping a range.
        Index("ix_busy_period_user_id_starts_at", "user_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
