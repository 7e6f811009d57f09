from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import db


class SchedulerLock(db.Model):
    """Which scheduler process works against this database, and when it last said it was alive.

    On SQLite this row *is* the lock: taken by a conditional UPDATE when the holder's heartbeat is
    stale. On PostgreSQL the lock is an advisory lock; the row only tells the status page.
    """

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(120))
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRun(db.Model):
    """The last run of one scheduled job, and how many runs and failures it has had."""

    __tablename__ = "scheduler_job_run"

    job_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_ok: Mapped[bool] = mapped_column(Boolean)
    # What the run did, in counts ("sent 3, retried 0, failed 0"), or the error's type: no names.
    summary: Mapped[str] = mapped_column(String(300))
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
