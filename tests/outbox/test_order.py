"""Per interview and recipient, email leaves in the order it was queued, and a calendar message
made pointless by a newer one before it leaves is superseded, never sent: through the services,
through the pages, with delivery delayed, after a 451, with two dispatchers at once, across a
kill -9, a dropped connection and a 550 in a batch, and with a lease kept alive by a heartbeat.

What each recipient's calendar receives is read back from the real SMTP server's messages with the
`ical` parser (not ours): SEQUENCE must only go up, and a superseded message never arrives.
"""

import re
import signal
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from fieldwork.access import public
from fieldwork.errors import NotAllowed
from fieldwork.extensions import db
from fieldwork.interviews import services as interviews
from fieldwork.interviews.models import Interview
from fieldwork.interviews.queries import get_interview
from fieldwork.outbox.models import OutboxMessage, OutboxStatus
from fieldwork.outbox.services import BATCH_SIZE, dispatch_pending, queue_email, retry_failed
from tests import factories
from tests.outbox.test_outbox import _send_pending_process, queue
from tests.support.ical_parsers import parse_with_ical
from tests.support.smtp import DROP, SmtpSink

OSLO = ZoneInfo("Europe/Oslo")


def day(n, hour=10):
    """10:00 Oslo time, a week and `n` days ahead: interviews that do not overlap."""
    date = datetime.now(OSLO).date() + timedelta(days=7 + n)
    return datetime.combine(date, datetime.min.time().replace(hour=hour), tzinfo=OSLO)


def later(seconds=0):
    """A time after everything the test queued is due (and after any retry delay)."""
    return datetime.now(timezone.utc) + timedelta(days=1, seconds=seconds)


def received_calendars(sink):
    """{(recipient, UID): [(METHOD, SEQUENCE, Message-ID), ...]} in the order they arrived."""
    found = defaultdict(list)
    for received in sink.messages:
        message = BytesParser(policy=policy.default).parsebytes(received.raw)
        part = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
        if part is None:
            continue
        calendar = parse_with_ical(part.get_payload(decode=True))
        [event] = calendar["events"]
        for recipient in received.rcpt_tos:
            found[(recipient, event["uid"])].append(
                (calendar["method"], event["sequence"], received.message_id))
    return dict(found)


def assert_in_order_and_never_superseded(sink):
    """Each calendar saw only rising SEQUENCEs, each message once, and nothing superseded."""
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)), "a message arrived twice"
    superseded = set(db.session.scalars(select(OutboxMessage.message_id).where(
        OutboxMessage.status == OutboxStatus.SUPERSEDED)))
    assert not superseded & set(ids), "a superseded message was sent"
    calendars = received_calendars(sink)
    for key, arrived in calendars.items():
        sequences = [sequence for _, sequence, _ in arrived]
        assert sequences == sorted(set(sequences)), f"out of order for {key}: {arrived}"
    return calendars


def sequences(calendars, recipient, interview):
    return [(method, sequence) for method, sequence, _ in calendars.get((recipient, interview.uid), [])]


def statuses(interview_id):
    db.session.rollback()
    return [(r.recipient_email, r.purpose, r.sequence, r.status) for r in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.interview_id == interview_id)
        .order_by(OutboxMessage.id).execution_options(populate_existing=True))]


@pytest.fixture
def people(app):
    coordinator = factories.make_user(role="coordinator", email="koordinator@example.org")
    researcher = factories.make_user(role="researcher", email="forsker@example.org")
    informant = factories.make_informant(email="ase@example.org")
    return coordinator, researcher, informant


def schedule(people, **values):
    coordinator, researcher, informant = people
    return factories.make_interview(informants=[informant], interviewers=[researcher],
                                    by=coordinator, **values)


def move(interview, by, hour):
    db.session.rollback()
    interview = get_interview(interview.id)
    start = datetime.combine(interview.starts_at.astimezone(OSLO).date(),
                             datetime.min.time().replace(hour=hour), tzinfo=OSLO)
    values = factories.interview_values(
        informants=interview.informants, interviewers=interview.interviewers, start=start,
        guide_version=SimpleNamespace(id=interview.guide_version_id))
    return interviews.reschedule_interview(interview, values, by=by)


def cancel(interview, by):
    db.session.rollback()
    return interviews.cancel_interview(get_interview(interview.id), by=by)


# Superseding, through the services


def test_an_update_supersedes_an_unsent_invitation_and_serves_as_it(app, smtp_server, people):
    app.config["MAIL_URL"] = smtp_server.url
    coordinator, researcher, informant = people
    interview = schedule(people)
    move(interview, coordinator, 14)
    assert [(purpose, sequence, status) for _, purpose, sequence, status in statuses(interview.id)] == [
        ("invite", 0, OutboxStatus.SUPERSEDED), ("invite", 0, OutboxStatus.SUPERSEDED),
        # Nobody received the invitation: the update is their invitation, with the new SEQUENCE.
        ("invite", 1, OutboxStatus.PENDING), ("invite", 1, OutboxStatus.PENDING)]
    assert dispatch_pending(now=later()).sent == 2
    calendars = assert_in_order_and_never_superseded(smtp_server)
    for person in (informant, researcher):
        assert sequences(calendars, person.email, interview) == [("REQUEST", 1)]


def test_an_invitation_cancelled_before_it_left_sends_nothing(app, smtp_server, people):
    app.config["MAIL_URL"] = smtp_server.url
    coordinator, _, _ = people
    interview = schedule(people)
    cancel(interview, coordinator)
    assert {status for *_, status in statuses(interview.id)} == {OutboxStatus.SUPERSEDED}
    assert len(statuses(interview.id)) == 4  # two invitations, two cancellations: kept, not sent
    assert dispatch_pending(now=later()).sent == 0
    assert smtp_server.messages == []


def test_reschedule_then_cancel_with_delivery_delayed(app, smtp_server, people):
    """The invitations went out; the update had not when the interview was cancelled."""
    app.config["MAIL_URL"] = smtp_server.url
    coordinator, researcher, informant = people
    interview = schedule(people)
    assert dispatch_pending(now=later()).sent == 2
    move(interview, coordinator, 14)
    cancel(interview, coordinator)
    assert [(purpose, sequence, status) for _, purpose, sequence, status in statuses(interview.id)][2:] == [
        ("update", 1, OutboxStatus.SUPERSEDED), ("update", 1, OutboxStatus.SUPERSEDED),
        ("cancel", 2, OutboxStatus.PENDING), ("cancel", 2, OutboxStatus.PENDING)]
    assert dispatch_pending(now=later()).sent == 2
    calendars = assert_in_order_and_never_superseded(smtp_server)
    for person in (informant, researcher):
        assert sequences(calendars, person.email, interview) == [("REQUEST", 0), ("CANCEL", 2)]


def test_reschedule_then_cancel_with_a_451_on_the_first_attempt(app, smtp_server, people):
    """The informant's update is refused once (waiting for its retry) when the cancellation comes:
    it is superseded, and the cancellation does not overtake it; the researcher's update went."""
    app.config["MAIL_URL"] = smtp_server.url
    coordinator, researcher, informant = people
    interview = schedule(people)
    dispatch_pending(now=later())
    move(interview, coordinator, 14)
    smtp_server.reply_next("RCPT", "451 4.3.0 Try again later")
    report = dispatch_pending(now=later())
    assert (report.sent, report.retried) == (1, 1)
    cancel(interview, coordinator)
    assert dispatch_pending(now=later(seconds=3600)).sent == 2
    calendars = assert_in_order_and_never_superseded(smtp_server)
    assert sequences(calendars, informant.email, interview) == [("REQUEST", 0), ("CANCEL", 2)]
    assert sequences(calendars, researcher.email, interview) == [
        ("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]


def test_a_newer_message_waits_for_an_older_unfinished_one(app, smtp_server, people):
    """Not only calendars: a reminder queued after an invitation waits while the invitation is
    pending, being sent or waiting for a retry, and then follows it."""
    app.config["MAIL_URL"] = smtp_server.url
    coordinator, researcher, informant = people
    interview = schedule(people)
    [to_informant, to_researcher] = [r.id for r in db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id))]
    now = datetime.now(timezone.utc)
    reminders = [queue_email(recipient=(informant.email, "Åse"), subject=f"Reminder {n}",
                             text="x\n", html="<p>x</p>", purpose="reminder", now=now,
                             interview_id=interview.id, informant_id=informant.id).message_id
                 for n in range(2)]
    other = queue_email(recipient=("other@example.org", "Other"), subject="Other", text="x\n",
                        html="<p>x</p>", purpose="reminder", now=now).message_id
    db.session.commit()

    # Being sent by someone else: what follows it waits; other recipients' mail does not.
    db.session.get(OutboxMessage, to_informant).status = OutboxStatus.SENDING
    db.session.get(OutboxMessage, to_informant).claimed_at = datetime.now(timezone.utc)
    db.session.commit()
    assert dispatch_pending().sent == 2
    assert set(smtp_server.message_ids()[-2:]) == {other, db.session.get(OutboxMessage, to_researcher).message_id}
    db.session.get(OutboxMessage, to_informant).status = OutboxStatus.PENDING
    db.session.commit()

    # Waiting for a retry: still waits.
    smtp_server.reply_next("RCPT", "451 4.3.0 Try again later")
    assert dispatch_pending().retried == 1
    assert dispatch_pending().sent == 0
    # Then all three, in the order queued.
    assert dispatch_pending(now=later()).sent == 3
    invitation = db.session.get(OutboxMessage, to_informant).message_id
    assert smtp_server.message_ids()[-3:] == [invitation, *reminders]


def test_a_failed_message_cannot_be_retried_once_a_newer_one_is_queued(app, smtp_server, people):
    app.config["MAIL_URL"] = smtp_server.url
    coordinator, researcher, informant = people
    interview = schedule(people)
    smtp_server.reply_next("RCPT", "550 5.1.1 Unknown user")
    dispatch_pending(now=later())
    failed = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.FAILED)).one()
    move(interview, coordinator, 14)  # a newer message to the same person replaces it
    with pytest.raises(NotAllowed, match="newer message"):
        retry_failed(failed, by=coordinator)


# Through the pages


def test_the_interview_page_shows_superseded_messages(client, people):
    coordinator, researcher, informant = people
    interview = schedule(people)
    factories.log_client_in(client, coordinator)
    start = interview.starts_at.astimezone(OSLO).replace(hour=14)
    data = factories.interview_values(
        informants=[informant], interviewers=[researcher], start=start,
        guide_version=SimpleNamespace(id=interview.guide_version_id))
    form = {k: ([str(x) for x in v] if isinstance(v, list) else str(v)) for k, v in data.items()}
    form["start_time"] = start.strftime("%H:%M")
    assert client.post(f"/interviews/{interview.id}/edit", data=form).status_code == 302
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert page.count("status-superseded") == 2
    assert "replaced by a newer message before it was sent" in page


def test_reschedule_then_cancel_through_the_pages_with_a_slow_server(app, client, smtp_server,
                                                                    people):
    """The pages queue; the process's courier delivers after each page, slowly, so the next
    page comes while the previous page's mail is still being sent."""
    app.config["MAIL_URL"] = smtp_server.url
    coordinator, researcher, informant = people
    factories.log_client_in(client, coordinator)
    start = datetime.combine(datetime.now(OSLO).date() + timedelta(days=7),
                             datetime.min.time().replace(hour=10), tzinfo=OSLO)
    data = factories.interview_values(informants=[informant], interviewers=[researcher],
                                      start=start)
    form = {k: ([str(x) for x in v] if isinstance(v, list) else str(v)) for k, v in data.items()}
    form.update(start_time="10:00", send_invites="y")
    assert client.post("/interviews/new", data=form).status_code == 302
    interview = db.session.scalar(select(Interview))
    factories.wait_for_delivery(app)
    smtp_server.rcpt_delay = 0.3
    form.update(start_time="14:00")
    assert client.post(f"/interviews/{interview.id}/edit", data=form).status_code == 302
    assert client.post(f"/interviews/{interview.id}/cancel").status_code == 302
    factories.wait_for_delivery(app)
    dispatch_pending()  # whatever the courier left behind, as the scheduler would
    calendars = assert_in_order_and_never_superseded(smtp_server)
    for person in (informant, researcher):
        arrived = sequences(calendars, person.email, interview)
        assert arrived[0] == ("REQUEST", 0) and arrived[-1] == ("CANCEL", 2), arrived
    assert not [s for *_, s in statuses(interview.id) if s is OutboxStatus.PENDING]


# Two dispatchers at once


def queue_chains():
    """Sixty chains of two messages, each to one person about one interview, queued in order:
    a batch (BATCH_SIZE, 50) holds at most one message per chain, so each claim leaves chain
    heads for another sender, which starts while the first is still sending."""
    coordinator = factories.make_user(role="coordinator")
    chains = []
    for n in range(6):
        informant = factories.make_informant()
        interview = factories.make_interview(informants=[informant], interviewers=[coordinator],
                                             by=coordinator, send_invites=False, start=day(n))
        for recipient in [informant.email] + [f"colleague{n}-{k}@example.org" for k in range(9)]:
            rows = queue(2, now=datetime.now(timezone.utc) - timedelta(seconds=1),
                         recipient=recipient, calendar=False, interview_id=interview.id)
            chains.append([r.message_id for r in rows])
    return chains


def test_one_dispatch_over_two_connections_keeps_each_recipients_order(app, outbox):
    """More than a batch to send: a second connection takes batches of its own, and each chain
    still arrives in the order queued, each message once."""
    chains = queue_chains()
    app.config["MAIL_CONNECTIONS"] = 2
    with SmtpSink(delay=0.02) as sink:
        app.config["MAIL_URL"] = sink.url
        report = dispatch_pending()
    assert (report.sent, report.retried, report.failed) == (120, 0, 0)
    assert sink.connections == 3  # the server's own probe, then two
    by_connection = defaultdict(int)
    for message in sink.messages:
        by_connection[message.peer] += 1
    assert len(by_connection) == 2 and min(by_connection.values()) > 0, by_connection
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 120
    for chain in chains:
        assert [i for i in ids if i in chain] == chain
    assert {(r.status, r.attempts) for r in outbox.rows()} == {(OutboxStatus.SENT, 1)}


def test_one_connection_when_told_or_when_a_batch_holds_everything(app, outbox):
    queue(BATCH_SIZE, now=datetime.now(timezone.utc) - timedelta(seconds=1), calendar=False)
    with SmtpSink() as sink:
        app.config["MAIL_URL"] = sink.url
        assert dispatch_pending().sent == BATCH_SIZE  # one batch: no second connection
        queue(2 * BATCH_SIZE, now=datetime.now(timezone.utc) - timedelta(seconds=1),
              calendar=False)
        app.config["MAIL_CONNECTIONS"] = 1
        assert dispatch_pending().sent == 2 * BATCH_SIZE
    assert sink.connections == 3  # the probe, then one per dispatch
    assert len({m.peer for m in sink.messages}) == 2


def test_a_connection_told_to_stop_ends_its_batch_and_claims_no_more(app, outbox):
    """What a dispatch's other connections are told when the run is interrupted (SIGTERM, a
    bug): finish the batch in hand, record it, and leave the rest for the next run."""
    from fieldwork import mail
    from fieldwork.outbox import sending

    queue(3 * BATCH_SIZE, now=datetime.now(timezone.utc) - timedelta(seconds=1), calendar=False)
    stopping = threading.Event()
    with SmtpSink(delay=0.005) as sink:
        def stop_after_a_few():
            if sink.wait_for(5, timeout=30):
                stopping.set()

        watcher = threading.Thread(target=stop_after_a_few)
        watcher.start()
        report = sending.DispatchReport()
        sending._deliver(None, mail.open_transport(sink.url), lambda: datetime.now(timezone.utc),
                         None, report, stopping=stopping)
        watcher.join()
    assert stopping.is_set() and report.sent == len(sink.messages) == BATCH_SIZE
    assert len(outbox.rows(status=OutboxStatus.SENT)) == BATCH_SIZE
    assert len(outbox.rows(status=OutboxStatus.PENDING)) == 2 * BATCH_SIZE


def test_two_dispatchers_keep_each_recipients_order(app, outbox):
    """Chains of messages to the same people about the same interviews, sent by two processes
    at once: each chain arrives in the order queued, each message once."""
    chains = queue_chains()
    # Nothing is accepted before both processes are connected, however slowly one starts.
    sink = SmtpSink(delay=0.05, hold_until_connections=3).start()
    try:
        # One connection each: two processes, not one process's two connections (below).
        processes = [_send_pending_process(app, sink, FIELDWORK_MAIL_CONNECTIONS="1")
                     for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in processes]
    finally:
        sink.stop()
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr
    sent = [int(re.search(r"sent (\d+)", stdout).group(1)) for stdout, _ in outputs]
    assert min(sent) > 0, f"the two processes did not overlap ({sent}); the test proves nothing"
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)) == 120
    for chain in chains:
        assert [i for i in ids if i in chain] == chain
    assert {r.status for r in outbox.rows()} == {OutboxStatus.SENT}


def test_reschedule_then_cancel_while_two_dispatchers_run(app, people):
    coordinator, researcher, _ = people
    informants = [factories.make_informant() for _ in range(6)]
    interviews_ = [factories.make_interview(informants=[i], interviewers=[researcher],
                                            by=coordinator, start=day(n))
                   for n, i in enumerate(informants)]
    sink = SmtpSink(delay=0.02).start()
    try:
        app.config["MAIL_URL"] = sink.url
        dispatch_pending()  # the invitations went out
        for interview in interviews_:
            move(interview, coordinator, 14)
        processes = [_send_pending_process(app, sink) for _ in range(2)]
        for interview in interviews_:  # while the updates are being sent
            cancel(interview, coordinator)
        for process in processes:
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
        dispatch_pending()  # what the two left behind
    finally:
        sink.stop()
    calendars = assert_in_order_and_never_superseded(sink)
    for interview, informant in zip(interviews_, informants):
        for address in (informant.email, researcher.email):
            arrived = sequences(calendars, address, interview)
            assert arrived in ([("REQUEST", 0), ("CANCEL", 2)],
                               [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]), arrived


# Batches: a kill, a dropped connection, a 550


def test_a_kill_during_a_batch_loses_nothing_and_repeats_nothing_recorded(app, outbox):
    rows = queue(6, now=datetime.now(timezone.utc) - timedelta(seconds=1), calendar=False)
    with SmtpSink(rcpt_delay=0.5) as sink:
        process = _send_pending_process(app, sink, FIELDWORK_MAIL_SENDING_LEASE_SECONDS="1")
        deadline = time.monotonic() + 60
        while not (len(sink.messages) >= 2 and sink.waiting_in_rcpt):
            assert time.monotonic() < deadline and process.poll() is None, "no batch in flight"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        delivered = len(sink.messages)
        assert 2 <= delivered < 6
        # The rest of the batch is still claimed by the dead process ...
        assert len(outbox.rows(status=OutboxStatus.SENDING)) == 6 - delivered
        assert len(outbox.rows(status=OutboxStatus.SENT)) == delivered
        # ... until its lease runs out, with nobody renewing it.
        app.config.update(MAIL_URL=sink.url, MAIL_SENDING_LEASE_SECONDS=1)
        sink.rcpt_delay = 0
        assert dispatch_pending().sent == 0
        time.sleep(1.1)
        assert dispatch_pending().sent == 6 - delivered
        assert sorted(sink.message_ids()) == sorted(r.message_id for r in rows)  # each once


def test_a_kill_while_two_connections_send_loses_nothing_and_repeats_nothing(app, outbox):
    count = 2 * BATCH_SIZE + 10
    rows = queue(count, now=datetime.now(timezone.utc) - timedelta(seconds=1), calendar=False)
    with SmtpSink(rcpt_delay=0.3) as sink:
        process = _send_pending_process(app, sink, FIELDWORK_MAIL_SENDING_LEASE_SECONDS="1",
                                        FIELDWORK_MAIL_CONNECTIONS="2")
        deadline = time.monotonic() + 60
        while not (len({m.peer for m in sink.messages}) == 2 and sink.waiting_in_rcpt == 2):
            assert time.monotonic() < deadline and process.poll() is None, "not two in flight"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        delivered = len(sink.messages)
        # Both connections' batches are still claimed by the dead process; the rest waits.
        assert len(outbox.rows(status=OutboxStatus.SENT)) == delivered
        assert len(outbox.rows(status=OutboxStatus.SENDING)) == 2 * BATCH_SIZE - delivered
        assert len(outbox.rows(status=OutboxStatus.PENDING)) == 10
        app.config.update(MAIL_URL=sink.url, MAIL_SENDING_LEASE_SECONDS=1)
        sink.rcpt_delay = 0
        time.sleep(1.1)
        assert dispatch_pending().sent == count - delivered
        assert sorted(sink.message_ids()) == sorted(r.message_id for r in rows)  # each once


def test_a_connection_dropped_mid_batch_is_reopened(app, smtp_server, outbox):
    app.config["MAIL_URL"] = smtp_server.url
    rows = queue(6, calendar=False)
    smtp_server.reply_next("MAIL", None, times=2)
    smtp_server.reply_next("MAIL", DROP)  # before the third message: offered again at once
    smtp_server.reply_next("DATA", None, times=3)
    smtp_server.reply_next("DATA", DROP)  # after the fourth's data: it waits for a retry
    report = dispatch_pending(now=later())
    assert smtp_server.dropped == 2
    assert (report.sent, report.retried) == (5, 1)
    fourth = factories.reload(OutboxMessage, rows[3].id)
    assert fourth.status is OutboxStatus.PENDING
    assert fourth.last_error == "DATA: the mail server closed the connection"
    assert dispatch_pending(now=later(seconds=3600)).sent == 1
    assert sorted(smtp_server.message_ids()) == sorted(r.message_id for r in rows)  # each once


def test_a_550_for_one_recipient_in_a_batch_fails_only_that_one(app, smtp_server, outbox):
    app.config["MAIL_URL"] = smtp_server.url
    rows = queue(6, calendar=False)
    smtp_server.reply_next("RCPT", None, times=2)
    smtp_server.reply_next("RCPT", "550 5.1.1 Unknown user")
    report = dispatch_pending(now=later())
    assert (report.sent, report.failed) == (5, 1)
    assert factories.reload(OutboxMessage, rows[2].id).status is OutboxStatus.FAILED
    assert sorted(smtp_server.message_ids()) == sorted(r.message_id for i, r in enumerate(rows)
                                                       if i != 2)


# The lease


def test_a_live_senders_lease_is_renewed_so_nobody_takes_its_batch(app, outbox):
    """A batch that takes several leases long: the heartbeat keeps it, and a second dispatcher
    running all the while neither recovers nor resends any of it."""
    app.config["MAIL_SENDING_LEASE_SECONDS"] = 1
    rows = queue(6, now=datetime.now(timezone.utc) - timedelta(seconds=1), calendar=False)
    with SmtpSink(rcpt_delay=0.5) as sink:
        app.config["MAIL_URL"] = sink.url
        done = threading.Event()
        second = []

        def meanwhile():
            with app.app_context():
                while not done.is_set():
                    second.append(dispatch_pending().sent)
                    time.sleep(0.2)
                db.session.remove()

        thread = threading.Thread(target=meanwhile)
        thread.start()
        try:
            time.sleep(0.1)
            first = dispatch_pending()
        finally:
            done.set()
            thread.join(timeout=30)
    assert first.sent + sum(second) == 6
    assert sorted(sink.message_ids()) == sorted(r.message_id for r in rows)  # each once
    assert {r.attempts for r in outbox.rows()} == {1}


# After the page


def test_a_pages_message_held_behind_another_senders_goes_as_soon_as_that_one_is_done(
        app, smtp_server, people):
    """Another process (a second web worker) is sending an older message to the same person about
    the same interview when a page queues a new one: the page's courier follows it and sends the
    new one right after, not with the scheduler."""
    app.config["MAIL_URL"] = smtp_server.url
    coordinator, researcher, informant = people
    interview = schedule(people)
    older = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient_email == informant.email)).one()
    older.status, older.claimed_at = OutboxStatus.SENDING, datetime.now(timezone.utc)
    db.session.commit()

    @public
    def remind():
        queue_email(recipient=(informant.email, "Åse"), subject="Reminder", text="x\n",
                    html="<p>x</p>", purpose="reminder", now=datetime.now(timezone.utc),
                    interview_id=interview.id, informant_id=informant.id)
        db.session.commit()
        return "queued"

    app.add_url_rule("/test-remind", "test_remind", remind)
    assert app.test_client().get("/test-remind").status_code == 200
    time.sleep(0.6)
    assert smtp_server.messages == []  # held behind the one in flight
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == older.id)
                       .values(status=OutboxStatus.SENT, claimed_at=None))
    db.session.commit()  # the other process is done
    assert smtp_server.wait_for(1, timeout=5)
    factories.wait_for_delivery(app)
    assert smtp_server.messages[0].message["Subject"] == "Reminder"
