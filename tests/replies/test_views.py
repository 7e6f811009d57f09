"""What the coordinator sees of the answers, and the proposal buttons, through HTTP."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fieldwork.database import utcnow
from fieldwork.extensions import db
from fieldwork.interviews.queries import get_interview
from fieldwork.replies import services as replies
from fieldwork.replies.models import CounterProposal, ProposalStatus
from tests import factories
from tests.support.ical_parsers import parse_with_all

from . import messages

OSLO = ZoneInfo("Europe/Oslo")


def _day(days, hour=10):
    day = utcnow().astimezone(OSLO).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=OSLO)


@pytest.fixture
def coordinator_in(login_as):
    return login_as("coordinator")


@pytest.fixture
def pair(app):
    org, role = factories.make_organisation(), factories.make_role()
    return (factories.make_informant(org, role, email="ase@example.org"),
            factories.make_informant(org, role, email="ola@example.net", language="en"))


@pytest.fixture
def interview(app, pair, coordinator_in):
    return factories.make_interview(informants=list(pair), interviewers=[coordinator_in],
                                    by=coordinator_in, start=_day(7))


def _fresh(interview):
    db.session.rollback()  # read what the requests committed, not this session's copy
    return get_interview(interview.id)


def _answer(raw):
    return replies.handle_message(raw, now=utcnow())


def test_the_interview_page_shows_each_answer(client, interview, pair):
    _answer(messages.thunderbird(interview.uid, 0, "ola@example.net", partstat="ACCEPTED",
                                 comment="Gleder meg"))
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Answers to the invitation" in page
    assert 'class="answer-accepted"' in page and "Gleder meg" in page
    assert 'class="answer-no-answer"' in page  # the other informant, and the interviewer
    assert "declined this interview" not in page


def test_an_analyst_sees_answers_by_code_without_comments(app, client, interview, pair, login_as):
    _answer(messages.thunderbird(interview.uid, 0, "ola@example.net"))
    login_as("analyst")
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert pair[1].code in page and "Declined" in page
    assert "Jeg er på kurs" not in page and pair[1].name not in page


def test_a_decline_offers_reschedule_and_cancel_and_alerts(client, interview, pair):
    _answer(messages.google(interview.uid, 0, "ase@example.org"))
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert f"{pair[0].code} declined this interview" in page
    assert f'href="/interviews/{interview.id}/edit">Reschedule' in page
    assert f'href="/interviews/{interview.id}/cancel">Cancel interview' in page
    assert f'href="/offers/new?informant={pair[0].id}">Offer {pair[0].code} other times' in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Declined invitations" in dashboard and pair[0].code in dashboard
    listing = client.get("/interviews/").get_data(as_text=True)
    assert "answer-mark" in listing and ">Declined<" in listing
    calendar = client.get(f"/interviews/calendar?date={_day(7).date().isoformat()}")
    assert ">Declined<" in calendar.get_data(as_text=True)


def test_nobody_answering_two_days_before_is_marked(client, pair, coordinator_in):
    soon = factories.make_interview(informants=[pair[0]], interviewers=[coordinator_in],
                                    by=coordinator_in, start=_day(1))
    later = factories.make_interview(informants=[pair[1]], interviewers=[coordinator_in],
                                     by=coordinator_in, start=_day(5))
    assert replies.answer_marks([soon.id, later.id], now=utcnow()) == {soon.id: "no-answer"}
    listing = client.get("/interviews/").get_data(as_text=True)
    assert listing.count("No answer</span>") == 1
    _answer(messages.apple(soon.uid, 0, "ase@example.org"))
    assert replies.answer_marks([soon.id, later.id], now=utcnow()) == {}


def test_a_decline_goes_into_the_digest(app, interview, pair, outbox):
    from fieldwork.digest.services import send_daily_digest

    factories.make_user(role="coordinator", language="en")
    factories.make_user(role="coordinator", language="nb")
    _answer(messages.google(interview.uid, 0, "ase@example.org"))
    at = datetime.combine(utcnow().astimezone(OSLO).date(), time(12), tzinfo=OSLO)
    send_daily_digest(now=at)
    [digest] = [m for m in outbox.messages() if "digest" in m["Subject"]][:1]
    text = digest.get_body(("plain",)).get_content()
    assert "Invitations declined: 1" in text and f"{pair[0].code} declined" in text
    [norsk] = [m for m in outbox.messages() if "oversikt" in m["Subject"]][:1]
    text = norsk.get_body(("plain",)).get_content()
    assert "Invitasjoner som er avslått: 1" in text and f"{pair[0].code} har takket nei" in text


def test_the_status_page_counts_answers_left_in_the_mailbox(client, login_as, interview, runner):
    _answer(messages.outlook(interview.uid, 0, "stranger@example.net"))
    login_as("admin")
    page = client.get("/admin/scheduler/").get_data(as_text=True)
    assert 'id="answers-left">1' in page
    assert "answers    1 left in the mailbox" in runner.invoke(args=["scheduler", "status"]).output


def _proposal(interview, address="ola@example.net", start=None):
    start = start or _day(8, 13)
    _answer(messages.counter(interview.uid, 0, address, start, start + timedelta(hours=1)))
    return db.session.scalar(select(CounterProposal).order_by(CounterProposal.id.desc()))


def test_accepting_a_proposal_moves_the_interview_and_updates_everyone(client, interview, outbox):
    proposal = _proposal(interview)
    before = len(outbox)
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Proposed new times" in page and "Accept the new time" in page

    response = client.post(f"/interviews/{interview.id}/proposals/{proposal.id}/accept")

    assert response.status_code == 302
    moved = _fresh(interview)
    assert (moved.starts_at, moved.ends_at) == (proposal.starts_at, proposal.ends_at)
    assert moved.sequence == 1
    updates = outbox.rows()[before:]
    assert len(updates) == 3 and {m.sequence for m in updates} == {1}
    assert {m.method for m in updates} == {"REQUEST"}
    assert db.session.get(CounterProposal, proposal.id).status is ProposalStatus.ACCEPTED
    again = client.post(f"/interviews/{interview.id}/proposals/{proposal.id}/accept")
    assert again.status_code == 409


def test_a_proposal_that_breaks_a_rule_is_refused_and_stays_open(client, interview, pair,
                                                                  coordinator_in):
    other = factories.make_interview(informants=[pair[1]], interviewers=[coordinator_in],
                                     by=coordinator_in, start=_day(9, 13))
    proposal = _proposal(interview, start=other.starts_at)
    response = client.post(f"/interviews/{interview.id}/proposals/{proposal.id}/accept")
    assert response.status_code == 422
    assert "already booked" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(CounterProposal, proposal.id).status is ProposalStatus.OPEN
    assert _fresh(interview).sequence == 0


def test_declining_a_proposal_sends_a_declinecounter_to_the_proposer(client, interview, pair,
                                                                     outbox):
    proposal = _proposal(interview)
    before = len(outbox)
    response = client.post(f"/interviews/{interview.id}/proposals/{proposal.id}/decline")
    assert response.status_code == 302
    [row] = outbox.rows()[before:]
    assert (row.method, row.recipient_email, row.purpose) == ("DECLINECOUNTER", "ola@example.net",
                                                              "declinecounter")
    message = outbox.messages()[-1]
    assert "Declined: the new time you proposed" in message["Subject"]
    assert "withdraw" in message.get_body(("plain",)).get_content()
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    for parsed in parse_with_all(part.get_payload(decode=True)):
        assert parsed["method"] == "DECLINECOUNTER"
        [event] = parsed["events"]
        assert event["uid"] == interview.uid and event["attendees"] == ["ola@example.net"]
    assert _fresh(interview).starts_at == interview.starts_at
    assert db.session.get(CounterProposal, proposal.id).status is ProposalStatus.DECLINED


def test_analysts_and_researchers_cannot_answer_proposals(client, interview, login_as):
    proposal = _proposal(interview)
    login_as("researcher")
    assert client.post(f"/interviews/{interview.id}/proposals/{proposal.id}/decline").status_code == 403
    assert client.post(f"/interviews/999/proposals/{proposal.id}/decline").status_code in (403, 404)


def test_two_coordinators_answering_one_proposal_at_once(app, interview):
    from tests.support.concurrency import fire_at_once, statuses

    proposal = _proposal(interview)
    coordinators = [factories.make_user(role="coordinator") for _ in range(2)]
    url = f"/interviews/{interview.id}/proposals/{proposal.id}"
    outcomes = fire_at_once(
        app, [lambda c: c.post(f"{url}/accept"), lambda c: c.post(f"{url}/decline")],
        prepare=lambda client, i: factories.log_client_in(client, coordinators[i]))
    assert statuses(outcomes) == [302, 409], [o.text[-500:] for o in outcomes]
    db.session.rollback()
    decided = db.session.get(CounterProposal, proposal.id).status
    moved = _fresh(interview).sequence == 1
    assert (decided is ProposalStatus.ACCEPTED) == moved
