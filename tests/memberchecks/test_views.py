"""Member-check pages: the team's quotes (roles, bad input), the informant's page (their
language, nothing about others, noindex, tokens expired or used), and the interview page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.database import utcnow
from fieldwork.extensions import db
from fieldwork.memberchecks import services
from fieldwork.memberchecks.models import Quote, QuoteState
from fieldwork.memberchecks.queries import quote_states
from fieldwork.timeutil import to_local
from tests import factories
from tests.memberchecks.conftest import (
    DEADLINE,
    HELD,
    add_quotes,
    consenting,
    held_interview,
    link_in,
)


def asked_now(coordinator, outbox, language="nb"):
    """A member check sent just now, answerable for ten days: (interview, informant, token)."""
    informant = consenting(coordinator, language=language)
    interview = held_interview(coordinator, [informant])
    add_quotes(interview, informant, coordinator)
    services.ask_informant(interview, informant, by=coordinator,
                           deadline=to_local(utcnow()).date() + timedelta(days=10))
    return interview, informant, link_in(outbox.last)


def quotes_of(interview_id):
    return db.session.scalars(select(Quote).where(Quote.interview_id == interview_id)
                              .order_by(Quote.id).execution_options(populate_existing=True)).all()


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# The team's pages


def test_a_coordinator_adds_a_quote_and_sees_it_listed(client, coordinator, held):
    interview, informant = held
    factories.log_client_in(client, coordinator)
    response = client.post(f"/quotes/interview/{interview.id}/new", data={
        "informant_id": str(informant.id), "text": "AI reads faster than I do.",
        "context": "Interviewer: And speed?\nInformant: AI reads faster than I do."})
    assert response.status_code == 302
    page = client.get(f"/quotes/interview/{interview.id}").text
    assert "AI reads faster than I do." in page and "Not asked yet" in page
    assert informant.code in page


@pytest.mark.parametrize("data", [
    {"text": "a\x00b"}, {"text": ""}, {"context": "x" * 8001}, {"informant_id": "999999"},
    {"informant_id": ""}])
def test_bad_input_gets_a_message_and_changes_nothing(client, coordinator, held, data):
    interview, informant = held
    factories.log_client_in(client, coordinator)
    response = client.post(f"/quotes/interview/{interview.id}/new", data={
        "informant_id": str(informant.id), "text": "Fine", "context": "", **data})
    assert response.status_code == 422
    assert 'class="error"' in response.text
    assert len(quotes_of(interview.id)) == 3


def test_a_researcher_manages_quotes_and_an_analyst_only_reads_them_by_code(app, client, held,
                                                                           coordinator):
    interview, informant = held
    factories.log_client_in(client, factories.make_user(role="researcher"))
    assert client.post(f"/quotes/interview/{interview.id}/new", data={
        "informant_id": str(informant.id), "text": "Researcher's pick"}).status_code == 302
    analyst_client = app.test_client()
    factories.log_client_in(analyst_client, factories.make_user(role="analyst"))
    for path in (f"/quotes/interview/{interview.id}/new",
                 f"/quotes/interview/{interview.id}/ask/{informant.id}"):
        assert analyst_client.get(path).status_code == 403
        assert analyst_client.post(path, data={"text": "x", "deadline": "01.01.2030"}).status_code == 403
    for path in (f"/quotes/interview/{interview.id}", f"/interviews/{interview.id}"):
        page = analyst_client.get(path).text
        assert informant.code in page and "Researcher&#39;s pick" in page
        assert informant.name not in page and informant.email not in page
        assert "Add quote" not in page and "Send member check" not in page
    assert len(quotes_of(interview.id)) == 4


def test_asking_through_the_page_sends_the_member_check(client, coordinator, held, outbox):
    interview, informant = held
    factories.log_client_in(client, coordinator)
    deadline = to_local(utcnow()).date() + timedelta(days=14)
    ask = f"/quotes/interview/{interview.id}/ask/{informant.id}"
    assert client.get(ask).status_code == 200
    response = client.post(ask, data={"deadline": deadline.strftime("%d.%m.%Y")})
    assert response.status_code == 302
    assert outbox.last["To"].addresses[0].addr_spec == informant.email
    assert [q.state for q in quotes_of(interview.id)] == [QuoteState.REQUESTED] * 3
    page = client.get(f"/interviews/{interview.id}").text
    assert f"answer by {deadline:%d.%m.%Y}" in page


@pytest.mark.parametrize("deadline, status, message", [
    ("", 422, "Enter the day"), ("01.01.2020", 422, "after today"),
    ("31.02.2030", 422, "day.month.year")])
def test_a_bad_deadline_is_refused(client, coordinator, held, outbox, deadline, status, message):
    interview, informant = held
    factories.log_client_in(client, coordinator)
    response = client.post(f"/quotes/interview/{interview.id}/ask/{informant.id}",
                           data={"deadline": deadline})
    assert response.status_code == status and message in response.text
    assert [q.state for q in quotes_of(interview.id)] == [QuoteState.DRAFT] * 3
    assert len(outbox.rows(purpose="member-check")) == 0


def test_an_informant_without_quotation_consent_is_not_asked(client, coordinator, outbox):
    informant = consenting(coordinator, direct_quotation=False)
    interview = held_interview(coordinator, [informant])
    add_quotes(interview, informant, coordinator, texts=["No"])
    factories.log_client_in(client, coordinator)
    response = client.post(f"/quotes/interview/{interview.id}/ask/{informant.id}",
                           data={"deadline": (to_local(utcnow()).date() + timedelta(days=5))
                                 .strftime("%d.%m.%Y")})
    assert response.status_code == 409 and "direct quotation" in response.text
    page = client.get(f"/quotes/interview/{interview.id}").text
    assert "do not quote" in page and "Send member check" not in page
    assert len(outbox.rows(purpose="member-check")) == 0


def test_asking_someone_not_in_the_interview_is_not_found(client, coordinator, held):
    interview, _ = held
    stranger = consenting(coordinator)
    factories.log_client_in(client, coordinator)
    assert client.get(f"/quotes/interview/{interview.id}/ask/{stranger.id}").status_code == 404


# The informant's page


@pytest.mark.parametrize("language, heading, button", [
    ("nb", "Sitater fra intervjuet ditt", "Godkjenn med min ordlyd"),
    ("en", "Quotes from your interview", "Approve with my wording")])
def test_the_page_shows_their_quotes_in_context_in_their_language_and_nothing_else(
        client, coordinator, outbox, language, heading, button):
    _, informant, token = asked_now(coordinator, outbox, language)
    other = consenting(coordinator)
    other_interview = held_interview(coordinator, [other])
    add_quotes(other_interview, other, coordinator, texts=["Someone else said this"])
    response = client.get(f"/m/{token}")
    assert response.status_code == 200
    page = response.text
    assert heading in page and button in page and f'lang="{language}"' in page
    assert "Interviewer: What do you think?" in page and "Third quote" in page
    assert "Someone else said this" not in page and other.code not in page
    assert other.name not in page and informant.code not in page  # no codes to the informant
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert 'content="noindex, nofollow"' in page and 'href="/informants' not in page


def test_approve_edit_refuse_then_the_link_is_used(client, coordinator, outbox):
    interview, _, token = asked_now(coordinator, outbox)
    first, second, third = quotes_of(interview.id)
    base = f"/m/{token}/quotes"
    response = client.post(f"{base}/{first.id}", data={"answer": "approved",
                                                       "edited_text": first.text})
    assert response.status_code == 303
    assert "Du har godkjent sitatet." in client.get(f"/m/{token}").text
    assert client.post(f"{base}/{second.id}", data={
        "answer": "edited", "edited_text": "Second quote, said better"}).status_code == 303
    done = client.post(f"{base}/{third.id}", data={"answer": "refused", "edited_text": ""})
    assert done.status_code == 200 and "Takk, vi har fått svarene dine" in done.text
    assert [(q.state, q.edited_text) for q in quotes_of(interview.id)] == [
        (QuoteState.APPROVED, None), (QuoteState.EDITED, "Second quote, said better"),
        (QuoteState.REFUSED, None)]
    assert {e.actor_label for e in events("quote.answer")} == {"informant link"}
    again = client.get(f"/m/{token}")
    assert again.status_code == 410 and "allerede brukt" in again.text
    assert client.post(f"{base}/{first.id}", data={"answer": "refused"}).status_code == 410
    assert quotes_of(interview.id)[0].state is QuoteState.APPROVED


@pytest.mark.parametrize("data, message", [
    ({"answer": "edited", "edited_text": "Second quote"}, "Ordlyden er den samme"),
    ({"answer": "edited", "edited_text": ""}, "Skriv ordlyden"),
    ({"answer": "edited", "edited_text": "a\x1bb"}, "Skriv ordlyden"),
    ({"answer": "maybe", "edited_text": "x"}, "Skriv ordlyden"),
])
def test_a_bad_answer_gets_a_message_in_their_language_and_changes_nothing(
        client, coordinator, outbox, data, message):
    interview, _, token = asked_now(coordinator, outbox)
    second = quotes_of(interview.id)[1]
    response = client.post(f"/m/{token}/quotes/{second.id}", data=data)
    assert response.status_code == 422 and message in response.text
    assert [q.state for q in quotes_of(interview.id)] == [QuoteState.REQUESTED] * 3


def test_a_quote_answered_in_another_tab_is_not_answered_again(client, coordinator, outbox):
    interview, _, token = asked_now(coordinator, outbox)
    first = quotes_of(interview.id)[0]
    assert client.post(f"/m/{token}/quotes/{first.id}", data={"answer": "approved"}).status_code == 303
    response = client.post(f"/m/{token}/quotes/{first.id}", data={"answer": "refused"})
    assert response.status_code == 409 and "allerede svart" in response.text
    assert quotes_of(interview.id)[0].state is QuoteState.APPROVED


def test_unknown_expired_and_foreign_links_are_refused_and_logged(client, coordinator, held,
                                                                 outbox):
    interview, informant = held
    services.ask_informant(interview, informant, deadline=DEADLINE, by=coordinator, now=HELD)
    expired = link_in(outbox.last)  # its deadline (March 2026) has passed
    response = client.get(f"/m/{expired}")
    assert response.status_code == 410 and "utløpt" in response.text
    assert client.get("/m/" + "A" * 43).status_code == 404
    assert client.get("/m/short").status_code == 404
    _, _, token = asked_now(coordinator, outbox)
    foreign = quotes_of(interview.id)[0]
    assert client.post(f"/m/{token}/quotes/{foreign.id}", data={"answer": "approved"}).status_code == 404
    refused = [e.after for e in events("security.link_refused")]
    assert {"purpose": "member-check", "problem": "expired"} in refused
    assert {"purpose": "member-check", "problem": "unknown"} in refused


def test_a_withdrawal_through_the_team_page_ends_the_link(client, coordinator, outbox):
    interview, informant, token = asked_now(coordinator, outbox)
    factories.log_client_in(client, coordinator)
    assert client.post(f"/consent/informants/{informant.id}/withdraw",
                       data={"note": ""}).status_code == 302
    assert client.get(f"/m/{token}").status_code == 410
    assert [q.state for q in quote_states([interview.id])[interview.id]] == [
        QuoteState.CANCELLED] * 3
    page = client.get(f"/interviews/{interview.id}").text
    assert page.count("Cancelled") >= 3


def test_the_pages_read_quotes_in_a_fixed_number_of_statements(client, coordinator, held,
                                                               count_queries):
    interview, informant = held
    factories.log_client_in(client, coordinator)
    paths = (f"/interviews/{interview.id}", f"/quotes/interview/{interview.id}")
    counts = []
    for more in (0, 12):
        add_quotes(interview, informant, coordinator, texts=[f"More {n}" for n in range(more)])
        found = []
        for path in paths:
            with count_queries as counter:
                assert client.get(path).status_code == 200
            found.append(counter.count)
        counts.append(found)
    assert counts[0] == counts[1], counts
