"""Busy times read from interviewers' own calendars: over real HTTP from a local server, and
from a real CalDAV server (Radicale). Only start and end of busy periods are kept."""

import logging

import pytest
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.availability import busy, services
from fieldwork.availability.models import BusyCalendar, BusyPeriod
from fieldwork.extensions import db
from tests import factories
from tests.availability.calendars import EXPECTED, OTHERS, SERIES, calendar, events_of, utc
from tests.support.calendar_host import SECRET_PATH, CalendarHost
from tests.support.radicale import RadicaleServer

@pytest.fixture
def host():
    served = CalendarHost()
    yield served
    served.stop()


@pytest.fixture
def radicale(tmp_path):
    server = RadicaleServer(tmp_path / "radicale").start()
    yield server
    server.stop()


def periods_of(user):
    db.session.expire_all()
    return [(p.starts_at, p.ends_at) for p in db.session.scalars(
        select(BusyPeriod).where(BusyPeriod.user_id == user.id).order_by(BusyPeriod.starts_at))]


def calendar_row(user):
    db.session.expire_all()
    return db.session.scalar(select(BusyCalendar).where(BusyCalendar.user_id == user.id))


def test_an_ical_address_is_read_with_recurrences_exceptions_all_day_events_and_zones(
        app, host, now, caplog):
    caplog.set_level(logging.DEBUG)
    user = factories.make_user(role="researcher")
    host.body = calendar(SERIES, OTHERS).encode()
    services.set_busy_calendar(user, {"kind": "ical", "url": host.url}, by=user, now=now)
    assert services.read_calendar_now(user, now=now) == "read"
    assert periods_of(user) == EXPECTED
    row = calendar_row(user)
    assert (row.read_at, row.checked_at, row.error) == (now, now, "")
    assert row.etag == '"v1"'
    # Nothing of what the events were is kept, and the address is nowhere in the clear.
    assert "secret" not in " ".join(str(v) for v in (row.address_hint, row.username)).lower()
    assert SECRET_PATH not in row.sealed_url
    assert row.address_hint == "http://127.0.0.1/…"
    audit = " ".join(str((e.before, e.after)) for e in db.session.scalars(select(AuditEvent)))
    assert "secret-token" not in audit and "availability.calendar_set" in " ".join(
        e.action for e in db.session.scalars(select(AuditEvent)))
    assert "secret-token" not in caplog.text and "Secret board" not in caplog.text


def test_an_unchanged_calendar_costs_a_304_and_keeps_its_busy_times(app, host, now):
    user = factories.make_user(role="researcher")
    host.body = calendar(OTHERS).encode()
    services.set_busy_calendar(user, {"kind": "ical", "url": host.url}, by=user, now=now)
    assert busy.refresh_due_calendars(now=now) == "read 1, unchanged 0, failed 0"
    kept = periods_of(user)
    later = now.replace(minute=20)
    assert busy.refresh_due_calendars(now=now.replace(minute=5)) == "read 0, unchanged 0, failed 0"
    assert busy.refresh_due_calendars(now=later) == "read 0, unchanged 1, failed 0"
    assert host.requests[-1][1:] == ('"v1"', "Mon, 02 Mar 2026 07:00:00 GMT")
    assert periods_of(user) == kept and calendar_row(user).checked_at == later
    # Changed on the server: read again in full.
    host.etag, host.body = '"v2"', calendar(SERIES).encode()
    assert busy.refresh_due_calendars(now=later.replace(minute=40)) == \
        "read 1, unchanged 0, failed 0"
    assert periods_of(user) == [p for p in EXPECTED if p not in kept]


def test_the_webcal_address_calendar_apps_give_is_read_over_https():
    assert busy.normalise_address(" webcal://calendar.example.org/x.ics ") == \
        "https://calendar.example.org/x.ics"


def test_a_calendar_larger_than_the_limit_is_refused_and_the_old_busy_times_stay(app, host,
                                                                                   now):
    user = factories.make_user(role="researcher")
    host.body = calendar(OTHERS).encode()
    services.set_busy_calendar(user, {"kind": "ical", "url": host.url}, by=user, now=now)
    services.read_calendar_now(user, now=now)
    kept = periods_of(user)
    app.config["BUSY_MAX_BYTES"] = 2000
    host.etag, host.body = '"big"', calendar(OTHERS * 5).encode()
    assert services.read_calendar_now(user, now=now.replace(hour=9)) == "failed"
    row = calendar_row(user)
    assert "larger than 0.002 MB" in row.error and row.read_at == now
    assert periods_of(user) == kept


def test_a_server_that_does_not_answer_in_time_is_given_up(app, host, now):
    user = factories.make_user(role="researcher")
    services.set_busy_calendar(user, {"kind": "ical", "url": host.url}, by=user, now=now)
    app.config["BUSY_FETCH_TIMEOUT_SECONDS"] = 1
    host.stall = True
    assert services.read_calendar_now(user, now=now) == "failed"
    assert calendar_row(user).error == "The calendar server did not answer within 1 seconds."


@pytest.mark.parametrize("status, message", [
    (404, "has no calendar at this address (404)"),
    (401, "refused access (401)"),
    (500, "answered with an error (500)"),
])
def test_errors_are_stored_in_our_words_without_the_address(app, host, now, caplog, status,
                                                              message):
    caplog.set_level(logging.DEBUG)
    user = factories.make_user(role="researcher")
    services.set_busy_calendar(user, {"kind": "ical", "url": host.url}, by=user, now=now)
    host.status = status
    assert services.read_calendar_now(user, now=now) == "failed"
    assert message in calendar_row(user).error
    assert "secret-token" not in calendar_row(user).error + caplog.text


def test_what_is_not_a_calendar_is_an_error(app, host, now):
    user = factories.make_user(role="researcher")
    services.set_busy_calendar(user, {"kind": "ical", "url": host.url}, by=user, now=now)
    host.body = b"<html>Please log in</html>"
    assert services.read_calendar_now(user, now=now) == "failed"
    assert "iCalendar format" in calendar_row(user).error


def test_a_changed_secret_key_asks_for_the_address_again(app, host, now):
    user = factories.make_user(role="researcher")
    services.set_busy_calendar(user, {"kind": "ical", "url": host.url}, by=user, now=now)
    app.config["SECRET_KEY"] = "another-secret-key-for-this-test-0123456789"
    assert services.read_calendar_now(user, now=now) == "failed"
    assert "enter it again" in calendar_row(user).error


# ---------------------------------------------------------------------------------------------
# CalDAV, against Radicale

def test_a_caldav_calendar_is_read_and_read_again_only_when_it_changed(app, radicale, now):
    user = factories.make_user(role="researcher")
    url = radicale.make_calendar("work")
    radicale.put("work", "series", calendar(SERIES))  # the series and its moved occurrence
    for item, event in events_of(OTHERS).items():
        radicale.put("work", item, calendar(event))
    services.set_busy_calendar(user, {"kind": "caldav", "url": url, "username": radicale.user,
                                      "password": radicale.password}, by=user, now=now)
    assert services.read_calendar_now(user, now=now) == "read"
    assert periods_of(user) == EXPECTED
    assert calendar_row(user).etag  # the collection's sync token
    assert services.read_calendar_now(user, now=now.replace(minute=30)) == "unchanged"
    radicale.delete("work", "all-day")
    assert services.read_calendar_now(user, now=now.replace(minute=45)) == "read"
    assert periods_of(user) == [p for p in EXPECTED
                                if p != (utc(2026, 3, 11, 23), utc(2026, 3, 12, 23))]


def test_a_caldav_login_refused_is_said_so(app, radicale, now, caplog):
    caplog.set_level(logging.DEBUG)
    user = factories.make_user(role="researcher")
    url = radicale.make_calendar("work")
    services.set_busy_calendar(user, {"kind": "caldav", "url": url, "username": radicale.user,
                                      "password": "wrong-password"}, by=user, now=now)
    assert services.read_calendar_now(user, now=now) == "failed"
    assert "refused the login" in calendar_row(user).error
    assert "wrong-password" not in caplog.text


def test_a_caldav_calendar_over_the_size_limit_is_refused(app, radicale, now):
    user = factories.make_user(role="researcher")
    url = radicale.make_calendar("work")
    for item, event in events_of(OTHERS).items():
        radicale.put("work", item, calendar(event))
    app.config["BUSY_MAX_BYTES"] = 1024
    services.set_busy_calendar(user, {"kind": "caldav", "url": url, "username": radicale.user,
                                      "password": radicale.password}, by=user, now=now)
    assert services.read_calendar_now(user, now=now) == "failed"
    assert "larger than" in calendar_row(user).error


def test_addresses_on_the_servers_own_network_are_refused_unless_allowed(app, host, now):
    user = factories.make_user(role="researcher")
    services.set_busy_calendar(user, {"kind": "ical", "url": host.url}, by=user, now=now)
    app.config["BUSY_LOCAL_ADDRESSES"] = False
    assert services.read_calendar_now(user, now=now) == "failed"
    assert "fieldwork's own network" in calendar_row(user).error
    assert host.requests == []  # never asked


@pytest.mark.parametrize("url", ["http://10.1.2.3/c.ics", "http://169.254.169.254/latest",
                                 "http://[::1]/c.ics", "http://localhost/c.ics",
                                 "http://192.168.0.10/c.ics", "http://100.64.0.1/c.ics"])
def test_local_addresses_are_recognised(url):
    with pytest.raises(busy.ReadError, match="own network"):
        busy.check_host(url, allow_local=False)


def test_an_address_on_the_internet_passes_the_check():
    busy.check_host("https://93.184.216.34/calendar.ics", allow_local=False)
