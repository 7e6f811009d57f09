from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class StudyVersion(db.Model):
    """One row: a number raised by every transaction that changes what the study-wide figures
    count, and a random epoch that changes when the row is made again (a database emptied and
    filled anew never repeats an old (epoch, number) pair)."""

    __tablename__ = "study_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer, default=0)
