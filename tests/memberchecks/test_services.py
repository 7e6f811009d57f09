"""Member checks without HTTP: quotes, asking, answering through the link, the one reminder,
the deadline, and a withdrawal cancelling what is open."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.consent import services as consent
from fieldwork.consent.tokens import TokenProblem
from fieldwork.errors import DomainError, NotAllowed
from fieldwork.extensions import db
from fieldwork.memberchecks import links, services
from fieldwork.memberchecks.models import (
    MemberCheckRequest,
    Quote,
    QuoteState,
    RequestStatus,
)
from fieldwork.memberchecks.queries import quote_states
from fieldwork.outbox.models import OutboxStatus
from tests import factories
from tests.consent.test_services import text_of
from tests.memberchecks.conftest import (
    DEADLINE,
    HELD,
    add_quotes,
    consenting,
    held_interview,
    link_in,
)

DEADLINE_AT = datetime(2026, 3, 20, 23, 0, tzinfo=timezone.utc)  # end of the day in Oslo


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def asked(held, coordinator, outbox):
    interview, informant = held
    request = services.ask_informant(interview, informant, deadline=DEADLINE, by=coordinator,
                                     now=HELD)
    token = link_in(outbox.last)
    return request, token, links.open_link(token, now=HELD)


def states(interview):
    return [q.state for q in quote_states([interview.id])[interview.id]]


# Recording quotes


def test_a_quote_is_recorded_as_not_asked_yet_and_audited(held, coordinator):
    interview, informant = held
    [first, *_] = quote_states([interview.id])[interview.id]
    assert (first.informant_code, first.text, first.state) == (
        informant.code, "First quote", QuoteState.DRAFT)
    [event, *_] = events("quote.create")
    assert event.actor_label == coordinator.email and event.after["text"] == "First quote"


@pytest.mark.parametrize("values, field", [
    ({"text": ""}, "text"),
    ({"text": "Bad \x1b text"}, "text"),
    ({"text": "x" * 4001}, "text"),
    ({"context": "c" * 8001}, "context"),
    ({"informant_id": 999999}, "informant_id"),
])
def test_bad_quotes_are_refused_beside_their_field(held, coordinator, values, field):
    interview, informant = held
    data = {"informant_id": informant.id, "text": "Fine", "context": "", **values}
    with pytest.raises(DomainError) as refused:
        services.add_quote(interview, data, by=coordinator, now=HELD)
    assert refused.value.field == field
    db.session.rollback()
    assert len(states(interview)) == 3


def test_an_informant_of_another_interview_cannot_be_quoted_here(held, coordinator):
    interview, _ = held
    other = consenting(coordinator)
    with pytest.raises(DomainError, match="Choose an informant of this interview"):
        services.add_quote(interview, {"informant_id": other.id, "text": "Mine"}, by=coordinator,
                           now=HELD)


def test_quotes_wait_until_the_interview_is_conducted(coordinator):
    informant = consenting(coordinator)
    interview = factories.make_interview(by=coordinator, informants=[informant],
                                         now=factories.NOW)
    with pytest.raises(NotAllowed, match="marked conducted"):
        services.add_quote(interview, {"informant_id": informant.id, "text": "Too early"},
                           by=coordinator, now=factories.NOW)


# Asking


def test_asking_sends_one_email_in_the_informants_language_with_a_personal_link(
        held, coordinator, outbox):
    interview, informant = held
    request = services.ask_informant(interview, informant, deadline=DEADLINE, by=coordinator,
                                     now=HELD)
    message = outbox.last
    assert message["To"].addresses[0].addr_spec == informant.email
    assert message["Subject"] == "Sitater fra intervjuet ditt: KI i bildediagnostikk"
    body = text_of(message)
    assert "innen 20. mars 2026" in body and "/w/" in body  # the withdrawal link too
    assert request.deadline_at == DEADLINE_AT
    assert states(interview) == [QuoteState.REQUESTED] * 3
    # Only the hash of the link is stored.
    token = link_in(message)
    assert token not in str(db.session.execute(select(links.MemberCheckLink.token_hash)).all())
    [event] = events("member_check.request")
    assert event.after["deadline_at"] == DEADLINE_AT.isoformat() and len(event.after["quote_ids"]) == 3


def test_an_english_informant_is_asked_in_english(coordinator, outbox):
    informant = consenting(coordinator, language="en")
    interview = held_interview(coordinator, [informant])
    add_quotes(interview, informant, coordinator, texts=["Only quote"])
    services.ask_informant(interview, informant, deadline=DEADLINE, by=coordinator, now=HELD)
    assert outbox.last["Subject"] == "Quotes from your interview: AI in image diagnostics"
    assert "by 20 March 2026" in text_of(outbox.last)


def test_only_informants_whose_consent_covers_quotation_can_be_asked(coordinator, outbox):
    informant = consenting(coordinator, direct_quotation=False)
    interview = held_interview(coordinator, [informant])
    add_quotes(interview, informant, coordinator, texts=["Not to be quoted"])
    sent = len(outbox)
    with pytest.raises(NotAllowed, match="not consented to direct quotation"):
        services.ask_informant(interview, informant, deadline=DEADLINE, by=coordinator,
                               now=HELD)
    db.session.rollback()
    assert len(outbox) == sent and states(interview) == [QuoteState.DRAFT]


@pytest.mark.parametrize("deadline, message", [
    (None, "Enter the day"), (HELD.date(), "after today"), (HELD.date() - timedelta(days=3),
                                                             "after today"),
    (HELD.date() + timedelta(days=91), "at most 90 days")])
def test_a_deadline_must_be_ahead_and_not_too_far(held, coordinator, outbox, deadline, message):
    interview, informant = held
    with pytest.raises(DomainError, match=message) as refused:
        services.ask_informant(interview, informant, deadline=deadline, by=coordinator, now=HELD)
    assert refused.value.field == "deadline"
    db.session.rollback()
    assert states(interview) == [QuoteState.DRAFT] * 3


def test_asking_again_with_nothing_new_is_refused(held, coordinator, outbox):
    asked(held, coordinator, outbox)
    interview, informant = held
    with pytest.raises(NotAllowed, match="no quotes"):
        services.ask_informant(interview, informant, deadline=DEADLINE, by=coordinator, now=HELD)


# Answering through the link


def test_the_informant_approves_edits_and_refuses_each_quote(held, coordinator, outbox):
    interview, _ = held
    request, token, context = asked(held, coordinator, outbox)
    first, second, third = services.quotes_of_request(request.id)
    when = HELD + timedelta(days=1)
    services.answer_quote(context, first.id, "approved", now=when)
    services.answer_quote(context, second.id, "edited", edited_text="Second quote, put better",
                          now=when)
    request = services.answer_quote(context, third.id, "refused", now=when)

    assert request.status is RequestStatus.ANSWERED
    [one, two, three] = quote_states([interview.id])[interview.id]
    assert [one.state, two.state, three.state] == [QuoteState.APPROVED, QuoteState.EDITED,
                                                   QuoteState.REFUSED]
    assert (two.text, two.edited_text, two.usable_text) == (
        "Second quote", "Second quote, put better", "Second quote, put better")
    assert one.usable_text == "First quote" and three.usable_text is None
    answers = events("quote.answer")
    assert [e.actor_label for e in answers] == ["informant link"] * 3
    assert answers[1].before == {"state": "requested"}
    assert answers[1].after["edited_text"] == "Second quote, put better"
    # Answered in full: the link is used up.
    with pytest.raises(TokenProblem) as problem:
        links.open_link(token, now=when)
    assert problem.value.kind == "used"


def test_a_quote_answered_already_is_not_answered_again(held, coordinator, outbox):
    request, _, context = asked(held, coordinator, outbox)
    first = services.quotes_of_request(request.id)[0]
    services.answer_quote(context, first.id, "approved", now=HELD)
    with pytest.raises(NotAllowed, match="answered this quote already"):
        services.answer_quote(context, first.id, "refused", now=HELD)
    db.session.rollback()
    assert db.session.get(Quote, first.id).state is QuoteState.APPROVED
    assert len(events("quote.answer")) == 1


@pytest.mark.parametrize("edited", ["", "  ", "Bad\x00", "First quote", "y" * 4001])
def test_an_edit_needs_new_wording(held, coordinator, outbox, edited):
    request, _, context = asked(held, coordinator, outbox)
    first = services.quotes_of_request(request.id)[0]
    with pytest.raises(DomainError) as refused:
        services.answer_quote(context, first.id, "edited", edited_text=edited, now=HELD)
    assert refused.value.field == "edited_text"
    db.session.rollback()
    assert db.session.get(Quote, first.id).state is QuoteState.REQUESTED


def test_another_requests_quote_cannot_be_answered_through_this_link(held, coordinator, outbox):
    _, _, context = asked(held, coordinator, outbox)
    other = consenting(coordinator)
    interview = held_interview(coordinator, [other])
    [foreign] = add_quotes(interview, other, coordinator, texts=["Someone else's"])
    with pytest.raises(TokenProblem):
        services.answer_quote(context, foreign.id, "approved", now=HELD)
    db.session.rollback()
    assert db.session.get(Quote, foreign.id).state is QuoteState.DRAFT


def test_links_are_refused_when_unknown_or_past_the_deadline(held, coordinator, outbox):
    _, token, _ = asked(held, coordinator, outbox)
    for bad in ("x" * 43, token[:-1], "", None):
        with pytest.raises(TokenProblem) as problem:
            links.open_link(bad, now=HELD)
        assert problem.value.kind == "unknown"
    assert links.open_link(token, now=DEADLINE_AT - timedelta(seconds=1))
    with pytest.raises(TokenProblem) as problem:
        links.open_link(token, now=DEADLINE_AT)
    assert problem.value.kind == "expired"


# The reminder and the deadline


def test_one_reminder_before_the_deadline_with_a_new_link(held, coordinator, outbox):
    request, first_token, context = asked(held, coordinator, outbox)
    services.answer_quote(context, services.quotes_of_request(request.id)[0].id, "approved",
                          now=HELD)
    remind_at = DEADLINE_AT - timedelta(days=3)
    assert db.session.get(MemberCheckRequest, request.id).remind_at == remind_at
    assert services.send_due_reminders(now=remind_at - timedelta(minutes=1)) == 0
    assert services.send_due_reminders(now=remind_at) == 1
    assert services.send_due_reminders(now=remind_at + timedelta(hours=5)) == 0
    reminders = outbox.rows(purpose="member-check-reminder")
    assert len(reminders) == 1
    message = outbox.last
    assert message["Subject"].startswith("Påminnelse: ")
    second_token = link_in(message)
    assert second_token != first_token
    for token in (first_token, second_token):  # both work until the deadline
        assert links.open_link(token, now=remind_at).request.id == request.id
    assert len(events("member_check.reminder")) == 1


def test_a_short_deadline_gets_its_reminder_halfway(held, coordinator, outbox):
    interview, informant = held
    request = services.ask_informant(interview, informant, deadline=HELD.date() + timedelta(days=1),
                                     by=coordinator, now=HELD)
    # 14:00 UTC on the 9th to 23:00 UTC on the 10th: halfway is 06:30 UTC on the 10th.
    assert request.remind_at == datetime(2026, 3, 10, 6, 30, tzinfo=timezone.utc)


def test_no_reminder_once_everything_is_answered(held, coordinator, outbox):
    request, _, context = asked(held, coordinator, outbox)
    for quote in services.quotes_of_request(request.id):
        services.answer_quote(context, quote.id, "approved", now=HELD)
    assert services.send_due_reminders(now=DEADLINE_AT - timedelta(hours=1)) == 0


def test_after_the_deadline_open_quotes_have_no_answer(held, coordinator, outbox):
    interview, _ = held
    request, token, context = asked(held, coordinator, outbox)
    first = services.quotes_of_request(request.id)[0]
    services.answer_quote(context, first.id, "refused", now=HELD)
    assert services.close_overdue_requests(now=DEADLINE_AT - timedelta(seconds=1)) == 0
    assert services.close_overdue_requests(now=DEADLINE_AT) == 1
    assert services.close_overdue_requests(now=DEADLINE_AT + timedelta(hours=1)) == 0
    assert states(interview) == [QuoteState.REFUSED, QuoteState.NO_ANSWER, QuoteState.NO_ANSWER]
    assert db.session.get(MemberCheckRequest, request.id).status is RequestStatus.EXPIRED
    [event] = events("member_check.expire")
    assert event.actor_label == "scheduler" and len(event.after["no_answer_quote_ids"]) == 2
    with pytest.raises(TokenProblem) as problem:
        links.open_link(token, now=DEADLINE_AT + timedelta(hours=1))
    assert problem.value.kind == "expired"


# Withdrawal


def test_a_withdrawal_cancels_open_member_checks_in_its_own_transaction(held, coordinator, outbox):
    interview, informant = held
    request, token, context = asked(held, coordinator, outbox)
    services.answer_quote(context, services.quotes_of_request(request.id)[0].id, "approved",
                          now=HELD)
    consent.withdraw_consent(informant, by=coordinator, now=HELD + timedelta(hours=1))

    assert states(interview) == [QuoteState.APPROVED, QuoteState.CANCELLED, QuoteState.CANCELLED]
    assert db.session.get(MemberCheckRequest, request.id).status is RequestStatus.CANCELLED
    [event] = events("member_check.cancel")
    assert event.after["request_ids"] == [request.id]
    assert sorted(event.before["quote_states"].values()) == ["requested", "requested"]
    with pytest.raises(TokenProblem) as problem:
        links.open_link(token, now=HELD + timedelta(hours=2))
    assert problem.value.kind == "used"
    # Nothing more to remind about, and the request's email had been cancelled if unsent.
    assert services.send_due_reminders(now=DEADLINE_AT - timedelta(hours=1)) == 0
    assert {m.status for m in outbox.rows(purpose="member-check")} == {OutboxStatus.CANCELLED}


def test_quote_states_reads_many_interviews_at_once(held, coordinator, count_queries):
    interview, _ = held
    ids = interview.id, held_interview(coordinator, [consenting(coordinator)]).id
    with count_queries as counter:
        found = quote_states(ids)
    assert counter.count == 1
    assert len(found[ids[0]]) == 3 and found[ids[1]] == []


@pytest.mark.parametrize("day, end", [
    # The last day of winter time, and the day the clocks go forward (a 23-hour day).
    (date(2026, 3, 28), datetime(2026, 3, 28, 23, 0, tzinfo=timezone.utc)),
    (date(2026, 3, 29), datetime(2026, 3, 29, 22, 0, tzinfo=timezone.utc)),
    # The day the clocks go back (25 hours) ends in winter time again.
    (date(2026, 10, 25), datetime(2026, 10, 25, 23, 0, tzinfo=timezone.utc)),
    (date(2026, 10, 24), datetime(2026, 10, 24, 22, 0, tzinfo=timezone.utc)),
])
def test_a_deadline_ends_at_local_midnight_across_daylight_saving_changes(app, day, end):
    assert services.deadline_instant(day) == end


# Exports


def test_the_case_exports_and_the_project_carry_each_cases_quote_states(coordinator, outbox):
    """Per case (informant in an interview) its own quotes' states; per interview in the
    project, all of them: the analyst sees which quotes may be published."""
    import io
    import xml.etree.ElementTree as ET
    import zipfile

    from fieldwork.exports import qdpx
    from fieldwork.exports import services as exports

    speaker, quiet = consenting(coordinator), consenting(coordinator)
    interview = held_interview(coordinator, [speaker, quiet])
    add_quotes(interview, speaker, coordinator)
    request = services.ask_informant(interview, speaker, deadline=DEADLINE, by=coordinator,
                                     now=HELD)
    context = links.open_link(link_in(outbox.last), now=HELD)
    first, second, third = services.quotes_of_request(request.id)
    services.answer_quote(context, first.id, "approved", now=HELD)
    services.answer_quote(context, second.id, "edited", edited_text="Put better", now=HELD)
    add_quotes(interview, quiet, coordinator, texts=("Not asked yet",))

    header, rows = exports.interview_cases(exports.ExportFilter())
    cases = {values["Informant code"]: values for values in (dict(zip(header, r)) for r in rows)}
    assert (cases[speaker.code]["Quotes usable"], cases[speaker.code]["Quote states"]) == (
        2, "requested=1; approved=1; edited=1")
    assert (cases[quiet.code]["Quotes usable"], cases[quiet.code]["Quote states"]) == (
        0, "draft=1")
    header, rows = exports.interview_cases(exports.ExportFilter(), coarsened=True, secret="s")
    assert sorted(dict(zip(header, r))["Quotes usable"] for r in rows) == [0, 2]

    chunks, _ = qdpx.export_project(exports.ExportFilter(), by=coordinator)
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        project = ET.fromstring(archive.read("project.qde"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    names = {v.get("guid"): v.get("name")
             for v in project.iterfind(".//q:Variables/q:Variable", ns)}
    [case] = project.iterfind(".//q:Cases/q:Case", ns)
    values = {names[v.find("q:VariableRef", ns).get("targetGUID")]: v
              for v in case.iterfind("q:VariableValue", ns)}
    assert values["Quotes usable"].findtext("q:IntegerValue", namespaces=ns) == "2"
    assert values["Quote states"].findtext("q:TextValue", namespaces=ns) == (
        "draft=1; requested=1; approved=1; edited=1")
