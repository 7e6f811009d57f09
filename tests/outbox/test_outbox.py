"""The outbox: queued in the caller's transaction, delivered once to a real SMTP server, retried
with backoff, given up on with a readable reason, recovered after a crash, and never sent twice
by two dispatchers running at once (two real processes, on SQLite and on PostgreSQL)."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldwork import mail
from fieldwork.access import public
from fieldwork.audit.models import AuditEvent
from fieldwork.errors import NotAllowed
from fieldwork.extensions import db
from fieldwork.outbox import services as outbox_services
from fieldwork.outbox.models import OutboxMessage, OutboxStatus
from fieldwork.outbox.services import (cancel_pending, dispatch, dispatch_pending, queue_email,
                                       retry_failed)
from tests import factories
from tests.calendar_and_mail.test_mail import make_calendar

PROJECT_DIR = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 11, 28, 9, 0, tzinfo=timezone.utc)  # in the past: due for the CLI too


def queue(n=1, *, now=T0, informant=None, recipient=None, calendar=True, **options):
    """n invite-like messages, committed (as the view that queued them would)."""
    rows = []
    for i in range(n):
        address = recipient or (informant.email if informant else f"person{i}@example.org")
        rows.append(queue_email(
            recipient=(address, "Kari Nordmann"), subject="Invitasjon: intervju",
            text="Hei,\nvelkommen til intervju.\n", html="<p>Hei,</p><p>velkommen til intervju.</p>",
            purpose="invite", now=now, calendar=make_calendar() if calendar else None,
            method="REQUEST" if calendar else None, sequence=0 if calendar else None,
            informant_id=informant.id if informant else None, **options))
    db.session.commit()
    return rows


def use(app, sink):
    app.config["MAIL_URL"] = sink.url


def reload(row):
    return factories.reload(OutboxMessage, row.id)


# Queuing


def test_queue_email_adds_a_pending_row_in_the_callers_transaction(app):
    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant()
    row = queue_email(recipient=(informant.email, informant.name), subject="Invitasjon: intervju",
                      text="Hei", html="<p>Hei</p>", purpose="invite", now=T0,
                      calendar=make_calendar(), method="REQUEST", sequence=2,
                      informant_id=informant.id, by=coordinator)
    assert row.id is not None and row.status is OutboxStatus.PENDING
    assert (row.attempts, row.next_attempt_at, row.created_at) == (0, T0, T0)
    assert (row.purpose, row.method, row.sequence, row.subject) == ("invite", "REQUEST", 2,
                                                                   "Invitasjon: intervju")
    assert (row.recipient_email, row.informant_id, row.created_by_id) == (
        informant.email, informant.id, coordinator.id)
    # The Message-ID is made once, from a random token and the app's host, and is in the bytes.
    assert re.fullmatch(r"<fw\.[0-9a-f]{32}@127\.0\.0\.1>", row.message_id)
    parsed = BytesParser(policy=policy.default).parsebytes(row.raw)
    assert parsed["Message-ID"] == row.message_id
    assert parsed["From"].addresses[0].addr_spec == app.config["ORGANIZER_EMAIL"]
    assert parsed["To"].addresses[0].addr_spec == informant.email
    # Not committed: the caller's rollback takes the message with it.
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_message_ids_are_unique(app):
    rows = queue(3)
    assert len({r.message_id for r in rows}) == 3


def test_reminders_are_auto_submitted_and_invites_are_not(app, outbox):
    queue(1)
    queue_email(recipient=("kari@example.org", "Kari"), subject="Påminnelse", text="x", html="x",
                purpose="reminder", now=T0)
    invite, reminder = outbox.messages()
    assert "Auto-Submitted" not in invite
    assert reminder["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("subject, name", [
    ("Invitasjon\r\nBcc: evil@attacker.example", "Kari"),
    ("Invitasjon", "Kari\nBcc: evil@attacker.example"),
    ("=?utf-8?q?Invitasjon=0d=0aBcc:_evil@attacker.example?=", "Kari"),
    ("Invitasjon", "=?utf-8?b?S2FyaQ0KQmNjOiBldmlsQGF0dGFja2VyLmV4YW1wbGU=?="),
])
def test_header_injection_is_refused_and_nothing_is_queued(app, outbox, subject, name):
    with pytest.raises(mail.UnsafeHeader) as caught:
        queue_email(recipient=("kari@example.org", name), subject=subject, text="x", html="x",
                    purpose="invite", now=T0)
    assert "evil" not in str(caught.value)
    db.session.commit()
    assert len(outbox) == 0


def test_a_calendar_whose_method_differs_is_refused(app, outbox):
    with pytest.raises(ValueError):
        queue_email(recipient=("kari@example.org", "Kari"), subject="Avlyst", text="x", html="x",
                    purpose="cancel", now=T0, calendar=make_calendar("REQUEST"), method="CANCEL")
    assert len(outbox) == 0


# Delivery


def test_dispatch_delivers_everything_due_over_one_connection(app, smtp_server, outbox):
    use(app, smtp_server)
    rows = queue(5)
    report = dispatch_pending(now=T0 + timedelta(seconds=1))
    assert (report.sent, report.retried, report.failed) == (5, 0, 0)
    assert smtp_server.connections == 2  # the server's own probe, then one connection for all
    assert sorted(smtp_server.message_ids()) == sorted(r.message_id for r in rows)
    assert [m.raw for m in smtp_server.messages] == [r.raw for r in outbox.rows()]
    for row in outbox.rows():
        assert (row.status, row.attempts, row.sent_at, row.last_error) == (
            OutboxStatus.SENT, 1, T0 + timedelta(seconds=1), None)
    assert smtp_server.messages[0].mail_from == app.config["ORGANIZER_EMAIL"]
    assert smtp_server.messages[0].rcpt_tos == [rows[0].recipient_email]
    # Nothing is sent twice: a second run finds nothing due.
    assert dispatch_pending(now=T0 + timedelta(hours=1)).sent == 0
    assert len(smtp_server.messages) == 5


def test_messages_not_yet_due_wait(app, smtp_server):
    use(app, smtp_server)
    queue(1, now=T0 + timedelta(minutes=5))
    assert dispatch_pending(now=T0).sent == 0
    assert dispatch_pending(now=T0 + timedelta(minutes=5)).sent == 1


def test_limit(app, smtp_server, outbox):
    use(app, smtp_server)
    queue(3)
    assert dispatch_pending(now=T0, limit=2).sent == 2
    assert len(outbox.rows(status=OutboxStatus.PENDING)) == 1


def test_a_4xx_is_retried_with_growing_delays_and_delivered_once(app, smtp_server):
    use(app, smtp_server)
    [row] = queue(1)
    smtp_server.reply_next("DATA", "451 4.3.0 Try again later", times=2)

    report = dispatch_pending(now=T0)
    assert (report.sent, report.retried) == (0, 1)
    row = reload(row)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert row.next_attempt_at == T0 + timedelta(seconds=60)
    assert row.last_error == "DATA 451 4.3.0 Try again later"

    assert dispatch_pending(now=T0 + timedelta(seconds=59)).retried == 0  # not due yet
    assert dispatch_pending(now=T0 + timedelta(seconds=60)).retried == 1
    row = reload(row)
    assert (row.attempts, row.next_attempt_at) == (2, T0 + timedelta(seconds=60 + 120))

    report = dispatch_pending(now=T0 + timedelta(seconds=180))
    assert report.sent == 1
    row = reload(row)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 3, None)
    assert smtp_server.message_ids() == [row.message_id]


def test_backoff_is_capped_and_gives_up_after_the_last_attempt(app, smtp_server):
    use(app, smtp_server)
    app.config.update(MAIL_MAX_ATTEMPTS=4, MAIL_RETRY_BASE_SECONDS=60, MAIL_RETRY_MAX_SECONDS=150)
    [row] = queue(1)
    smtp_server.reply_next("RCPT", "452 4.2.2 Mailbox full", times=10)
    now, delays = T0, []
    for _ in range(3):
        assert dispatch_pending(now=now).retried == 1
        due = reload(row).next_attempt_at
        delays.append((due - now).total_seconds())
        now = due
    assert delays == [60, 120, 150]
    report = dispatch_pending(now=now)
    assert (report.retried, report.failed) == (0, 1)
    row = reload(row)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 4)
    assert row.last_error == "gave up after 4 attempts: RCPT 452 4.2.2 Mailbox full"
    assert smtp_server.messages == []


def test_a_5xx_fails_at_once_with_a_readable_reason_and_no_address(app, smtp_server):
    use(app, smtp_server)
    [bad, good] = queue(2)
    smtp_server.reply_next("RCPT", f"550 5.1.1 <{bad.recipient_email}>: Recipient address "
                                   "rejected: User unknown in virtual mailbox table")
    report = dispatch_pending(now=T0)
    assert (report.sent, report.failed) == (1, 1)
    bad = reload(bad)
    assert (bad.status, bad.attempts) == (OutboxStatus.FAILED, 1)
    assert bad.last_error == ("RCPT 550 5.1.1 <address>: Recipient address rejected: "
                              "User unknown in virtual mailbox table")
    assert smtp_server.message_ids() == [good.message_id]


def test_server_down_leaves_messages_pending_then_send_pending_delivers(app, smtp_server, runner):
    use(app, smtp_server)
    rows = queue(3)
    smtp_server.stop()

    report = dispatch_pending(now=T0)
    # The three were claimed as one batch and all put back.
    assert (report.sent, report.retried, report.failed, report.deferred) == (0, 0, 0, 3)
    assert report.error == "connection refused"
    for row in rows:
        row = reload(row)
        # Not an attempt: the server was never reached, so nothing is used up or postponed.
        assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 0, T0)
        assert row.last_error == "connection refused"

    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 1, result.output
    assert "could not reach the mail server (connection refused); 3 message(s) wait" in result.output

    smtp_server.start()
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Mail: sent 3, retried later 0, failed 0."
    assert sorted(smtp_server.message_ids()) == sorted(r.message_id for r in rows)
    assert {reload(r).status for r in rows} == {OutboxStatus.SENT}


def test_a_message_left_sending_by_a_dead_process_is_recovered_after_the_lease(app, smtp_server):
    use(app, smtp_server)
    [stale, fresh] = queue(2)
    # The lease is 60 s: a live sender renews it well within that.
    for row, claimed in ((stale, T0 - timedelta(seconds=61)), (fresh, T0 - timedelta(seconds=30))):
        row.status, row.attempts, row.claimed_at = OutboxStatus.SENDING, 1, claimed
    db.session.commit()

    report = dispatch_pending(now=T0)
    assert report.sent == 1
    stale, fresh = reload(stale), reload(fresh)
    assert (stale.status, stale.attempts) == (OutboxStatus.SENT, 2)
    assert (fresh.status, fresh.claimed_at) == (OutboxStatus.SENDING, T0 - timedelta(seconds=30))
    assert smtp_server.message_ids() == [stale.message_id]


def test_a_stuck_message_on_its_last_attempt_fails(app, smtp_server):
    use(app, smtp_server)
    [row] = queue(1)
    row = reload(row)
    row.status, row.attempts = OutboxStatus.SENDING, app.config["MAIL_MAX_ATTEMPTS"]
    row.claimed_at = T0 - timedelta(hours=1)
    db.session.commit()
    dispatch_pending(now=T0)
    row = reload(row)
    assert row.status is OutboxStatus.FAILED and "interrupted" in row.last_error
    assert smtp_server.messages == []


def test_dispatch_sends_only_the_rows_asked_for(app, smtp_server, outbox):
    use(app, smtp_server)
    rows = queue(3)
    report = dispatch([rows[1].id], now=T0)
    assert report.sent == 1
    assert smtp_server.message_ids() == [rows[1].message_id]
    assert [r.status for r in outbox.rows()] == [OutboxStatus.PENDING, OutboxStatus.SENT,
                                                  OutboxStatus.PENDING]


def test_file_transport_through_the_outbox(app, tmp_path, outbox):
    app.config["MAIL_URL"] = f"file://{tmp_path / 'mail'}"
    rows = queue(2)
    assert dispatch_pending(now=T0).sent == 2
    written = {BytesParser(policy=policy.default).parsebytes(p.read_bytes())["Message-ID"]
               for p in (tmp_path / "mail").glob("*.eml")}
    assert written == {r.message_id for r in rows}


def test_an_invalid_mail_url_touches_no_row(app, runner):
    [row] = queue(1)
    app.config["MAIL_URL"] = "smtp://user:s3cret@relay.example.org:25?tls=on"
    with pytest.raises(mail.InvalidMailURL):
        dispatch_pending(now=T0)
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: FIELDWORK_MAIL_URL: unknown option 'tls' "
                                     "(known: starttls, timeout, cafile)")
    assert "s3cret" not in result.output and "Traceback" not in result.output
    row = reload(row)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 0, None)


# Two dispatchers at once, in two processes


def _send_pending_process(app, sink, **environment):
    env = dict(os.environ, FIELDWORK_ENV="development",
               FIELDWORK_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], FIELDWORK_MAIL_URL=sink.url, FIELDWORK_SECRET_KEY="x" * 40,
               FIELDWORK_ORGANIZER_EMAIL=app.config["ORGANIZER_EMAIL"], **environment)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "mail", "send-pending"],
                            cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_two_dispatchers_in_two_processes_send_each_message_once(app, outbox):
    from tests.support.smtp import SmtpSink

    # The server takes a while per message, so that the two processes overlap (each claims up
    # to BATCH_SIZE at a time: there must be several batches' worth).
    sink = SmtpSink(delay=0.02, hold_until_connections=3).start()
    try:
        rows = queue(160, now=datetime.now(timezone.utc) - timedelta(seconds=1))
        # One connection each: this is about two processes (one process's two connections are
        # tested in test_order).
        processes = [_send_pending_process(app, sink, FIELDWORK_MAIL_CONNECTIONS="1")
                     for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in processes]
    finally:
        sink.stop()
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr
    sent = [int(re.search(r"sent (\d+)", stdout).group(1)) for stdout, _ in outputs]
    assert sum(sent) == 160
    assert min(sent) > 0, f"the two processes did not overlap ({sent}); the test proves nothing"
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 160
    assert set(ids) == {r.message_id for r in rows}
    assert {r.status for r in outbox.rows()} == {OutboxStatus.SENT}
    assert {r.attempts for r in outbox.rows()} == {1}


# Delivery right after the response


def _queue_view(app, *, fail_with=None):
    """A page that queues a message the way a service does: queue, commit; no view delivers."""

    @public
    def queue_page():
        queue(1, now=datetime.now(timezone.utc))
        if fail_with:
            raise fail_with
        return "queued"

    app.add_url_rule("/test-queue", "test_queue", queue_page, methods=["GET"])


def test_delivery_follows_the_commit_without_waiting_for_the_response_to_close(
        app, smtp_server, outbox):
    """The page does not wait for SMTP, and its mail does not wait for the server to close the
    response (Werkzeug's development server closes a kept-alive one only when the browser goes)."""
    use(app, smtp_server)
    smtp_server.rcpt_delay = 1  # the mail server takes its time
    _queue_view(app)
    response = app.test_client().get("/test-queue")  # never closed
    assert response.status_code == 200
    assert smtp_server.messages == []  # the page came back before the mail server answered
    factories.wait_for_delivery(app)
    [row] = outbox.rows()
    assert row.status is OutboxStatus.SENT
    assert smtp_server.message_ids() == [row.message_id]


def test_after_response_failures_never_reach_the_user(app, smtp_server, outbox, caplog):
    use(app, smtp_server)
    _queue_view(app)
    smtp_server.stop()
    response = app.test_client().get("/test-queue")
    factories.wait_for_delivery(app)
    assert response.status_code == 200
    [row] = outbox.rows()
    assert row.status is OutboxStatus.PENDING  # left for `flask mail send-pending`
    assert "example.org" not in caplog.text


def test_a_rolled_back_message_is_not_delivered_and_a_committed_one_is(app, smtp_server, outbox):
    """Only what the request committed goes out after it: a message queued in a transaction that
    was rolled back no longer exists, and a later commit in the same request does not revive it."""
    use(app, smtp_server)

    @public
    def two_transactions():
        queue_email(recipient=("gone@example.org", "Gone"), subject="Rolled back", text="x\n",
                    html="<p>x</p>", purpose="invite", now=datetime.now(timezone.utc))
        db.session.rollback()
        queue(1, now=datetime.now(timezone.utc), recipient="kept@example.org")
        return "done"

    app.add_url_rule("/two-transactions", "two_transactions", two_transactions)
    app.test_client().get("/two-transactions")
    factories.wait_for_delivery(app)
    [row] = outbox.rows()
    assert row.recipient_email == "kept@example.org" and row.status is OutboxStatus.SENT
    assert smtp_server.message_ids() == [row.message_id]


def test_after_response_delivery_can_be_switched_off(app, smtp_server, outbox):
    use(app, smtp_server)
    app.config["MAIL_SEND_AFTER_REQUEST"] = False
    _queue_view(app)
    app.test_client().get("/test-queue")
    factories.wait_for_delivery(app)
    assert outbox.rows()[0].status is OutboxStatus.PENDING
    assert smtp_server.messages == []


def test_delivery_after_the_response_through_a_real_server(app, smtp_server, outbox, live_server):
    use(app, smtp_server)
    _queue_view(app)
    with urllib.request.urlopen(f"{live_server}/test-queue", timeout=10) as response:
        assert response.read() == b"queued"
    deadline = time.monotonic() + 10
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smtp_server.message_ids() == [outbox.rows()[0].message_id]


# Coordinators' actions


def test_cancel_pending_cancels_only_that_informants_unsent_messages(app, smtp_server, outbox):
    use(app, smtp_server)
    coordinator = factories.make_user(role="coordinator")
    kari, ola = factories.make_informant(), factories.make_informant()
    [sent] = queue(1, informant=kari)
    dispatch_pending(now=T0)
    kari_pending = queue(2, informant=kari)
    [ola_pending] = queue(1, informant=ola)

    assert cancel_pending(informant_id=kari.id, by=coordinator, now=T0) == 2
    db.session.commit()
    statuses = {r.id: r.status for r in outbox.rows()}
    assert statuses[sent.id] is OutboxStatus.SENT
    assert {statuses[r.id] for r in kari_pending} == {OutboxStatus.CANCELLED}
    assert statuses[ola_pending.id] is OutboxStatus.PENDING
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.cancel_pending")).one()
    assert (event.actor_id, event.entity_type, event.entity_id) == (coordinator.id, "informant", str(kari.id))
    assert event.after == {"cancelled_message_ids": sorted(r.id for r in kari_pending)}
    # Cancelled messages are never sent.
    dispatch_pending(now=T0 + timedelta(hours=1))
    assert set(smtp_server.message_ids()) == {sent.message_id, ola_pending.message_id}
    assert cancel_pending(informant_id=kari.id, by=coordinator, now=T0) == 0


def test_cancel_pending_is_part_of_the_callers_transaction(app):
    informant = factories.make_informant()
    [row] = queue(1, informant=informant)
    cancel_pending(informant_id=informant.id, by=factories.make_user(), now=T0)
    db.session.rollback()
    assert reload(row).status is OutboxStatus.PENDING


def test_retry_failed(app, smtp_server):
    use(app, smtp_server)
    coordinator = factories.make_user(role="coordinator")
    [row] = queue(1)
    smtp_server.reply_next("RCPT", "550 5.2.1 Mailbox disabled")
    dispatch_pending(now=T0)
    row = reload(row)
    assert row.status is OutboxStatus.FAILED

    later = T0 + timedelta(days=1)
    retry_failed(row, by=coordinator, now=later)
    db.session.commit()
    row = reload(row)
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 0, later)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).one()
    assert (event.entity_type, event.entity_id, event.actor_id) == ("outbox_message", str(row.id),
                                                                    coordinator.id)
    assert event.before["status"] == "failed" and event.after["status"] == "pending"

    assert dispatch_pending(now=later).sent == 1
    assert smtp_server.message_ids() == [row.message_id]  # the same message, the same Message-ID
    with pytest.raises(NotAllowed):
        retry_failed(reload(row), by=coordinator, now=later)


# Command line


def test_mail_status(app, smtp_server, runner):
    use(app, smtp_server)
    rows = queue(3)
    smtp_server.reply_next("RCPT", f"550 5.1.1 <{rows[0].recipient_email}> unknown")
    dispatch([rows[0].id, rows[1].id], now=T0)
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"pending\s+1", lines[0]) and re.fullmatch(r"sent\s+1", lines[2])
    assert re.fullmatch(r"failed\s+1", lines[3])
    assert "next due   28.11.2025 10:00" in result.output  # shown in the study's time zone
    assert f"#{rows[0].id} invite, 1 attempt(s): RCPT 550 5.1.1 <address> unknown" in result.output
    assert "@" not in result.output


def test_send_test_message(app, smtp_server, runner, outbox):
    use(app, smtp_server)
    result = runner.invoke(args=["mail", "send-test", "kari@example.org", "--language", "nb"])
    assert result.exit_code == 0, result.output
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["kari@example.org"]
    assert received.message["Subject"] == "Testmelding fra KI i bildediagnostikk"
    assert outbox.rows()[0].purpose == "delivery-check"
    assert "kari" not in result.output


def test_send_test_message_refused_by_the_server(app, smtp_server, runner):
    use(app, smtp_server)
    smtp_server.reply_next("MAIL", "550 5.7.1 Sender not allowed to relay")
    result = runner.invoke(args=["mail", "send-test", "kari@example.org"])
    assert result.exit_code == 1
    assert "was not accepted: MAIL 550 5.7.1 Sender not allowed to relay" in result.output


def test_retry_delay_doubles_from_the_base(app):
    assert [outbox_services.retry_delay(n).total_seconds() for n in range(1, 9)] == [
        60, 120, 240, 480, 960, 1920, 3600, 3600]
