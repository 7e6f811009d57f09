"""The scheduler process (`flask scheduler run`) and its job list.

It runs apart from the web workers, which never start it. Before working it takes the database
lock (fieldwork.jobs.lock), so only one scheduler works against a database at a time; a second
one waits and takes over when the first dies. Jobs are thin (fieldwork.jobs.tasks): the database,
not APScheduler's job store (kept in memory), holds what is due, so a restart loses nothing and
a job that runs twice sends nothing twice.
"""

import logging
import signal
import threading
from dataclasses import dataclass
from typing import Callable

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from .database import utcnow
from .extensions import db
from .jobs import tasks
from .jobs.lock import DatabaseLock, LockLost, new_holder_id
from .jobs.services import run_job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str            # also the key of its interval in SCHEDULER_INTERVALS
    action: Callable   # returns a summary in counts
    description: str   # shown on the scheduler page (a lazy text, in the reader's language)


JOBS = (
    Job("mail", tasks.dispatch_mail, _l("Deliver pending emails")),
    Job("reminders", tasks.send_reminders, _l("Interview reminders")),
    Job("consent", tasks.follow_up_consent, _l("Follow-ups of unanswered consent requests")),
    Job("digest", tasks.send_digest, _l("Coordinators' daily digest")),
    Job("retention", tasks.report_retention,
        _l("Retention report to admins after the study's end")),
    Job("busy", tasks.refresh_busy_times, _l("Busy times read from interviewers' own calendars")),
    Job("replies", tasks.read_replies, _l("Calendar answers read from the study mailbox")),
    Job("offers", tasks.follow_up_offers, _l("Follow-ups and expiry of offered times")),
    Job("memberchecks", tasks.run_member_checks, _l("Member-check reminders and deadlines")),
)


def job_defaults():
    # coalesce: runs missed while the process was busy or suspended collapse into one, because
    #   one run does everything that is due; running it five times in a row would only repeat
    #   the same queries.
    # misfire_grace_time=None: a late run is still a useful run (reminders mark what came too
    #   late as expired themselves), so never skip one for being late.
    # max_instances=1: a slow run (a mail server taking its time) never overlaps itself.
    # After downtime nothing misfires at all: the job store is in memory and every job runs
    # once at start-up, doing what fell due while the process was away, once.
    return {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}


class SchedulerProcess:
    def __init__(self, app, *, holder=None, echo=click.echo):
        self.app = app
        self.holder = holder or new_holder_id()
        self.intervals = app.config["SCHEDULER_INTERVALS"]
        self.stopping = threading.Event()
        self.echo = echo
        self.lock = None

    def stop(self, *_):
        self.stopping.set()

    def run(self):
        """Wait for the lock, run the jobs until stopped (or the lock is lost); 0 or 1."""
        with self.app.app_context():
            self.lock = DatabaseLock(db.engine, holder=self.holder,
                                     heartbeat_seconds=self.intervals["heartbeat"])
            if not self._wait_for_lock():
                return 0
            self.echo(f"Scheduler {self.holder}: holding the lock; jobs running.")
            # Imported here: web processes read the job list but never run APScheduler.
            from apscheduler.schedulers.background import BackgroundScheduler
            from apscheduler.triggers.interval import IntervalTrigger

            scheduler = BackgroundScheduler(timezone="UTC", job_defaults=job_defaults())
            for job in JOBS:
                scheduler.add_job(self._run_job, IntervalTrigger(seconds=self.intervals[job.id]),
                                  args=[job], id=job.id, name=str(job.description),
                                  next_run_time=utcnow())
            scheduler.start()
            code = 0
            try:
                while not self.stopping.wait(self.intervals["heartbeat"]):
                    self.lock.beat()
                    db.session.remove()
            except LockLost as error:
                self.echo(f"Scheduler {self.holder}: lock lost ({error}); stopping.", err=True)
                code = 1
            finally:
                scheduler.shutdown(wait=True)
                if code == 0:
                    self.lock.release()
                db.session.remove()
            self.echo(f"Scheduler {self.holder}: stopped.")
            return code

    def _wait_for_lock(self):
        announced = False
        while not self.stopping.is_set():
            if self.lock.acquire():
                return True
            db.session.remove()
            if not announced:
                self.echo(f"Scheduler {self.holder}: another scheduler holds the lock; waiting.")
                announced = True
            self.stopping.wait(self.intervals["heartbeat"])
        return False

    def _run_job(self, job):
        with self.app.app_context():
            try:
                self.lock.beat()  # never work without the lock, even for a moment
            except LockLost:
                self.stopping.set()
                return
            finally:
                db.session.remove()
            is_ok, summary = run_job(job.id, job.action, holder=self.holder)
            log.debug("job %s: %s", job.id, summary)


scheduler_cli = AppGroup("scheduler", help="Background jobs: mail, reminders, consent follow-ups, digest, retention, busy times, calendar answers, offers, member checks.")


@scheduler_cli.command("run")
def run_command():
    """Run the background jobs in this process until stopped (Ctrl-C, SIGTERM)."""
    app = current_app._get_current_object()
    # The app's logger prints our lines; APScheduler's own would add one per run of every job.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    process = SchedulerProcess(app)
    signal.signal(signal.SIGTERM, process.stop)
    signal.signal(signal.SIGINT, process.stop)
    raise SystemExit(process.run())


@scheduler_cli.command("status")
def status_command():
    """Whether a scheduler is alive, and each job's last run."""
    from .jobs.services import scheduler_status
    from .timeutil import format_local

    status = scheduler_status()
    lock = status.lock
    if lock and lock.holder:
        state = "alive" if status.is_alive else "not responding"
        click.echo(f"scheduler  {state}: {lock.holder}, last heartbeat "
                   f"{format_local(lock.heartbeat_at, '%d.%m.%Y %H:%M:%S')}")
    else:
        click.echo("scheduler  not running")
    for run in status.runs:
        click.echo(f"{run.job_id:<10} {'ok' if run.is_ok else 'FAILED':<6} "
                   f"{format_local(run.finished_at, '%d.%m.%Y %H:%M:%S')}  {run.summary}")
    click.echo(f"emails     {status.pending} pending, {status.failed} failed")
    click.echo(f"answers    {status.answers_left} left in the mailbox (not matched or unreadable)")
