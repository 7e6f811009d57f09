from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..organisations.models import GovernanceLevel


class DocumentType(LabelledEnum):
    WHITE_PAPER = "white-paper"
    STRATEGY = "strategy"
    PLAN = "plan"
    BOARD_MINUTES = "board-minutes"
    PROCUREMENT = "procurement"
    GUIDANCE = "guidance"
    REPORT = "report"

    __labels__ = {"white-paper": _l("White paper"), "strategy": _l("Strategy"), "plan": _l("Plan"),
                  "board-minutes": _l("Board minutes"), "procurement": _l("Procurement document"),
                  "guidance": _l("Guidance"), "report": _l("Report")}


class DocumentStatus(LabelledEnum):
    IDENTIFIED = "identified"
    OBTAINED = "obtained"
    ANALYSED = "analysed"

    __labels__ = {"identified": _l("Identified"), "obtained": _l("Obtained"),
                  "analysed": _l("Analysed")}


document_theme = Table(
    "document_theme",
    db.metadata,
    Column("document_id", ForeignKey("document.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)

document_interview = Table(
    "document_interview",
    db.metadata,
    Column("document_id", ForeignKey("document.id", ondelete="CASCADE"), primary_key=True),
    Column("interview_id", ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

# No cascade from the informant: deleting an informant a document points to is refused, like
# one with interviews, so the link is removed on purpose rather than silently.
document_informant = Table(
    "document_informant",
    db.metadata,
    Column("document_id", ForeignKey("document.id", ondelete="CASCADE"), primary_key=True),
    Column("informant_id", ForeignKey("informant.id"), primary_key=True, index=True),
)


class Theme(db.Model):
    """A tag shared by documents. `key` is the lower-cased name, so "AI governance" and
    "ai governance" are one theme."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(80), unique=True)


class Document(db.Model):
    """A source in the document analysis. Documents are public or organisational texts, not
    personal data; linked informants are shown by code."""

    __tablename__ = "document"
    audit_type = "document"
    # The list filters by status and sorts by date; the composite index serves both.
    __table_args__ = (Index("ix_document_status_issued_on", "status", "issued_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    document_type: Mapped[DocumentType] = mapped_column(enum_column(DocumentType), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Kept on the document: a ministry's white paper is national even if the issuer is not
    # registered as an organisation, and filtering needs no join.
    governance_level: Mapped[GovernanceLevel] = mapped_column(enum_column(GovernanceLevel),
                                                              index=True)
    issued_on: Mapped[date | None] = mapped_column(Date, index=True)
    reference: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[DocumentStatus] = mapped_column(enum_column(DocumentStatus),
                                                   default=DocumentStatus.IDENTIFIED)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation", lazy="raise")
    themes = relationship("Theme", secondary=document_theme, lazy="raise", order_by="Theme.key")
    interviews = relationship("Interview", secondary=document_interview, lazy="raise",
                              order_by="Interview.starts_at")
    informants = relationship("Informant", secondary=document_informant, lazy="raise",
                              order_by="Informant.code")

    @property
    def reference_url(self):
        """The reference when it is a web address, for a link; otherwise None."""
        ref = (self.reference or "").strip()
        return ref if ref.lower().startswith(("https://", "http://")) else None

    def audit_snapshot(self):
        return {
            "title": self.title,
            "document_type": self.document_type.value,
            "organisation_id": self.organisation_id,
            "governance_level": self.governance_level.value,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "reference": self.reference,
            "status": self.status.value,
            "notes": self.notes,
            "themes": [t.name for t in self.themes],
            "interview_ids": sorted(i.id for i in self.interviews),
            "informant_ids": sorted(i.id for i in self.informants),
        }
