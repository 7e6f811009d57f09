"""Every email reaches each person in their own language: an informant's preferred one (unless
the coordinator chose one for an interview's informant emails, which is then shown), a
colleague's account language; the study and organizer names and the dates follow it."""

from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.auth.services import set_language
from fieldwork.consent import services as consent
from fieldwork.extensions import db
from fieldwork.interviews import queries
from fieldwork.interviews import services as interviews
from fieldwork.outbox.services import dispatch_pending
from fieldwork.reminders.services import send_due_reminders
from tests import factories
from tests.factories import oslo
from tests.support.ical_parsers import parse_with_ical

START = oslo(2026, 3, 10, 10, 0)
# The first words of each kind of email in each language.
OPENING = {"nb": "Hei ", "en": "Dear "}


@pytest.fixture
def names(app):
    app.config.update(STUDY_NAME_NB="KI i bildediagnostikk", STUDY_NAME_EN="AI in imaging",
                      ORGANIZER_NAME_NB="Forskergruppa", ORGANIZER_NAME_EN="The research team")


def _text(message):
    return message.get_body(("plain",)).get_content()


def _sender_name(message):
    return message["From"].addresses[0].display_name


def _calendar(message):
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True)
    raise AssertionError("no calendar part")


def _schedule(coordinator, now, *, informant_language, **values):
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org",
                                         language=informant_language)
    interview = factories.make_interview(informants=[informant], interviewers=[coordinator],
                                         start=START, by=coordinator, now=now, **values)
    dispatch_pending(now=now)
    return informant, interview


def _emails_about_an_interview(coordinator, outbox, now, informant, interview):
    """Invitation, update, reminder and cancellation, as the informant receives them."""
    interview = queries.get_interview(interview.id)
    values = factories.interview_values(
        informants=interview.informants, interviewers=interview.interviewers,
        start=START + timedelta(hours=2), guide_version=interview.guide_version,
        language=interview.language.value if interview.language else "")
    interviews.reschedule_interview(interview, values, by=coordinator, now=now)
    send_due_reminders(now=START + timedelta(hours=2) - timedelta(hours=24))
    interviews.cancel_interview(queries.get_interview(interview.id), by=coordinator,
                                now=now + timedelta(days=1))
    return {row.purpose: outbox.messages(id=row.id)[0]
            for row in outbox.rows(informant_id=informant.id)}


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_interview_email_is_in_the_informants_language(app, names, coordinator, outbox,
                                                             now, language):
    informant, interview = _schedule(coordinator, now, informant_language=language)
    emails = _emails_about_an_interview(coordinator, outbox, now, informant, interview)
    assert set(emails) >= {"invite", "update", "reminder", "cancel"}
    study = "KI i bildediagnostikk" if language == "nb" else "AI in imaging"
    organizer = "Forskergruppa" if language == "nb" else "The research team"
    other_study = "AI in imaging" if language == "nb" else "KI i bildediagnostikk"
    for purpose, message in emails.items():
        text = _text(message)
        assert text.startswith(OPENING[language]), purpose
        assert study in text and other_study not in text, purpose
        assert _sender_name(message) == organizer, purpose


@pytest.mark.parametrize("language", ["nb", "en"])
def test_consent_requests_follow_ups_and_receipts_are_in_the_informants_language(
        app, names, coordinator, outbox, now, language):
    factories.make_consent_form(language, by=coordinator)
    informant = factories.make_informant(email="ase@example.org", language=language)
    consent.request_consent(informant, by=coordinator, now=now)
    consent.send_consent_follow_ups(now=now + timedelta(days=7))
    request, follow_up = outbox.messages(informant_id=informant.id)
    for message in (request, follow_up):
        assert _text(message).startswith(OPENING[language])
    assert follow_up["Subject"].startswith("Påminnelse" if language == "nb" else "Reminder")
    # The link's last day, written as the language writes dates.
    expected = "1. april 2026" if language == "nb" else "1 April 2026"
    assert expected in _text(request)


def test_an_interview_language_overrides_the_informants_own_and_says_so(
        app, names, coordinator, outbox, now, client, login_as):
    informant, interview = _schedule(coordinator, now, informant_language="nb", language="en")
    emails = _emails_about_an_interview(coordinator, outbox, now, informant, interview)
    for purpose, message in emails.items():
        assert _text(message).startswith("Dear "), purpose
    # Shown where the coordinator looks: the interview page and the edit form.
    login_as("coordinator")
    other = factories.make_interview(
        informants=[factories.make_informant(language="nb")], by=coordinator, now=now,
        language="en")
    page = client.get(f"/interviews/{other.id}").get_data(as_text=True)
    assert "English for every informant" in page and "overriding" in page
    form = client.get(f"/interviews/{other.id}/edit").get_data(as_text=True)
    assert 'id="language-override-note"' in form
    # And in the audit log, with what it was before.
    changes = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "interview.create", AuditEvent.entity_id == str(other.id))).all()
    assert [e.after["language"] for e in changes] == ["en"]


def test_without_an_override_the_pages_say_each_informant_reads_their_own(
        app, coordinator, now, client, login_as):
    interview = factories.make_interview(by=coordinator, now=now)
    login_as("coordinator")
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Each informant's own language" in page and "language-override-note" not in page
    form = client.get(f"/interviews/{interview.id}/edit").get_data(as_text=True)
    assert "language-override-note" not in form


def test_a_new_interview_no_longer_defaults_to_bokmal(app, client, login_as):
    login_as("coordinator")
    page = client.get("/interviews/new").get_data(as_text=True)
    assert '<option selected value="">Each informant&#39;s own language</option>' in page


def test_removing_the_override_returns_each_informant_to_their_language(
        app, coordinator, outbox, now):
    informant, interview = _schedule(coordinator, now, informant_language="nb", language="en")
    interview = queries.get_interview(interview.id)
    values = factories.interview_values(
        informants=interview.informants, interviewers=interview.interviewers,
        start=START + timedelta(hours=1), guide_version=interview.guide_version, language="")
    interviews.reschedule_interview(interview, values, by=coordinator, now=now)
    update = outbox.messages(informant_id=informant.id, purpose="update")[-1]
    assert _text(update).startswith("Hei ")
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "interview.update")).all()[-1]
    assert (event.before["language"], event.after["language"]) == ("en", None)


@pytest.mark.parametrize("language", ["nb", "en"])
def test_interviewers_get_their_account_language_whatever_the_informants(
        app, names, coordinator, outbox, now, language):
    set_language(coordinator, language, by=coordinator)
    other = "en" if language == "nb" else "nb"
    _schedule(coordinator, now, informant_language=other, language=other)
    send_due_reminders(now=START - timedelta(hours=24))
    mine = outbox.messages(user_id=coordinator.id)
    assert [m["Subject"] for m in mine] and len(mine) == 2  # the invitation and the reminder
    for message in mine:
        assert _text(message).startswith(OPENING[language])


def test_the_invite_names_study_and_organizer_in_each_recipients_language(
        app, names, coordinator, outbox, now):
    """Parsed by two calendar libraries: `icalendar` and `ical`."""
    set_language(coordinator, "en", by=coordinator)
    informant, _ = _schedule(coordinator, now, informant_language="nb")
    [to_informant] = outbox.messages(informant_id=informant.id, purpose="invite")
    [to_interviewer] = outbox.messages(user_id=coordinator.id, purpose="invite")
    for message, study, organizer, when in (
            (to_informant, "KI i bildediagnostikk", "Forskergruppa", "tirsdag 10. mars 2026"),
            (to_interviewer, "AI in imaging", "The research team", "Tuesday 10 March 2026")):
        data = _calendar(message)
        [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
        assert study in str(event["SUMMARY"]) and when in str(event["DESCRIPTION"])
        assert event["ORGANIZER"].params["CN"] == organizer
        [parsed] = parse_with_ical(data)["events"]
        assert study in parsed["summary"] and when in parsed["description"]
        assert organizer in parsed["description"]
        assert _sender_name(message) == organizer


def test_the_organizer_name_falls_back_to_the_study_name_in_that_language(app, coordinator,
                                                                          outbox, now):
    app.config.update(STUDY_NAME_NB="KI i bildediagnostikk", ORGANIZER_NAME_NB=None)
    informant, _ = _schedule(coordinator, now, informant_language="nb")
    [message] = outbox.messages(informant_id=informant.id, purpose="invite")
    assert _sender_name(message) == "KI i bildediagnostikk"
    [event] = icalendar.Calendar.from_ical(_calendar(message)).walk("VEVENT")
    assert event["ORGANIZER"].params["CN"] == "KI i bildediagnostikk"
