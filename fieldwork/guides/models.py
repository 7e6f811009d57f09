from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table,
                        Text, UniqueConstraint, text)
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..informants.models import Language


class VersionStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"

    __labels__ = {"draft": _l("Draft"), "published": _l("Published"), "retired": _l("Retired")}


guide_target_role = Table(
    "guide_target_role",
    db.metadata,
    Column("guide_id", ForeignKey("guide.id", ondelete="CASCADE"), primary_key=True),
    # No cascade: a role that guides aim at is not deleted behind their back.
    Column("role_id", ForeignKey("role.id"), primary_key=True, index=True),
)


class Guide(db.Model):
    """An interview guide: what it is for and whom it is meant for. The questions live in its
    versions, so that this row may change while what interviewers were asked does not."""

    __tablename__ = "guide"
    audit_type = "guide"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[Language] = mapped_column(enum_column(Language, length=2), default=Language.EN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target_roles = relationship("Role", secondary=guide_target_role, lazy="raise",
                                order_by="Role.name")
    versions = relationship("GuideVersion", back_populates="guide", lazy="raise",
                            order_by="GuideVersion.number", passive_deletes="all")

    def audit_snapshot(self):
        return {"title": self.title, "purpose": self.purpose, "language": self.language.value,
                "target_role_ids": sorted(r.id for r in self.target_roles)}


class GuideVersion(db.Model):
    """One numbered version of a guide's themes, questions and probes.

    `content` is the whole guide as one JSON document (see formats.py). Once the version leaves
    draft, the database refuses any change to it and refuses to delete it (triggers in the
    migration), and interviews point at it with a RESTRICT foreign key.
    """

    __tablename__ = "guide_version"
    audit_type = "guide_version"
    __table_args__ = (
        UniqueConstraint("guide_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("status = 'draft' OR (content_sha256 IS NOT NULL AND published_at IS NOT NULL)",
                        name="published_is_sealed"),
        # At most one draft per guide: two drafts would race to become the next number.
        Index("uq_guide_version_one_draft", "guide_id", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guide.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus),
                                                  default=VersionStatus.DRAFT, index=True)
    change_note: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict] = mapped_column(JSON)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    guide = relationship("Guide", back_populates="versions", lazy="raise")
    published_by = relationship("User", foreign_keys=[published_by_id], lazy="raise")

    @property
    def is_draft(self):
        return self.status is VersionStatus.DRAFT

    @property
    def is_choosable(self):
        """Whether a new interview may use this version."""
        return self.status is VersionStatus.PUBLISHED

    @property
    def themes(self):
        return self.content.get("themes", [])

    @property
    def question_count(self):
        return sum(len(t["questions"]) for t in self.themes)

    def audit_snapshot(self):
        return {"guide_id": self.guide_id, "number": self.number, "status": self.status.value,
                "change_note": self.change_note, "content_sha256": self.content_sha256}
