from datetime import datetime

from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db


class ReminderStatus(LabelledEnum):
    SENT = "sent"          # queued in the outbox
    EXPIRED = "expired"    # due while nobody was sending, and the interview had started
    SKIPPED = "skipped"    # nobody to send to: no address, or the informant has withdrawn

    __labels__ = {
        "sent": lazy_pgettext("reminder", "Sent"),
        "expired": lazy_pgettext("reminder", "Expired"),
        "skipped": lazy_pgettext("reminder", "Skipped"),
    }


class InterviewReminder(db.Model):
    """A reminder handled for one attendee of one version (SEQUENCE) of an interview.

    The unique constraint is what makes reminders exactly-once: a second run, or a second
    process, cannot insert the same row, so its transaction (with its outbox row) fails whole.
    A reschedule raises the SEQUENCE, which arms a new reminder.
    """

    __tablename__ = "interview_reminder"
    __table_args__ = (UniqueConstraint("interview_id", "sequence", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)
    # "informant:12" or "user:3": who, whatever their address is (as invitations name them).
    recipient: Mapped[str] = mapped_column(String(40))
    status: Mapped[ReminderStatus] = mapped_column(enum_column(ReminderStatus))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
