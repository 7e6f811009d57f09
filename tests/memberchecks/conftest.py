"""An interview held with an informant who consented to everything, and its quotes."""

import re
from datetime import date, datetime, timezone

import pytest

from fieldwork.interviews import afterwards
from fieldwork.memberchecks import services as memberchecks
from tests import factories
from tests.consent.test_services import text_of

START = factories.oslo(2026, 3, 9, 10)
HELD = datetime(2026, 3, 9, 14, 0, tzinfo=timezone.utc)  # when it was marked conducted
DEADLINE = date(2026, 3, 20)  # a Friday, in winter time: ends 23:00 UTC
LINK = re.compile(r"/m/([A-Za-z0-9_-]{43})")


@pytest.fixture(autouse=True)
def consent_form(app):
    factories.make_consent_form("nb")
    factories.make_consent_form("en")


def consenting(by, language="nb", **items):
    informant = factories.make_informant(language=language)
    factories.give_consent(informant, items, by=by, now=factories.NOW)
    return informant


def held_interview(by, informants):
    interview = factories.make_interview(by=by, informants=informants, start=START,
                                         now=factories.NOW)
    return afterwards.mark_conducted(interview, by=by, now=HELD)


def add_quotes(interview, informant, by, texts=("First quote", "Second quote", "Third quote")):
    return [memberchecks.add_quote(interview, {
        "informant_id": informant.id, "text": text,
        "context": f"Interviewer: What do you think?\nInformant: {text}, I would say."},
        by=by, now=HELD) for text in texts]


def link_in(message):
    return LINK.search(text_of(message)).group(1)


@pytest.fixture
def held(coordinator):
    """(interview, informant) after the interview, with three quotes recorded."""
    informant = consenting(coordinator)
    interview = held_interview(coordinator, [informant])
    add_quotes(interview, informant, coordinator)
    return interview, informant
