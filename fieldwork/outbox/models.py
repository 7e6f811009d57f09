from datetime import datetime

from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db


class OutboxStatus(LabelledEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # A calendar message made pointless by a newer one to the same person about the same
    # interview before it was sent (fieldwork.outbox.services.supersede_pending); never sent.
    SUPERSEDED = "superseded"

    __labels__ = {
        "pending": lazy_pgettext("email", "Pending"),
        "sending": lazy_pgettext("email", "Sending"),
        "sent": lazy_pgettext("email", "Sent"),
        "failed": lazy_pgettext("email", "Failed"),
        "cancelled": lazy_pgettext("email", "Cancelled"),
        "superseded": lazy_pgettext("email", "Superseded"),
    }


# What each purpose (OutboxMessage.purpose, a stored word) is called on the pages that list
# emails: the interview page, the informant page. A purpose missing here shows as its English
# spelling ("offer-answer" as "Offer answer").
PURPOSE_LABELS = {
    "invite": lazy_pgettext("email", "Invitation"),
    "update": lazy_pgettext("email", "Update"),
    "cancel": lazy_pgettext("email", "Cancellation"),
    "reminder": lazy_pgettext("email", "Reminder"),
    "declinecounter": lazy_pgettext("email", "Proposal declined"),
    "member-check": lazy_pgettext("email", "Member check"),
    "member-check-reminder": lazy_pgettext("email", "Member check reminder"),
    "consent-request": lazy_pgettext("email", "Consent request"),
    "consent-follow-up": lazy_pgettext("email", "Consent follow-up"),
    "consent-receipt": lazy_pgettext("email", "Consent receipt"),
    "consent-withdrawn": lazy_pgettext("email", "Withdrawal confirmed"),
    "offer": lazy_pgettext("email", "Offer of times"),
    "offer-follow-up": lazy_pgettext("email", "Offer follow-up"),
    "offer-answer": lazy_pgettext("email", "Answer to an offer"),
    "digest": lazy_pgettext("email", "Daily digest"),
    "retention": lazy_pgettext("email", "Retention report"),
    "delivery-check": lazy_pgettext("email", "Test message"),
}


def purpose_label(purpose):
    """A purpose as the page's language names it."""
    if purpose in PURPOSE_LABELS:
        return str(PURPOSE_LABELS[purpose])
    return (purpose or "").replace("-", " ").capitalize()


# Not finished: a newer message to the same person about the same interview waits for these.
UNFINISHED_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class OutboxMessage(db.Model):
    """One email and where its delivery stands; the email itself, complete as it will be sent,
    is `raw` (kept in `OutboxBody`).

    The bytes and the Message-ID are made once, when the message is queued, so every attempt
    sends the same message and a recipient's client recognises a repeat. `subject`, `purpose` and
    the links to informant and user are kept beside the bytes for the history pages.

    The links have no ON DELETE action on purpose: the row holds that person's address and the
    text sent to them, so an informant who has been written to cannot simply be deleted (the
    informant page then says to withdraw them), and erasing a person must delete these rows
    explicitly rather than leave their data behind, unlinked.
    """

    __tablename__ = "outbox_message"
    audit_type = "outbox_message"
    # What is due: status = 'pending' AND next_attempt_at <= now (and 'sending' by claimed_at,
    # for the lease; the same index serves both through its first column).
    # ix_outbox_message_order: the claim's NOT EXISTS (an older unfinished message to the same
    # recipient about the same interview), and superseding's look-up of the pending ones.
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),
                      Index("ix_outbox_message_order", "interview_id", "recipient_email",
                            "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    purpose: Mapped[str] = mapped_column(String(32), index=True)
    recipient_email: Mapped[str] = mapped_column(String(254))
    informant_id: Mapped[int | None] = mapped_column(ForeignKey("informant.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interview.id"))  # ix_..._order
    subject: Mapped[str] = mapped_column(String(500))
    method: Mapped[str | None] = mapped_column(String(16))
    sequence: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the sender claimed the row or last renewed its lease (heartbeat), and which claim
    # it was: only that sender may record the result.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    @property
    def purpose_label(self):
        """What the email was for, in the page's language ("Invitation", "Reminder")."""
        return purpose_label(self.purpose)

    def audit_snapshot(self):
        """Delivery state only: the address and text are in the row itself, not copied around."""
        return {"message_id": self.message_id, "purpose": self.purpose,
                "status": self.status.value, "attempts": self.attempts,
                "informant_id": self.informant_id, "user_id": self.user_id,
                "interview_id": self.interview_id,
                "last_error": self.last_error}


class OutboxBody(db.Model):
    """The bytes of one outbox message, written once when it is queued and never changed by
    delivery (only the retention erasure empties them).

    Apart from the message's row because delivery changes that row two or three times (pending,
    sending, sent), and SQLite writes a row whole on every change: with the 8 KB of an
    invitation in it, each change wrote the whole email again (issue 14).
    """

    __tablename__ = "outbox_message_body"

    outbox_message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="CASCADE"), primary_key=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


# Read as a column of the message (message.raw, select(OutboxMessage.raw)), loaded only when
# asked for: the history pages list messages without their bytes. Written by queue_emails.
OutboxMessage.raw = column_property(
    select(OutboxBody.raw).where(OutboxBody.outbox_message_id == OutboxMessage.id)
    .scalar_subquery(), deferred=True)
