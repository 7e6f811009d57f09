from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class SamplingTarget(db.Model):
    """How many informants of a role the study aims to interview in an organisation. A cell of the
    sampling matrix without a row has no target."""

    __tablename__ = "sampling_target"
    audit_type = "sampling_target"
    __table_args__ = (CheckConstraint("target >= 0", name="target_not_negative"),)

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    target: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
