"""Calendar answers read from a real Dovecot through the app's own IMAP client, on both
databases: the four programs' formats, proposals, stale and foreign answers, ordinary mail left
alone, and nothing recorded twice (a reader killed mid-run, two readers at once)."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.extensions import db
from fieldwork.interviews import services as interviews
from fieldwork.interviews.queries import get_interview
from fieldwork.replies import services as replies
from fieldwork.replies.mailbox import MailboxError
from fieldwork.replies.models import (
    AnswerStatus,
    AttendeeAnswer,
    CounterProposal,
    MailboxMessage,
    MessageOutcome,
)
from tests import factories
from tests.factories import NOW, oslo
from tests.support import dovecot as dovecot_support

from . import messages

DONE = "fieldwork-answers"


@pytest.fixture
def team(app):
    return factories.make_user(role="coordinator", email="kari@example.org", name="Kari K")


@pytest.fixture
def people(app):
    org, role = factories.make_organisation(), factories.make_role()
    return {
        "outlook": factories.make_informant(org, role, email="Per.Hansen@Example.org"),
        "google": factories.make_informant(org, role, name="Åse Øvrebø", email="ase@example.org"),
        "apple": factories.make_informant(org, role, email="liv@icloud.example.net"),
        "thunderbird": factories.make_informant(org, role, email="ola@example.net",
                                                language="en"),
    }


@pytest.fixture
def interview(app, people, team):
    return factories.make_interview(informants=list(people.values()), interviewers=[team],
                                    by=team, now=NOW, start=oslo(2026, 3, 9, 10))


def _version(interview):
    from fieldwork.guides.models import GuideVersion

    return db.session.get(GuideVersion, interview.guide_version_id)


def _answers(interview):
    return {row.code: row for row in replies.answers_for(get_interview(interview.id))}


def _audit(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def test_answers_from_four_programs_show_after_one_run(mailbox, interview, people):
    uid = interview.uid
    mailbox.append(messages.plain())
    mailbox.append(messages.outlook(uid, 0, "per.hansen@example.org"))
    mailbox.append(messages.google(uid, 0, "ase@example.org"))
    mailbox.append(messages.apple(uid, 0, "liv@icloud.example.net"))
    mailbox.append(messages.thunderbird(uid, 0, "ola@example.net"))

    report = replies.read_replies(now=NOW)

    assert (report.recorded, report.moved, report.unmatched) == (4, 4, 0)
    rows = _answers(interview)
    code = {name: informant.code for name, informant in people.items()}
    assert rows[code["outlook"]].answer.status is AnswerStatus.ACCEPTED
    assert rows[code["google"]].answer.status is AnswerStatus.DECLINED
    assert rows[code["apple"]].answer.status is AnswerStatus.TENTATIVE
    assert rows[code["thunderbird"]].answer.status is AnswerStatus.DECLINED
    assert rows[code["thunderbird"]].answer.comment == "Jeg er på kurs den dagen"
    assert rows["Kari K"].answer is None  # the interviewer has not answered
    # Handled answers moved; the ordinary message stays where it was, unread.
    assert mailbox.message_ids() == ["<plain-1@example.net>"]
    assert sorted(mailbox.message_ids(DONE)) == sorted(
        ["<outlook-1@mail.example.net>", "<google-1@mail.example.net>",
         "<apple-1@icloud.example.net>", "<thunderbird-1@example.net>"])
    assert "\\Seen" not in mailbox.flags()[0]
    events = _audit("interview.answer")
    assert sorted(e.after["attendee"] for e in events) == sorted(code.values())
    assert {e.actor_label for e in events} == {replies.READER}


def test_a_later_answer_replaces_the_earlier_one(mailbox, interview, people):
    mailbox.append(messages.outlook(interview.uid, 0, "per.hansen@example.org"))
    replies.read_replies(now=NOW)
    # The same DTSTAMP: the answer read later replaces the earlier one.
    mailbox.append(messages.outlook(interview.uid, 0, "per.hansen@example.org",
                                    partstat="DECLINED", subject_word="Declined",
                                    message_id="<outlook-2@mail.example.net>"))
    replies.read_replies(now=NOW + timedelta(hours=1))
    assert _answers(interview)[people["outlook"].code].answer.status is AnswerStatus.DECLINED
    assert [e.before.get("status") for e in _audit("interview.answer")] == [None, "accepted"]


def test_an_answer_written_before_the_one_recorded_is_ignored(mailbox, interview, people):
    # Mail can arrive out of order: the DTSTAMP says which answer is newer (RFC 5546 2.1.5).
    mailbox.append(messages.thunderbird(interview.uid, 0, "ola@example.net", partstat="ACCEPTED",
                                        stamp="20260302T120000Z", message_id="<newer@x.net>"))
    replies.read_replies(now=NOW)
    mailbox.append(messages.thunderbird(interview.uid, 0, "ola@example.net", partstat="DECLINED",
                                        stamp="20260302T110000Z", message_id="<older@x.net>"))
    report = replies.read_replies(now=NOW)
    assert (report.stale, report.recorded, report.moved) == (1, 0, 1)
    assert _answers(interview)[people["thunderbird"].code].answer.status is AnswerStatus.ACCEPTED


def test_alias_and_other_case_address_matches_the_invited_person(mailbox, interview, people):
    # Sent from an alias, the calendar's ATTENDEE is the invited address in other case.
    mailbox.append(messages.outlook(interview.uid, 0, "PER.HANSEN@EXAMPLE.ORG",
                                    sender="Per <per@alias.example.org>"))
    report = replies.read_replies(now=NOW)
    assert report.recorded == 1
    assert _answers(interview)[people["outlook"].code].answer.status is AnswerStatus.ACCEPTED


def test_answers_not_matched_stay_in_the_mailbox_counted_once(mailbox, interview):
    mailbox.append(messages.outlook(interview.uid, 0, "stranger@example.net",
                                    message_id="<stranger@example.net>"))
    mailbox.append(messages.outlook("unknown-uid@elsewhere", 0, "per.hansen@example.org",
                                    message_id="<unknown@example.net>"))
    mailbox.append(messages.malformed())

    first = replies.read_replies(now=NOW)
    second = replies.read_replies(now=NOW)

    assert (first.unmatched, first.malformed, first.moved) == (2, 1, 0)
    assert (second.unmatched, second.malformed, second.moved) == (0, 0, 0)
    assert len(mailbox.message_ids()) == 3 and mailbox.message_ids(DONE) == []
    assert replies.left_in_mailbox() == 3
    events = _audit("mailbox.unmatched") + _audit("mailbox.malformed")
    assert len(events) == 3
    logged = repr([(e.before, e.after, e.entity_id) for e in events])
    for secret in ("stranger", "unknown-uid", "per.hansen", "example"):
        assert secret not in logged
    assert not db.session.scalars(select(AttendeeAnswer)).all()


def test_a_reply_to_an_older_sequence_is_ignored(mailbox, interview, people, team):
    values = factories.interview_values(informants=list(people.values()), interviewers=[team],
                                        start=oslo(2026, 3, 10, 10),
                                        guide_version=_version(interview))
    interviews.reschedule_interview(interview, values, by=team, now=NOW)
    assert get_interview(interview.id).sequence == 1
    mailbox.append(messages.google(interview.uid, 0, "ase@example.org"))

    report = replies.read_replies(now=NOW)

    assert (report.stale, report.recorded, report.moved) == (1, 0, 1)
    assert _answers(interview)[people["google"].code].answer is None
    assert db.session.scalar(select(MailboxMessage.outcome)) is MessageOutcome.STALE


def test_an_answer_to_an_older_version_no_longer_counts(mailbox, interview, people, team):
    mailbox.append(messages.google(interview.uid, 0, "ase@example.org"))
    replies.read_replies(now=NOW)
    assert _answers(interview)[people["google"].code].answer.status is AnswerStatus.DECLINED
    values = factories.interview_values(informants=list(people.values()), interviewers=[team],
                                        start=oslo(2026, 3, 10, 10),
                                        guide_version=_version(interview))
    interviews.reschedule_interview(interview, values, by=team, now=NOW)
    assert _answers(interview)[people["google"].code].answer is None


def test_a_reader_killed_after_recording_moves_the_message_next_time(mailbox, interview, people):
    raw = messages.thunderbird(interview.uid, 0, "ola@example.net")
    mailbox.append(raw)
    # The first reader recorded the answer and died before moving the message.
    assert replies.handle_message(raw, now=NOW) == (MessageOutcome.RECORDED, True)

    report = replies.read_replies(now=NOW)

    assert (report.recorded, report.moved) == (0, 1)
    assert mailbox.message_ids() == [] and mailbox.message_ids(DONE) == ["<thunderbird-1@example.net>"]
    assert len(_audit("interview.answer")) == 1


def test_two_readers_at_once_record_each_answer_once(app, mailbox, interview, people):
    uid = interview.uid
    for raw in (messages.outlook(uid, 0, "per.hansen@example.org"),
                messages.google(uid, 0, "ase@example.org"),
                messages.apple(uid, 0, "liv@icloud.example.net"),
                messages.thunderbird(uid, 0, "ola@example.net"),
                messages.outlook(uid, 0, "stranger@example.net", message_id="<s@x.net>")):
        mailbox.append(raw)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def read():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                reports.append(replies.read_replies(now=NOW))
            except Exception as error:  # noqa: BLE001 (reported below by the assertion)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(r.recorded for r in reports) == 4
    assert sum(r.unmatched for r in reports) == 1
    db.session.rollback()
    assert len(_audit("interview.answer")) == 4 and len(_audit("mailbox.unmatched")) == 1
    assert db.session.scalar(select(func.count()).select_from(AttendeeAnswer)) == 4
    assert mailbox.message_ids() == ["<s@x.net>"] and len(mailbox.message_ids(DONE)) == 4


def test_imaps_works_and_the_done_folder_is_created(app, mailbox, interview):
    app.config["IMAP_URL"] = mailbox.url(tls="imaps")
    app.config["IMAP_DONE_FOLDER"] = 'Read "answers"'
    mailbox.append(messages.apple(interview.uid, 0, "liv@icloud.example.net"))
    assert replies.read_replies(now=NOW).recorded == 1
    assert mailbox.message_ids('Read "answers"') == ["<apple-1@icloud.example.net>"]


def test_a_refused_login_names_neither_the_url_nor_the_password(app, mailbox, runner):
    app.config["IMAP_URL"] = mailbox.url().replace(dovecot_support.PASSWORD, "wrong-pass-42")
    with pytest.raises(MailboxError) as raised:
        replies.read_replies(now=NOW)
    assert "wrong-pass-42" not in str(raised.value) and "study" not in str(raised.value)
    result = runner.invoke(args=["mail", "read-replies"])
    assert result.exit_code == 1
    assert "login refused" in result.output and "wrong-pass-42" not in result.output


def test_the_command_reads_once_and_reports_counts(app, mailbox, interview, runner):
    mailbox.append(messages.google(interview.uid, 0, "ase@example.org"))
    result = runner.invoke(args=["mail", "read-replies"])
    assert result.exit_code == 0, result.output
    assert "1 answers" in result.output and "ase@" not in result.output


def test_the_scheduler_job_reads_the_mailbox(app, mailbox, interview):
    from fieldwork.jobs import tasks
    from fieldwork.scheduler import JOBS

    assert "replies" in {job.id for job in JOBS}
    assert app.config["SCHEDULER_INTERVALS"]["replies"] == 60
    mailbox.append(messages.google(interview.uid, 0, "ase@example.org"))
    assert tasks.read_replies().startswith("1 answers")
    app.config["IMAP_URL"] = None
    assert tasks.read_replies() == "no mailbox configured"


def test_a_counter_becomes_a_proposal(mailbox, interview, people):
    start, end = oslo(2026, 3, 10, 13), oslo(2026, 3, 10, 14)
    mailbox.append(messages.counter(interview.uid, 0, "per.hansen@example.org", start, end))
    report = replies.read_replies(now=NOW)
    assert (report.proposals, report.moved) == (1, 1)
    [proposal] = replies.open_proposals(get_interview(interview.id))
    assert (proposal.starts_at, proposal.ends_at) == (start, end)
    assert proposal.informant_id == people["outlook"].id
    assert proposal.comment == "Kan vi ta det dagen etter?"
    [event] = _audit("interview.counter")
    assert event.after["attendee"] == people["outlook"].code
    assert db.session.scalar(select(func.count()).select_from(CounterProposal)) == 1
