from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db


class RecruitmentStatus(LabelledEnum):
    IDENTIFIED = "identified"
    CONTACTED = "contacted"
    AGREED = "agreed"
    INTERVIEWED = "interviewed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    DO_NOT_CONTACT = "do-not-contact"

    __labels__ = {
        "identified": _l("Identified"),
        "contacted": _l("Contacted"),
        "agreed": _l("Agreed"),
        "interviewed": _l("Interviewed"),
        # Said of a person here, of a consent elsewhere: "Takket nei", "Trukket seg".
        "declined": lazy_pgettext("recruitment", "Declined"),
        "withdrawn": lazy_pgettext("recruitment", "Withdrawn"),
        "do-not-contact": _l("Do not contact"),
    }

    @property
    def no_contact_reason(self):
        """Why an informant in this status gets no email and no new interview, or None.

        The one rule for who may be contacted: the informant's answer was no, and writing again
        would disregard it. Only the cancellations and the confirmation a withdrawal itself sends
        still reach them."""
        return _NO_CONTACT_REASONS.get(self)

    @property
    def may_be_contacted(self):
        return self not in _NO_CONTACT_REASONS

    @classmethod
    def not_to_be_contacted(cls):
        return tuple(_NO_CONTACT_REASONS)


_NO_CONTACT_REASONS = {
    RecruitmentStatus.DECLINED: "has declined to take part",
    RecruitmentStatus.WITHDRAWN: "has withdrawn from the study",
    RecruitmentStatus.DO_NOT_CONTACT: "has asked not to be contacted",
}


class Language(LabelledEnum):
    NB = "nb"
    EN = "en"

    __labels__ = {"nb": _l("Norwegian (bokmål)"), "en": _l("English")}


# Fields that identify a person. Analysts never see them, and exports for analysis leave them out.
IDENTITY_FIELDS = ("name", "email", "phone", "job_title", "notes")


class Informant(db.Model):
    """A person who may be interviewed. `code` is the pseudonym used wherever names must not be."""

    __tablename__ = "informant"
    __table_args__ = (
        # Each of the list's sorts (and filters) walks one of these in order, ties broken by id,
        # so a page of 50 reads 50 index entries however many informants there are.
        Index("ix_informant_name_id", "name", "id"),
        Index("ix_informant_organisation_id_id", "organisation_id", "id"),
        Index("ix_informant_role_id_id", "role_id", "id"),
        Index("ix_informant_status_id", "status", "id"),
        Index("ix_informant_created_at_id", "created_at", "id"),
        # The consent overview: at-risk informants first, soonest first, then the rest by code.
        Index("ix_informant_consent_order", "risk_rank", "at_risk_at", "code"),
    )
    audit_type = "informant"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[Language] = mapped_column(enum_column(Language, length=2), default=Language.NB)
    status: Mapped[RecruitmentStatus] = mapped_column(
        enum_column(RecruitmentStatus), default=RecruitmentStatus.IDENTIFIED
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Derived, never edited: kept by fieldwork.consent.standing in the transaction of each change.
    next_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # earliest open interview
    at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the same, without consent
    risk_rank: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")  # 0: at risk

    organisation = relationship("Organisation", lazy="raise")
    role = relationship("Role", lazy="raise")

    def audit_snapshot(self):
        return {
            "code": self.code,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "organisation_id": self.organisation_id,
            "role_id": self.role_id,
            "job_title": self.job_title,
            "language": self.language.value,
            "status": self.status.value,
            "notes": self.notes,
        }


class PseudonymCounter(db.Model):
    """The last number handed out per code prefix (`VVHT-RAD`). Numbers only ever grow, so a
    code stays unique even after its informant is deleted."""

    __tablename__ = "pseudonym_counter"

    prefix: Mapped[str] = mapped_column(String(24), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class InformantImport(db.Model):
    """An uploaded CSV file between its preview and its confirmation. Deleted once imported."""

    __tablename__ = "informant_import"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[str] = mapped_column(Text)
