"""Record each job's runs, and read what the status page shows."""

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..database import utcnow
from ..extensions import db
from ..outbox import services as outbox
from ..outbox.models import OutboxStatus
from ..replies.services import left_in_mailbox
from .lock import current_lock, stale_after
from .models import JobRun, SchedulerLock

log = logging.getLogger(__name__)


def describe_error(error):
    """An exception's type and where it was raised, never its message: messages from libraries
    may quote an address or a name, and this text is logged and shown on the status page."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{place}"


def run_job(job_id, action, *, holder):
    """Run `action()` (a service call that commits its own work) and record how it went.

    `action` returns a short summary in counts. A failure is rolled back, logged by type and
    recorded; it never stops the scheduler, and the next run tries again.
    """
    started_at = utcnow()
    try:
        summary, is_ok = str(action() or "done"), True
    except Exception as error:
        db.session.rollback()
        summary, is_ok = f"failed: {describe_error(error)}", False
        log.error("job %s failed: %s", job_id, summary)
    _record(job_id, holder=holder, started_at=started_at, is_ok=is_ok, summary=summary)
    return is_ok, summary


def _record(job_id, *, holder, started_at, is_ok, summary):
    try:
        run = db.session.get(JobRun, job_id, populate_existing=True)
        if run is None:
            run = JobRun(job_id=job_id, runs=0, failures=0)
            db.session.add(run)
        run.holder, run.started_at, run.finished_at = holder, started_at, utcnow()
        run.is_ok, run.summary = is_ok, summary[:300]
        run.runs += 1
        run.failures += 0 if is_ok else 1
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        log.error("job %s: could not record the run: %s", job_id, describe_error(error))
    finally:
        db.session.remove()


@dataclass
class SchedulerStatus:
    lock: SchedulerLock | None
    is_alive: bool
    runs: list
    pending: int
    failed: int
    next_due_at: datetime | None
    answers_left: int = 0  # calendar answers left in the mailbox: unmatched or unreadable


def scheduler_status(*, now=None):
    """Is a scheduler alive (a fresh heartbeat), what each job did last, and the outbox counts."""
    now = now or utcnow()
    lock = current_lock()
    heartbeat = current_app.config["SCHEDULER_INTERVALS"]["heartbeat"]
    is_alive = bool(lock and lock.holder and lock.heartbeat_at
                    and lock.heartbeat_at >= now - stale_after(heartbeat))
    counts = outbox.status_counts()
    return SchedulerStatus(
        lock=lock, is_alive=is_alive,
        runs=db.session.scalars(select(JobRun).order_by(JobRun.job_id)).all(),
        pending=counts[OutboxStatus.PENDING] + counts[OutboxStatus.SENDING],
        failed=counts[OutboxStatus.FAILED], next_due_at=outbox.next_due_at(),
        answers_left=left_in_mailbox())
