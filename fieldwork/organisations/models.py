from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db


class GovernanceLevel(LabelledEnum):
    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL = "local"
    VENDOR = "vendor"
    RESEARCH = "research"

    __labels__ = {
        "national": _l("National"),
        "regional": _l("Regional"),
        "local": _l("Local"),
        "vendor": _l("Vendor"),
        "research": _l("Research"),
    }


class Organisation(db.Model):
    """A hospital trust, authority, vendor or research body."""

    __tablename__ = "organisation"
    audit_type = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    governance_level: Mapped[GovernanceLevel] = mapped_column(enum_column(GovernanceLevel),
                                                              index=True)
    departments: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def audit_snapshot(self):
        return {"name": self.name, "code": self.code,
                "governance_level": self.governance_level.value, "departments": self.departments}


class Role(db.Model):
    """An informant's role in the study's sampling frame (radiologist, project lead, ...)."""

    __tablename__ = "role"
    audit_type = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def audit_snapshot(self):
        return {"name": self.name, "code": self.code}
