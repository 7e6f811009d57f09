"""The calendar subscription as calendar clients poll it: 304 while nothing changed, the new file
as soon as any event in it would change, and nothing at all for a token that no longer opens it."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews import feeds, services
from fieldwork.interviews.models import Interview
from tests import factories
from tests.support.ical_parsers import parse_with_ical, parse_with_vobject


@pytest.fixture
def subscribed(app, coordinator):
    """The coordinator's feed URL path and an anonymous client (calendar programs never log in)."""
    token = feeds.reset_feed(coordinator, by=coordinator)
    return f"/calendar/{token}.ics", app.test_client()


def test_an_unchanged_feed_answers_304_to_its_etag_and_to_its_date(subscribed, coordinator,
                                                                   informant):
    factories.make_interview(informants=[informant], by=coordinator)
    path, calendar = subscribed
    first = calendar.get(path)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert first.last_modified is not None
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = calendar.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    since = calendar.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    # If-None-Match decides when both are sent (RFC 9110 13.2.2): another version gets the file.
    other = calendar.get(path, headers={"If-None-Match": 'W/"another"',
                                        "If-Modified-Since": first.headers["Last-Modified"]})
    assert other.status_code == 200 and other.data.startswith(b"BEGIN:VCALENDAR")


def test_a_cancellation_reaches_a_client_that_polls_with_its_etag(subscribed, coordinator,
                                                                  informant):
    interview = factories.make_interview(informants=[informant], by=coordinator)
    path, calendar = subscribed
    first = calendar.get(path)
    services.cancel_interview(interview, by=coordinator)

    polled = calendar.get(path, headers={"If-None-Match": first.headers["ETag"],
                                         "If-Modified-Since": first.headers["Last-Modified"]})
    assert polled.status_code == 200 and polled.headers["ETag"] != first.headers["ETag"]
    assert polled.last_modified > first.last_modified
    for parsed in (parse_with_ical(polled.data), parse_with_vobject(polled.data)):
        (event,) = parsed["events"]
        assert event["status"] == "CANCELLED" and event["uid"] == interview.uid
    # A client that polls only by date, in the same second as the change, still sees it.
    by_date = calendar.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 200


def _version(user, **kwargs):
    return feeds.content_version(user.id, **kwargs)


def test_the_version_changes_with_every_change_an_event_in_the_feed_shows(app, coordinator,
                                                                          informant, now):
    interview = factories.make_interview(informants=[informant], by=coordinator, now=now)
    seen = [_version(coordinator, now=now)]

    def changed():
        seen.append(_version(coordinator, now=now))
        return seen[-1] != seen[-2]

    assert _version(coordinator, now=now) == seen[-1]  # nothing changed, the same version
    later = factories.interview_values(informants=[informant], interviewers=[coordinator],
                                       start=interview.starts_at + timedelta(hours=2))
    services.reschedule_interview(interview, later, by=coordinator, now=now)
    assert changed(), "rescheduled"
    # The informant's code, changed by any UPDATE (the model stamps updated_at itself).
    db.session.execute(update(Informant).where(Informant.id == informant.id)
                       .values(code="ZZ-999"))
    db.session.commit()
    assert changed(), "informant's code"
    # An UPDATE of the interview that no service made still changes the version.
    db.session.execute(update(Interview).where(Interview.id == interview.id).values(place="B"))
    db.session.commit()
    assert changed(), "place written directly"
    other = factories.make_interview(informants=[factories.make_informant()], by=coordinator,
                                     now=now)
    assert changed(), "a new interview"
    services.cancel_interview(other, by=coordinator, now=now)
    assert changed(), "cancelled"
    colleague = factories.make_user(role="coordinator")
    services.reschedule_interview(interview, {**later, "interviewer_ids": [colleague.id]},
                                  by=coordinator, now=now)
    assert changed(), "no longer their interview"
    far_ahead = now + feeds.FEED_HISTORY + timedelta(days=30)
    assert _version(coordinator, now=far_ahead) != seen[-1], "left the history window"
    assert _version(coordinator, now=now, salt="Another study") != seen[-1], "the feed's name"


def test_a_feed_reads_its_events_in_two_queries_whatever_their_number(
        app, coordinator, count_queries, now):
    made, user_id = [], coordinator.id

    def statements(interviews):
        for _ in range(interviews):
            made.append(factories.make_interview(
                informants=[factories.make_informant(), factories.make_informant()],
                start=now + timedelta(days=len(made) + 1), by=coordinator, now=now,
                send_invites=False))
        with count_queries:
            data = feeds.feed_file(user_id, name="Intervjuer", base_url="https://x.example",
                                   now=now)
        return count_queries.count, data

    one, data = statements(1)
    more, data = statements(4)
    assert (one, more) == (2, 2), count_queries.statements
    assert data.count(b"BEGIN:VEVENT") == 5
    # Codes only: the informants' names and addresses are never even read.
    assert not any("email" in sql or "phone" in sql or ".name" in sql
                   for sql in count_queries.statements)


def test_a_revoked_token_or_a_disabled_user_gets_404_even_with_a_valid_etag(
        subscribed, coordinator, informant):
    factories.make_interview(informants=[informant], by=coordinator)
    path, calendar = subscribed
    etag = calendar.get(path).headers["ETag"]

    coordinator.is_enabled = False
    db.session.commit()
    assert calendar.get(path, headers={"If-None-Match": etag}).status_code == 404
    coordinator.is_enabled = True
    db.session.commit()
    assert calendar.get(path, headers={"If-None-Match": etag}).status_code == 304
    feeds.revoke_feed(coordinator, by=coordinator)
    assert calendar.get(path, headers={"If-None-Match": etag}).status_code == 404
