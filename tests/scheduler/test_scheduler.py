"""The scheduler: one process at a time per database, takeover when the holder dies, exactly-once
delivery across a SIGKILL mid-dispatch, job runs recorded for the status page.

The process tests start real `flask --app wsgi scheduler run` processes against the test's
database (a SQLite file, or the throwaway PostgreSQL cluster) and a real SMTP server.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from fieldwork import audit
from fieldwork.database import utcnow
from fieldwork.extensions import db
from fieldwork.jobs import tasks
from fieldwork.jobs.lock import DatabaseLock, LockLost, current_lock
from fieldwork.jobs.models import JobRun, SchedulerLock
from fieldwork.jobs.services import run_job
from fieldwork.outbox import services as outbox_services
from fieldwork.outbox.models import OutboxMessage, OutboxStatus
from fieldwork.scheduler import JOBS, job_defaults
from tests import factories

PROJECT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout=30, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def fresh(query):
    """Read what the database holds now (other processes write it)."""
    db.session.rollback()
    return query()


def lock_row():
    return fresh(lambda: db.session.scalars(
        select(SchedulerLock).execution_options(populate_existing=True)).first())


def job_runs():
    return fresh(lambda: db.session.scalars(
        select(JobRun).execution_options(populate_existing=True)).all())


def pid_of(holder):
    return int(holder.split(":")[1]) if holder else None


@pytest.fixture
def schedulers(app, tmp_path):
    """Start scheduler processes against the test's database; all are killed at the end."""
    started = []

    def start(mail_url="smtp://127.0.0.1:9", **env):
        environment = {
            **os.environ, "FIELDWORK_ENV": "development",
            "FIELDWORK_SECRET_KEY": "scheduler-test-secret-key-0123456789abcdef",
            "FIELDWORK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "FIELDWORK_MAIL_URL": mail_url,
            "FIELDWORK_SCHEDULER_INTERVALS": "heartbeat=0.5,mail=0.5,reminders=1,digest=5,retention=5",
            "FIELDWORK_MAIL_SENDING_LEASE_SECONDS": "2", **env}
        log = open(tmp_path / f"scheduler-{len(started)}.log", "w+")
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler",
                                    "run"], cwd=PROJECT, env=environment, stdout=log,
                                   stderr=subprocess.STDOUT)
        process.log = log
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        process.log.close()


def output(process):
    process.log.flush()
    process.log.seek(0)
    return process.log.read()


# In one process


def test_a_second_lock_waits_until_the_first_is_released_or_stale(app):
    interval = 0.2
    first = DatabaseLock(db.engine, holder="host:1:a", heartbeat_seconds=interval)
    second = DatabaseLock(db.engine, holder="host:2:b", heartbeat_seconds=interval)
    assert first.acquire()
    assert not second.acquire()
    first.beat()
    assert current_lock().holder == "host:1:a"
    first.release()
    assert second.acquire()
    assert lock_row().holder == "host:2:b"
    second.release()


def test_on_sqlite_a_stale_heartbeat_hands_the_lock_over(app):
    if db.engine.dialect.name != "sqlite":
        # PostgreSQL's advisory lock is held by its connection, not by heartbeats: see the
        # process tests below for its takeover.
        first = DatabaseLock(db.engine, holder="host:1:a", heartbeat_seconds=0.1)
        assert first.acquire()
        time.sleep(0.5)
        assert not DatabaseLock(db.engine, holder="host:2:b", heartbeat_seconds=0.1).acquire()
        first.release()
        return
    first = DatabaseLock(db.engine, holder="host:1:a", heartbeat_seconds=0.1)
    second = DatabaseLock(db.engine, holder="host:2:b", heartbeat_seconds=0.1)
    assert first.acquire()
    assert not second.acquire()
    time.sleep(0.35)  # more than three heartbeats missed
    assert second.acquire()
    with pytest.raises(LockLost):
        first.beat()


def test_a_job_run_is_recorded_and_a_failure_names_only_its_type(app):
    assert run_job("mail", lambda: "sent 3", holder="host:1:a") == (True, "sent 3")

    def broken():
        raise ValueError("kari@example.org is not welcome")  # a message that names someone

    is_ok, summary = run_job("reminders", broken, holder="host:1:a")
    assert not is_ok and summary.startswith("failed: ValueError at test_scheduler.py:")
    runs = {r.job_id: r for r in job_runs()}
    assert (runs["mail"].is_ok, runs["mail"].summary, runs["mail"].runs) == (True, "sent 3", 1)
    assert (runs["reminders"].is_ok, runs["reminders"].failures) == (False, 1)
    assert "kari" not in runs["reminders"].summary


def test_jobs_coalesce_and_never_skip_a_late_run():
    assert job_defaults() == {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}
    assert [job.id for job in JOBS] == ["mail", "reminders", "consent", "digest", "retention",
                                       "busy", "replies", "offers", "memberchecks"]


def test_the_status_page_shows_the_heartbeat_jobs_and_email_counts(app, client, login_as):
    login_as("admin")
    page = client.get("/admin/scheduler/")
    assert page.status_code == 200
    assert "No scheduler has run against this database yet" in page.text

    lock = DatabaseLock(db.engine, holder="host:42:abc", heartbeat_seconds=10)
    lock.acquire()
    run_job("mail", lambda: "sent 2, retried later 0, failed 0", holder="host:42:abc")
    page = client.get("/admin/scheduler/")
    assert "Running: <code>host:42:abc</code>" in page.text
    assert "OK: sent 2, retried later 0, failed 0" in page.text
    assert "Not run yet." in page.text  # the other jobs
    lock.release()


def test_the_status_page_is_for_admins_only(app, client, login_as):
    login_as("coordinator")
    assert client.get("/admin/scheduler/").status_code == 403


# Real processes


def test_two_schedulers_one_works_and_the_other_takes_over_when_it_dies(app, schedulers):
    first = schedulers()
    wait_for(lambda: pid_of((lock_row() or SchedulerLock()).holder) == first.pid,
             message="the first scheduler to take the lock")
    wait_for(lambda: len(job_runs()) == len(JOBS), message="every job to run once")
    second = schedulers()
    wait_for(lambda: "another scheduler holds the lock; waiting" in output(second),
             message="the second scheduler to wait")
    time.sleep(2)  # several heartbeats and mail runs
    assert {pid_of(run.holder) for run in job_runs()} == {first.pid}
    assert pid_of(lock_row().holder) == first.pid
    assert second.poll() is None

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    wait_for(lambda: pid_of(lock_row().holder) == second.pid, timeout=20,
             message="the second scheduler to take over")
    wait_for(lambda: {pid_of(run.holder) for run in job_runs()} == {second.pid}, timeout=20,
             message="every job to run in the second scheduler")

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0
    assert lock_row().holder is None  # released on a clean stop: a new one starts at once


def test_a_scheduler_killed_mid_dispatch_delivers_every_message_exactly_once(app, schedulers):
    from tests.support.smtp import SmtpSink

    now = utcnow()
    for n in range(5):
        outbox_services.queue_email(
            recipient=(f"person{n}@example.org", f"Person {n}"), subject=f"Message {n}",
            text="Hello", html="<p>Hello</p>", purpose="delivery-check", now=now,
            by=audit.COMMAND_LINE)
    db.session.commit()
    expected = sorted(fresh(lambda: db.session.scalars(select(OutboxMessage.message_id)).all()))

    with SmtpSink(rcpt_delay=0.6) as sink:
        first = schedulers(mail_url=sink.url)
        # Kill it while the server is holding a message before DATA, after some got through:
        # that message and the rest of the batch were claimed ('sending') but never delivered.
        wait_for(lambda: len(sink.messages) >= 2 and sink.waiting_in_rcpt, timeout=60,
                 interval=0.01, message="a dispatch in progress")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        delivered_before = len(sink.messages)
        assert delivered_before < 5
        sending = fresh(lambda: db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)).all())
        assert len(sending) == 5 - delivered_before  # the rest of its batch, claimed

        schedulers(mail_url=sink.url)
        wait_for(lambda: len(sink.messages) == 5 and fresh(lambda: db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.status != OutboxStatus.SENT))) is None,
            timeout=60, message="every message to be delivered")
        time.sleep(1.5)  # a few more mail runs: nothing more may arrive
        assert sorted(sink.message_ids()) == expected  # each exactly once


def test_the_consent_job_follows_up_an_unanswered_request_once(app, outbox):
    from fieldwork.consent import services as consent

    requested_at = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    factories.make_consent_form("nb")
    consent.request_consent(factories.make_informant(), by=factories.make_user(), now=requested_at)
    with time_machine.travel(requested_at + timedelta(days=7, minutes=5), tick=False):
        assert tasks.follow_up_consent() == "sent 1"
        assert tasks.follow_up_consent() == "sent 0"  # the job ran twice: nothing twice
    assert len(outbox.rows(purpose="consent-follow-up")) == 1
