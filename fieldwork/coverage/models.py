from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import LabelledEnum, UTCDateTime, enum_column, utcnow
from ..extensions import db


class Coverage(LabelledEnum):
    ALL = "all"
    SOME = "some"
    NOT_REACHED = "not-reached"

    __labels__ = {"all": _l("Covered"), "some": _l("Partly covered"),
                  "not-reached": _l("Not reached")}

    @property
    def reached(self):
        return self is not Coverage.NOT_REACHED


class QuestionCoverage(db.Model):
    """How far one question of the interview's guide version was covered. Questions are named by
    their stable key (formats.py), so counts add up across versions that kept a question."""

    __tablename__ = "question_coverage"

    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"),
                                              primary_key=True)
    # Indexed for the guide page, which counts per question over every interview.
    question_key: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    theme_key: Mapped[str] = mapped_column(String(40))
    coverage: Mapped[Coverage] = mapped_column(enum_column(Coverage, length=12))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
