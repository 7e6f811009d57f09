"""Consent: the approved forms (versions with their items), each informant's consent record, its
append-only history, evidence files, personal links, and the data-handling checklist opened by a
withdrawal."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..informants.models import Language


class FormStatus(LabelledEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"

    __labels__ = {"draft": _l("Draft"), "active": _l("Active"), "retired": _l("Retired")}


class ConsentStatus(LabelledEnum):
    NOT_REQUESTED = "not-requested"
    REQUESTED = "requested"
    GIVEN = "given"
    PARTLY_GIVEN = "partly-given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    __labels__ = {"not-requested": _l("Not requested"), "requested": _l("Requested"),
                  "given": _l("Given"), "partly-given": _l("Partly given"),
                  "declined": _l("Declined"), "withdrawn": _l("Withdrawn")}

    @property
    def is_consent(self):
        """Given in full or in part: the items say what holds."""
        return self in (ConsentStatus.GIVEN, ConsentStatus.PARTLY_GIVEN)


class ConsentMethod(LabelledEnum):
    SIGNED_PAPER = "signed-paper"
    ELECTRONIC = "electronic"
    ORAL_RECORDING = "oral-recording"

    __labels__ = {"signed-paper": _l("Signed paper form"),
                  "electronic": _l("Electronic (personal link)"),
                  "oral-recording": _l("Oral, on the recording")}


# The items every standard form carries, in the order forms show them. Participation is required:
# without it nothing else can be given.
PARTICIPATION, RECORDING, QUOTATION, RECONTACT = (
    "participation", "audio_recording", "direct_quotation", "re_contact")
STANDARD_ITEMS = (PARTICIPATION, RECORDING, QUOTATION, RECONTACT)


class ConsentFormVersion(db.Model):
    """An information letter and consent form as approved (by Sikt, say). Once active it never
    changes again (the database refuses); a new text is a new version."""

    __tablename__ = "consent_form_version"
    audit_type = "consent_form_version"
    __table_args__ = (
        # At most one active version per language: "the current form" is never ambiguous.
        Index("uq_consent_form_version_one_active", "language", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[Language] = mapped_column(enum_column(Language, length=2))
    version_label: Mapped[str] = mapped_column(String(40))
    letter_markdown: Mapped[str] = mapped_column(Text, default="")
    # A random file name under instance/consent-files/, never a name a user typed.
    letter_pdf_name: Mapped[str | None] = mapped_column(String(64))
    approval_reference: Mapped[str] = mapped_column(String(100), default="")
    approval_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[FormStatus] = mapped_column(enum_column(FormStatus), default=FormStatus.DRAFT,
                                               index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items = relationship("ConsentItem", lazy="raise", order_by="ConsentItem.position",
                         cascade="all, delete-orphan", back_populates="form_version")

    @property
    def name(self):
        return f"{self.title} ({self.language.value}, {self.version_label})"

    def audit_snapshot(self):
        return {"title": self.title, "language": self.language.value,
                "version_label": self.version_label, "status": self.status.value,
                "approval_reference": self.approval_reference,
                "approval_date": self.approval_date.isoformat() if self.approval_date else None,
                "letter_pdf": bool(self.letter_pdf_name)}


class ConsentItem(db.Model):
    """One thing an informant can agree to under a form version, in the form's own words."""

    __tablename__ = "consent_item"
    __table_args__ = (UniqueConstraint("form_version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_version_id: Mapped[int] = mapped_column(
        ForeignKey("consent_form_version.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    wording: Mapped[str] = mapped_column(Text)
    is_required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    form_version = relationship("ConsentFormVersion", lazy="raise", back_populates="items")


class ConsentRecord(db.Model):
    """Where an informant's consent stands now. Every change also appends a ConsentEvent, which
    is the record of what was agreed when; this row is the summary the gates read."""

    __tablename__ = "consent_record"
    audit_type = "consent_record"
    __table_args__ = (
        CheckConstraint("follow_up_count >= 0", name="follow_up_count_not_negative"),
        Index("ix_consent_record_status_requested_at", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    informant_id: Mapped[int] = mapped_column(ForeignKey("informant.id"), unique=True)
    status: Mapped[ConsentStatus] = mapped_column(enum_column(ConsentStatus),
                                                  default=ConsentStatus.NOT_REQUESTED)
    # The version the current state was given (or declined, withdrawn) under.
    form_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_form_version.id"), index=True)
    method: Mapped[ConsentMethod | None] = mapped_column(enum_column(ConsentMethod))
    consented_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An open request (first request or re-consent): which version, when, and its follow-ups.
    requested_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_form_version.id"), index=True)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_count: Mapped[int] = mapped_column(Integer, default=0)
    last_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    informant = relationship("Informant", lazy="raise")
    form_version = relationship("ConsentFormVersion", lazy="raise",
                                foreign_keys=[form_version_id])
    requested_version = relationship("ConsentFormVersion", lazy="raise",
                                     foreign_keys=[requested_version_id])
    items = relationship("ConsentRecordItem", lazy="raise", cascade="all, delete-orphan",
                         order_by="ConsentRecordItem.key")

    def item_states(self):
        return {item.key: item.is_given for item in self.items}

    def audit_snapshot(self, items=None):
        return {"informant_id": self.informant_id, "status": self.status.value,
                "form_version_id": self.form_version_id,
                "method": self.method.value if self.method else None,
                "consented_on": self.consented_on.isoformat() if self.consented_on else None,
                "items": items if items is not None else self.item_states(),
                "requested_version_id": self.requested_version_id}


class ConsentRecordItem(db.Model):
    """The current state of one item of a record, kept as rows so the gates can ask the database
    "whose participation consent holds" in one indexed query."""

    __tablename__ = "consent_record_item"
    __table_args__ = (Index("ix_consent_record_item_key_given", "key", "is_given"),)

    record_id: Mapped[int] = mapped_column(ForeignKey("consent_record.id", ondelete="CASCADE"),
                                           primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    is_given: Mapped[bool] = mapped_column(Boolean, default=False)


class ConsentEvent(db.Model):
    """One entry in an informant's consent history. Rows are only ever inserted: the database
    refuses UPDATE and DELETE (triggers in the migration)."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("consent_record.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # requested, re-requested, follow-up, given, partly-given, declined, withdrawn
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[ConsentStatus] = mapped_column(enum_column(ConsentStatus))
    items: Mapped[dict] = mapped_column(JSON, default=dict)
    method: Mapped[ConsentMethod | None] = mapped_column(enum_column(ConsentMethod))
    consented_on: Mapped[date | None] = mapped_column(Date)
    form_version_id: Mapped[int | None] = mapped_column(ForeignKey("consent_form_version.id"),
                                                        index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Who acted, as text: a user's email, or "informant link" when the informant did it.
    actor_label: Mapped[str] = mapped_column(String(200))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("consent_evidence.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")

    form_version = relationship("ConsentFormVersion", lazy="raise")
    evidence = relationship("ConsentEvidence", lazy="raise")


class ConsentEvidence(db.Model):
    """An uploaded scan or PDF of a signed form. The file lives under instance/consent-evidence/
    by a random name; only its detected type is trusted, never the name it was uploaded with."""

    __tablename__ = "consent_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("consent_record.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)


class TokenPurpose(enum.Enum):
    CONSENT = "consent"      # read the letter, tick the items, or withdraw; expires
    WITHDRAW = "withdraw"    # withdraw only; works as long as the study runs


class ConsentToken(db.Model):
    """A personal link. Only the SHA-256 of the token is kept, so the table cannot be used to
    make links; a later email means a new token."""

    __tablename__ = "consent_token"
    __table_args__ = (Index("ix_consent_token_informant_purpose", "informant_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    informant_id: Mapped[int] = mapped_column(ForeignKey("informant.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose))
    form_version_id: Mapped[int | None] = mapped_column(ForeignKey("consent_form_version.id"),
                                                        index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DataTaskKind(LabelledEnum):
    DELETE_RECORDING = "delete-recording"
    RESTRICT_TRANSCRIPT = "restrict-transcript"
    REMOVE_QUOTES = "remove-quotes"

    __labels__ = {"delete-recording": _l("Delete the audio recording"),
                  "restrict-transcript": _l("Delete the transcript, or restrict it to what the "
                                            "withdrawal allows"),
                  "remove-quotes": _l("Remove quotes from drafts and publications")}


class DataTask(db.Model):
    """One step of the data-handling checklist that a withdrawal opens for the team."""

    __tablename__ = "consent_data_task"
    audit_type = "consent_data_task"
    __table_args__ = (Index("ix_consent_data_task_open_due", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    informant_id: Mapped[int] = mapped_column(ForeignKey("informant.id"), index=True)
    kind: Mapped[DataTaskKind] = mapped_column(enum_column(DataTaskKind))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    done_note: Mapped[str] = mapped_column(Text, default="")
