"""A proposed new time accepted or declined through the services, on a daylight-saving day."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.errors import NotAllowed
from fieldwork.extensions import db
from fieldwork.interviews import services as interviews
from fieldwork.interviews.queries import get_interview
from fieldwork.replies import proposals
from fieldwork.replies import services as replies
from fieldwork.replies.models import MessageOutcome, ProposalStatus
from tests import factories
from tests.factories import NOW, oslo
from tests.support.ical_parsers import parse_with_all

from . import messages


@pytest.fixture
def setup(app):
    coordinator = factories.make_user(role="coordinator", email="kari@example.org")
    informant = factories.make_informant(email="ase@example.org")
    interview = factories.make_interview(informants=[informant], interviewers=[coordinator],
                                         by=coordinator, now=NOW, start=oslo(2026, 3, 26, 10))
    return coordinator, informant, interview


def _propose(interview, start, end):
    raw = messages.counter(interview.uid, interview.sequence, "ase@example.org", start, end)
    assert replies.handle_message(raw, now=NOW) == (MessageOutcome.PROPOSED, True)
    [proposal] = replies.open_proposals(get_interview(interview.id))
    return proposal


def test_accepting_a_time_on_the_day_the_clocks_go_forward(setup, outbox):
    coordinator, _, interview = setup
    # Sunday 29 March 2026, 10:00 in Oslo is 08:00 UTC (summer time since 02:00).
    start = oslo(2026, 3, 29, 10)
    proposal = _propose(interview, start, oslo(2026, 3, 29, 11))
    before = len(outbox)

    moved = proposals.accept_proposal(proposal, by=coordinator, now=NOW)

    assert moved.starts_at == datetime(2026, 3, 29, 8, tzinfo=UTC) and moved.sequence == 1
    updates = outbox.rows()[before:]
    assert {m.recipient_email for m in updates} == {"ase@example.org", "kari@example.org"}
    for message in outbox.messages()[before:]:
        [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        for parsed in parse_with_all(part.get_payload(decode=True)):
            [event] = parsed["events"]
            assert (parsed["method"], event["sequence"], event["start"]) == \
                ("REQUEST", 1, "20260329T080000Z")


def test_a_decided_proposal_cannot_be_decided_again(setup):
    coordinator, _, interview = setup
    proposal = _propose(interview, oslo(2026, 3, 27, 10), oslo(2026, 3, 27, 11))
    proposals.decline_proposal(proposal, by=coordinator, now=NOW)
    assert proposal.status is ProposalStatus.DECLINED
    with pytest.raises(NotAllowed):
        proposals.accept_proposal(proposal, by=coordinator, now=NOW)
    db.session.rollback()
    assert get_interview(interview.id).sequence == 0


def test_a_proposal_for_a_cancelled_interview_is_set_aside(setup):
    coordinator, _, interview = setup
    interviews.cancel_interview(interview, by=coordinator, now=NOW)
    raw = messages.counter(interview.uid, 1, "ase@example.org", oslo(2026, 3, 27, 10),
                           oslo(2026, 3, 27, 11))
    assert replies.handle_message(raw, now=NOW) == (MessageOutcome.STALE, True)
    assert replies.open_proposals(get_interview(interview.id)) == []


def test_every_answer_and_decision_is_audited_with_the_code(setup):
    coordinator, informant, interview = setup
    proposal = _propose(interview, oslo(2026, 3, 27, 10), oslo(2026, 3, 27, 11))
    proposals.decline_proposal(proposal, by=coordinator, now=NOW)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(("interview.counter", "interview.counter_declined")))
        .order_by(AuditEvent.id)).all()
    assert [(e.action, e.after["attendee"]) for e in events] == [
        ("interview.counter", informant.code), ("interview.counter_declined", informant.code)]
    assert events[1].actor_id == coordinator.id


def test_comments_and_proposers_addresses_are_erased_after_the_study(app, setup):
    from datetime import date

    from fieldwork import audit
    from fieldwork.replies.models import AttendeeAnswer, CounterProposal
    from fieldwork.retention import services as retention

    _, _, interview = setup
    replies.handle_message(messages.thunderbird(interview.uid, 0, "ase@example.org",
                                                comment="Ring meg på 912 34 567"), now=NOW)
    _propose(interview, oslo(2026, 3, 27, 10), oslo(2026, 3, 27, 11))
    app.config["STUDY_END"] = date(2026, 6, 30)
    after_end = datetime(2026, 7, 1, 9, tzinfo=UTC)
    found = {s.key: n for s, n in retention.retention_report(now=after_end).counts}
    assert found["calendar-answers"] == 2

    erased = retention.erase_identities(confirmation="ERASE", by=audit.COMMAND_LINE,
                                        now=after_end)

    assert erased["calendar-answers"] == 2
    [answer] = db.session.scalars(select(AttendeeAnswer)).all()
    [proposal] = db.session.scalars(select(CounterProposal)).all()
    assert (answer.comment, proposal.comment, proposal.email) == ("", "", "[erased]")
    logged = repr([(e.before, e.after) for e in db.session.scalars(select(AuditEvent))])
    assert "912 34 567" not in logged
