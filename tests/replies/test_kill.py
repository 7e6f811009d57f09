"""`flask mail read-replies` killed with SIGKILL in the middle of a run, then run again: every
answer is recorded exactly once and every message ends up in the done folder exactly once."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from fieldwork.audit.models import AuditEvent
from fieldwork.database import utcnow
from fieldwork.extensions import db
from fieldwork.replies import services as replies
from fieldwork.replies.models import MailboxMessage, MessageOutcome
from tests import factories
from tests.factories import NOW, oslo

from . import messages

PROJECT = Path(__file__).resolve().parents[2]
DONE = "fieldwork-answers"
MESSAGES = 40


def _count(query):
    db.session.rollback()  # see what the other process committed
    return db.session.scalar(query)


def test_a_reader_killed_mid_run_records_nothing_twice(app, mailbox, tmp_path):
    coordinator = factories.make_user(role="coordinator")
    people = [factories.make_informant(email=f"person{n}@example.org") for n in range(4)]
    interview = factories.make_interview(informants=people, interviewers=[coordinator],
                                         by=coordinator, now=NOW, start=oslo(2026, 3, 9, 10))
    mailbox.append(*(messages.thunderbird(
        interview.uid, 0, f"person{n % 4}@example.org",
        partstat=("ACCEPTED", "DECLINED", "TENTATIVE")[n % 3], comment=f"answer {n}",
        message_id=f"<answer-{n}@example.net>") for n in range(MESSAGES)))
    environment = {**os.environ, "FIELDWORK_ENV": "development",
                   "FIELDWORK_SECRET_KEY": "replies-test-secret-key-0123456789abcdef",
                   "FIELDWORK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "FIELDWORK_IMAP_URL": mailbox.url(), "FIELDWORK_IMAP_DONE_FOLDER": DONE}
    with open(tmp_path / "reader.log", "w+") as log:
        reader = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "mail",
                                   "read-replies"], cwd=PROJECT, env=environment, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            # Kill it once it has recorded some answers, long before it is done. The database
            # is polled: the other process offers nothing to wait on.
            deadline = time.monotonic() + 60
            while _count(select(func.count()).select_from(MailboxMessage)) < 5:
                assert reader.poll() is None, log.seek(0) or log.read()
                assert time.monotonic() < deadline, "the reader recorded nothing in time"
                time.sleep(0.01)
            os.kill(reader.pid, signal.SIGKILL)
        finally:
            reader.wait(timeout=30)
    recorded_before = _count(select(func.count()).select_from(MailboxMessage))
    assert 5 <= recorded_before < MESSAGES

    replies.read_replies(now=NOW)

    rows = _count(select(func.count()).select_from(MailboxMessage))
    answers = _count(select(func.count()).select_from(AuditEvent)
                     .where(AuditEvent.action == "interview.answer"))
    recorded = _count(select(func.count()).select_from(MailboxMessage)
                      .where(MailboxMessage.outcome == MessageOutcome.RECORDED))
    assert rows == MESSAGES and answers == recorded
    # A kill between claiming a message's move and making it leaves that one message in the
    # mailbox until the claim is MOVE_LEASE old (so that two readers never both copy it); the
    # first run after that moves it.
    left = mailbox.message_ids()
    assert len(left) <= 1, left
    if left:
        db.session.execute(update(MailboxMessage).where(MailboxMessage.message_id == left[0])
                           .values(move_claimed_at=utcnow() - replies.MOVE_LEASE
                                   - timedelta(seconds=1)))
        db.session.commit()
        replies.read_replies(now=NOW)
    assert mailbox.message_ids() == []
    done = mailbox.message_ids(DONE)
    assert sorted(done) == sorted(f"<answer-{n}@example.net>" for n in range(MESSAGES))
