"""The availability pages and "Find a time", through HTTP: who may see and change what, bad
input, the audit log, and the links to offers and to the scheduling form."""

from datetime import datetime, time
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.availability.models import BusyCalendar, DateAway, WorkingHours
from fieldwork.extensions import db
from tests import factories
from tests.factories import OSLO

SECRET_URL = "https://outlook.office365.com/owa/calendar/abc/s3cr3t-t0ken/reachcalendar.ics"
HOURS = {"monday": "09:00-11:30, 12:30-16:00", "tuesday": "09:00-16:00", "wednesday": "",
         "thursday": "", "friday": "08.30–12.00", "saturday": "", "sunday": ""}


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_an_interviewer_enters_working_hours_and_sees_them(client, login_as):
    user = login_as("researcher")
    assert client.get("/availability/").headers["Location"].endswith(f"/availability/{user.id}")
    assert client.get(f"/availability/{user.id}/hours").status_code == 200
    response = client.post(f"/availability/{user.id}/hours", data=HOURS)
    assert response.status_code == 302
    page = client.get(f"/availability/{user.id}").get_data(as_text=True)
    assert "09:00-11:30, 12:30-16:00" in page and "08:30-12:00" in page
    assert count(WorkingHours) == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "availability.hours"))
    assert event.after["monday"] == "09:00-11:30, 12:30-16:00" and event.actor_id == user.id


@pytest.mark.parametrize("text, message", [
    ("9-17", "Write the hours as 09:00-11:30"),
    ("17:00-09:00", "must end after it starts"),
    ("09:00-12:00, 11:00-13:00", "The ranges overlap"),
    ("25:00-26:00", "from 00:00 to 23:59"),
])
def test_bad_hours_are_refused_beside_the_day_and_change_nothing(client, login_as, text,
                                                                 message):
    user = login_as("researcher")
    response = client.post(f"/availability/{user.id}/hours", data={**HOURS, "tuesday": text})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(WorkingHours) == 0 and "availability.hours" not in actions()


def test_dates_away_are_added_and_removed(client, login_as):
    user = login_as("researcher")
    response = client.post(f"/availability/{user.id}/away",
                           data={"first_day": "2099-07-01", "last_day": "2099-07-21"})
    assert response.status_code == 302
    assert "01.07.2099–21.07.2099" in client.get(f"/availability/{user.id}").get_data(
        as_text=True)
    away = db.session.scalar(select(DateAway))
    refused = client.post(f"/availability/{user.id}/away",
                          data={"first_day": "2099-07-21", "last_day": "2099-07-01"})
    assert refused.status_code == 422 and "cannot be before the first" in refused.get_data(
        as_text=True)
    assert client.post(f"/availability/{user.id}/away/{away.id}/remove").status_code == 302
    assert count(DateAway) == 0
    assert actions()[-2:] == ["availability.away_add", "availability.away_remove"]


def test_the_calendar_address_is_kept_secret(client, login_as):
    user = login_as("researcher")
    response = client.post(f"/availability/{user.id}/calendar",
                           data={"kind": "ical", "url": SECRET_URL.replace("https", "webcal")})
    assert response.status_code == 302
    row = db.session.scalar(select(BusyCalendar))
    assert row.address_hint == "https://outlook.office365.com/…"
    assert "s3cr3t" not in row.sealed_url
    for path in (f"/availability/{user.id}", f"/availability/{user.id}/calendar"):
        page = client.get(path).get_data(as_text=True)
        assert "outlook.office365.com/…" in page and "s3cr3t" not in page
    audit = [(e.action, e.before, e.after) for e in db.session.scalars(select(AuditEvent))]
    assert "s3cr3t" not in str(audit)
    assert ("availability.calendar_set", None,
            {"kind": "ical", "host": "https://outlook.office365.com/…", "has_login": False}) \
        in audit
    assert client.post(f"/availability/{user.id}/calendar/remove").status_code == 302
    assert count(BusyCalendar) == 0 and "availability.calendar_remove" in actions()


@pytest.mark.parametrize("data, message", [
    ({"kind": "ical", "url": "ftp://example.org/cal.ics"}, "starting with https://"),
    ({"kind": "ical", "url": "https://example.org/a b.ics"}, "starting with https://"),
    ({"kind": "ical", "url": SECRET_URL, "username": "me"}, "needs no login"),
    ({"kind": "exchange", "url": SECRET_URL}, "Not a valid choice"),
])
def test_a_bad_calendar_is_refused_without_echoing_the_address(client, login_as, data,
                                                               message):
    user = login_as("researcher")
    response = client.post(f"/availability/{user.id}/calendar", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "s3cr3t" not in page and "a b.ics" not in page
    assert count(BusyCalendar) == 0


def test_who_may_see_and_change_an_interviewers_availability(client, login_as, app):
    researcher = factories.make_user(role="researcher")
    analyst = factories.make_user(role="analyst")
    login_as("researcher")  # another researcher
    assert client.get(f"/availability/{researcher.id}").status_code == 403
    assert client.post(f"/availability/{researcher.id}/hours", data=HOURS).status_code == 403
    assert client.get("/availability/find").status_code == 403
    login_as("coordinator")
    assert client.get("/availability/").status_code == 200
    assert client.post(f"/availability/{researcher.id}/hours", data=HOURS).status_code == 302
    assert client.get(f"/availability/{analyst.id}").status_code == 404  # analysts never interview
    login_as("analyst")
    assert client.get(f"/availability/{researcher.id}").status_code == 403
    assert client.get("/availability/").status_code == 403


@pytest.fixture
def finder_setup(app):
    coordinator = factories.make_user(role="coordinator", name="Kari Koordinator")
    researcher = factories.make_user(role="researcher", name="Rolf Researcher")
    informant = factories.make_informant()
    for user in (coordinator, researcher):
        db.session.add(WorkingHours(user_id=user.id, weekday=2, starts=time(9), ends=time(11)))
    db.session.commit()
    return coordinator, researcher, informant


def finder_query(setup, **changes):
    coordinator, researcher, person = setup
    query = {"informant": [person.id], "interviewer": [coordinator.id, researcher.id],
             "need": "all", "duration": "60", "mode": "in-person", "first_day": "2026-12-07",
             "last_day": "2026-12-13", "grid": "30", "notice": "24", "find": "1"}
    query.update(changes)
    return query


@time_machine.travel(datetime(2026, 12, 5, 9, tzinfo=OSLO), tick=False)
def test_find_a_time_lists_free_times_by_day_and_offers_them(client, finder_setup):
    coordinator, researcher, informant = finder_setup
    factories.log_client_in(client, coordinator)
    informant_page = client.get(f"/informants/{informant.id}").get_data(as_text=True)
    assert f"/availability/find?informant={informant.id}" in informant_page
    assert "find-a-time" in client.get("/interviews/new").get_data(as_text=True)
    response = client.get("/availability/find", query_string=finder_query(finder_setup))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Wednesday 09.12.2026" in page and "3 free times" in page
    for slot in ("09:00–10:00", "09:30–10:30", "10:00–11:00"):
        assert slot in page
    # The offer form goes by GET to the offers page, with the choice in its query.
    assert 'action="/offers/new"' in page and 'method="get"' in page
    assert 'name="start" value="2026-12-09T08:00:00Z"' in page
    assert f'name="informant" value="{informant.id}"' in page
    assert 'name="mode" value="in-person"' in page and 'name="need" value="all"' in page
    # "Schedule at this time" opens the interview form filled in.
    link = next(part.split('"')[0] for part in page.split('href="')
                if part.startswith("/interviews/new?"))
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["start"] == ["2026-12-09T08:00:00Z"] and query["mode"] == ["in-person"]
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="09.12.2026"' in form and 'value="09:00"' in form
    assert f'<option selected value="{researcher.id}"' in form or \
        f'value="{researcher.id}" selected' in form


@time_machine.travel(datetime(2026, 12, 5, 9, tzinfo=OSLO), tick=False)
@pytest.mark.parametrize("changes, message", [
    ({"informant": []}, "Choose at least one informant"),
    ({"interviewer": []}, "Choose at least one interviewer"),
    ({"duration": "5"}, "between 10 and 480 minutes"),
    ({"last_day": "2026-12-01"}, "cannot be before the first"),
    ({"last_day": "2027-06-01"}, "at most 62 days"),
    ({"grid": "7"}, "Not a valid choice"),
    ({"need": "some"}, "Not a valid choice"),
    ({"first_day": "tomorrow"}, "Enter the date as day.month.year"),
])
def test_bad_finder_input_gets_a_message_and_422(client, finder_setup, changes, message):
    factories.log_client_in(client, finder_setup[0])
    response = client.get("/availability/find",
                          query_string=finder_query(finder_setup, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_finder_form_opens_prefilled_from_the_informant_page(client, finder_setup):
    coordinator, _, informant = finder_setup
    factories.log_client_in(client, coordinator)
    response = client.get(f"/availability/find?informant={informant.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'selected value="{informant.id}"' in page or f'value="{informant.id}" selected' in page
    assert 'id="results"' not in page


def test_the_interview_form_ignores_prefill_it_cannot_read(client, login_as):
    login_as("coordinator")
    response = client.get("/interviews/new?start=yesterday&duration=x&mode=boat&interviewer=-1")
    assert response.status_code == 200


def test_the_interviewer_sees_when_their_calendar_was_read_and_its_error(client, login_as):
    user = login_as("researcher")
    client.post(f"/availability/{user.id}/calendar", data={"kind": "ical", "url": SECRET_URL})
    row = db.session.scalar(select(BusyCalendar))
    row.checked_at = datetime(2026, 12, 1, 8, tzinfo=OSLO)
    row.error = "The calendar server answered with an error (500)."
    db.session.commit()
    page = client.get(f"/availability/{user.id}").get_data(as_text=True)
    assert "01.12.2026 08:00" in page and "answered with an error (500)" in page




def test_working_hours_saved_twice_at_once_end_as_one_of_the_two(app, login_as):
    from tests.support.concurrency import fire_at_once, statuses

    user = factories.make_user(role="researcher")
    weeks = [{**HOURS, "monday": "08:00-09:00"}, {**HOURS, "monday": "13:00-14:00, 15:00-16:00"}]
    outcomes = fire_at_once(
        app, [lambda client, week=week: client.post(f"/availability/{user.id}/hours", data=week)
              for week in weeks],
        prepare=lambda client, i: factories.log_client_in(client, user))
    assert statuses(outcomes) == [302, 302]
    db.session.expire_all()
    monday = sorted((r.starts, r.ends) for r in db.session.scalars(
        select(WorkingHours).where(WorkingHours.weekday == 0)))
    assert monday in ([(time(8), time(9))], [(time(13), time(14)), (time(15), time(16))])


@time_machine.travel(datetime(2026, 12, 5, 9, tzinfo=OSLO), tick=False)
def test_the_finder_opens_with_the_coordinator_and_the_next_two_weeks(client, login_as):
    user = login_as("coordinator")
    page = client.get("/availability/find").get_data(as_text=True)
    assert f'selected value="{user.id}"' in page or f'value="{user.id}" selected' in page
    assert 'value="06.12.2026"' in page and 'value="19.12.2026"' in page


def test_read_now_reads_the_calendar_and_the_page_says_so(client, login_as):
    from tests.availability.calendars import OTHERS, calendar
    from tests.support.calendar_host import CalendarHost

    user = login_as("researcher")
    host = CalendarHost()
    try:
        host.body = calendar(OTHERS).encode()
        client.post(f"/availability/{user.id}/calendar", data={"kind": "ical", "url": host.url})
        response = client.post(f"/availability/{user.id}/calendar/read", follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Calendar read." in page
        host.status = 404
        response = client.post(f"/availability/{user.id}/calendar/read", follow_redirects=True)
        page = response.get_data(as_text=True)
        assert "could not be read" in page and "no calendar at this address (404)" in page
    finally:
        host.stop()
