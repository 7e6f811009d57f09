"""The interview pages, the .ics download and the calendar subscription, through HTTP."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import func, select, update

from fieldwork.audit.models import AuditEvent
from fieldwork.extensions import db
from fieldwork.interviews.models import Interview, InterviewStatus
from fieldwork.outbox.models import OutboxMessage, OutboxStatus
from tests import factories
from tests.support.tables import table_grid

OSLO = ZoneInfo("Europe/Oslo")


def next_week(hour=10):
    day = datetime.now(OSLO).date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)


def form_data(informant, interviewer, start=None, **changes):
    start = start or next_week()
    data = {"informant_ids": [str(informant.id)], "interviewer_ids": [str(interviewer.id)],
            "start_date": start.date().isoformat(), "start_time": start.strftime("%H:%M"),
            "duration_minutes": "60", "mode": "video", "place": "",
            "meeting_url": "https://meet.example.org/room-9",
            "guide_version_id": str(factories.published_version().id), "language": "nb",
            "notes": "", "send_invites": "y"}
    data.update(changes)
    return data


def test_a_coordinator_schedules_an_interview_and_sees_its_invitations(client, coordinator,
                                                                       informant):
    factories.log_client_in(client, coordinator)
    assert client.get(f"/interviews/new?informant={informant.id}").status_code == 200
    response = client.post("/interviews/new", data=form_data(informant, coordinator))
    assert response.status_code == 302
    interview = db.session.scalar(select(Interview))
    assert response.headers["Location"].endswith(f"/interviews/{interview.id}")
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "ase@example.org" in page and "Invitation" in page and "REQUEST" in page
    assert interview.status is InterviewStatus.INVITED


def test_refused_input_is_shown_beside_the_field_with_422(client, coordinator, informant):
    factories.log_client_in(client, coordinator)
    past = datetime.now(OSLO) - timedelta(days=1)
    response = client.post("/interviews/new", data=form_data(informant, coordinator, start=past))
    assert response.status_code == 422
    assert "cannot start in the past" in response.get_data(as_text=True)
    response = client.post("/interviews/new", data=form_data(informant, coordinator,
                                                             start_date="not a date"))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_dates_and_times_are_typed_day_first_on_the_24_hour_clock(client, coordinator, informant):
    """The fields take what the pages write (09.12.2026, 14:30), whatever the browser's locale."""
    factories.log_client_in(client, coordinator)
    start = next_week(hour=14).replace(minute=30)
    response = client.post("/interviews/new", data=form_data(
        informant, coordinator, start_date=f" {start.day}.{start.month}.{start.year} ",
        start_time="14.30"))
    assert response.status_code == 302
    interview = db.session.scalar(select(Interview))
    assert interview.starts_at.replace(tzinfo=timezone.utc) == start.astimezone(timezone.utc)
    form = client.get(f"/interviews/{interview.id}/edit").get_data(as_text=True)
    assert f'value="{start:%d.%m.%Y}"' in form and 'value="14:30"' in form
    assert "dd.mm.yyyy" in form and 'aria-describedby="start_date-format"' in form


@pytest.mark.parametrize("field, typed, message", [
    ("start_date", "12/09/2026", "Enter the date as day.month.year, for example 09.12.2026."),
    ("start_date", "31.02.2026", "Enter the date as day.month.year"),
    ("start_time", "2:30 PM", "Enter the time as hours:minutes on the 24-hour clock"),
    ("start_time", "25:00", "Enter the time as hours:minutes on the 24-hour clock"),
])
def test_a_date_or_time_in_another_shape_is_refused_and_kept_for_correcting(
        client, coordinator, informant, field, typed, message):
    factories.log_client_in(client, coordinator)
    response = client.post("/interviews/new", data=form_data(informant, coordinator,
                                                             **{field: typed}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert f'value="{typed}"' in page
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0


def test_rescheduling_and_cancelling_through_the_pages(client, coordinator, informant):
    interview = factories.make_interview(informants=[informant], by=coordinator)
    factories.log_client_in(client, coordinator)
    assert client.get(f"/interviews/{interview.id}/edit").status_code == 200
    moved = next_week(14)
    data = form_data(informant, coordinator, start=moved,
                     guide_version_id=str(interview.guide_version_id))
    assert client.post(f"/interviews/{interview.id}/edit", data=data).status_code == 302
    assert factories.reload(Interview, interview.id).sequence == 1
    assert client.get(f"/interviews/{interview.id}/cancel").status_code == 200
    assert client.post(f"/interviews/{interview.id}/cancel").status_code == 302
    interview = factories.reload(Interview, interview.id)
    assert interview.status is InterviewStatus.CANCELLED and interview.sequence == 2
    assert client.get(f"/interviews/{interview.id}/edit").status_code == 409


def test_analysts_see_codes_and_no_contact_details(client, coordinator, informant):
    interview = factories.make_interview(informants=[informant], by=coordinator,
                                         notes="Åse prefers mornings")
    factories.log_client_in(client, factories.make_user(role="analyst"))
    for url in ("/interviews/", f"/interviews/{interview.id}", "/interviews/calendar?date="
                + interview.starts_at.astimezone(OSLO).date().isoformat()):
        page = client.get(url).get_data(as_text=True)
        assert informant.code in page, url
        assert "Øvrebø" not in page and "ase@example.org" not in page and "mornings" not in page
    assert client.get(f"/interviews/{interview.id}/interview.ics").status_code == 403


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_calendar_shows_an_interview_on_its_local_day(client, coordinator, informant, view):
    # 00:30 in Oslo is the day before in UTC: the page must file it under the Oslo date.
    start = next_week(0).replace(minute=30)
    interview = factories.make_interview(informants=[informant], by=coordinator, start=start)
    factories.log_client_in(client, coordinator)
    page = client.get(f"/interviews/calendar?view={view}&date={start.date().isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    if view == "month":
        cell = html.split(f'<span class="date">{start.day}.')[1].split("</td>")[0]
        assert f"/interviews/{interview.id}" in cell and "00:30" in cell
    else:
        grid = table_grid(html, "timegrid")
        (row, column), = [(r, c) for r, cells in enumerate(grid) for c, cell in enumerate(cells)
                          if cell and
                          informant.code in cell["text"] and cell["tag"] == "td"][:1]
        assert grid[row][0]["text"].strip() == "00:30"
        assert start.strftime("%d.%m") in grid[0][column]["text"]
    assert client.get("/interviews/calendar?date=31.02.2026").status_code == 400


def test_the_printable_guide_carries_the_date_and_code_never_the_name(client, coordinator,
                                                                      informant):
    interview = factories.make_interview(informants=[informant], by=coordinator)
    factories.log_client_in(client, coordinator)
    page = client.get(f"/interviews/{interview.id}/guide").get_data(as_text=True)
    assert informant.code in page
    assert interview.starts_at.astimezone(OSLO).strftime("%d.%m.%Y") in page
    assert "Øvrebø" not in page


def test_the_ics_download_holds_the_event(client, coordinator, informant):
    interview = factories.make_interview(informants=[informant], by=coordinator)
    factories.log_client_in(client, coordinator)
    response = client.get(f"/interviews/{interview.id}/interview.ics")
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == interview.uid
    assert event.decoded("DTSTART") == interview.starts_at.astimezone(timezone.utc)


def _feed_path(page):
    url = page.get_data(as_text=True).split('<code class="secret">')[1].split("</code>")[0]
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_calendar_feed_shows_codes_and_stops_when_revoked(app, client, coordinator,
                                                              informant):
    from tests.support.ical_parsers import parse_with_all

    interview = factories.make_interview(informants=[informant], by=coordinator)
    factories.log_client_in(client, coordinator)
    path = _feed_path(client.post("/interviews/subscription", data={"action": "reset"}))
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert informant.code in body and interview.uid in body
    for secret in ("Øvrebø", "ase@example.org", coordinator.email, "ATTENDEE", "ORGANIZER"):
        assert secret not in body
    assert "X-WR-CALNAME" in body and "REFRESH-INTERVAL" in body
    for reading in parse_with_all(response.data):
        assert not reading["errors"], reading["parser"]
        (event,) = reading["events"]
        assert event["uid"] == interview.uid and event["attendees"] == []
        assert event["start"] == interview.starts_at.strftime("%Y%m%dT%H%M%SZ")
        assert informant.code in event["summary"]
    # A new link revokes the old one at once; stopping the subscription revokes the new one.
    newer = _feed_path(client.post("/interviews/subscription", data={"action": "reset"}))
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(newer).status_code == 200
    client.post("/interviews/subscription", data={"action": "revoke"})
    assert anonymous.get(newer).status_code == 404
    assert anonymous.get("/calendar/" + "x" * 43 + ".ics").status_code == 404


# Buttons on the interview page


def _failed_invitation(app, smtp_server, coordinator, informant):
    """An interview one of whose invitations the mail server refused for good."""
    app.config["MAIL_URL"] = smtp_server.url
    interview = factories.make_interview(informants=[informant], by=coordinator)
    smtp_server.reply_next("RCPT", "550 5.1.1 Mailbox unavailable")
    from fieldwork.outbox.services import dispatch_pending

    dispatch_pending()
    [failed] = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.FAILED)).all()
    return interview, failed


def test_retry_sends_a_failed_email_again_and_is_audited(app, client, smtp_server, coordinator,
                                                         informant):
    interview, failed = _failed_invitation(app, smtp_server, coordinator, informant)
    factories.log_client_in(client, coordinator)
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert f"/messages/{failed.id}/retry" in page
    delivered_before = len(smtp_server.messages)

    response = client.post(f"/interviews/{interview.id}/messages/{failed.id}/retry")
    assert response.status_code == 302
    factories.wait_for_delivery()  # delivery follows the commit
    row = factories.reload(OutboxMessage, failed.id)
    assert row.status is OutboxStatus.SENT
    assert smtp_server.message_ids()[delivered_before:] == [row.message_id]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).one()
    assert (event.actor_id, event.entity_id) == (coordinator.id, str(failed.id))
    assert "will be sent again" in client.get(f"/interviews/{interview.id}").get_data(as_text=True)


def test_retry_of_a_message_that_has_not_failed_is_refused_with_the_page(app, client, smtp_server,
                                                                         coordinator, informant):
    interview, failed = _failed_invitation(app, smtp_server, coordinator, informant)
    factories.log_client_in(client, coordinator)
    client.post(f"/interviews/{interview.id}/messages/{failed.id}/retry")
    factories.wait_for_delivery()
    response = client.post(f"/interviews/{interview.id}/messages/{failed.id}/retry")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Only a failed message can be retried." in page and informant.code in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "outbox.retry")) == 1
    other = factories.make_interview(by=coordinator, start=next_week(15))
    assert client.post(f"/interviews/{other.id}/messages/{failed.id}/retry").status_code == 404


def test_an_action_refused_in_this_state_shows_the_interview_page_with_409(client, coordinator,
                                                                         informant):
    interview = factories.make_interview(informants=[informant], by=coordinator)
    factories.log_client_in(client, coordinator)
    response = client.post(f"/interviews/{interview.id}/invite")  # invited already
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "have been sent already" in page and informant.code in page
    assert factories.reload(Interview, interview.id).status is InterviewStatus.INVITED


def test_the_edit_page_of_a_cancelled_interview_shows_the_interview_and_why(client, coordinator,
                                                                           informant):
    interview = factories.make_interview(informants=[informant], by=coordinator)
    factories.log_client_in(client, coordinator)
    assert client.post(f"/interviews/{interview.id}/cancel").status_code == 302
    for method in (client.get, client.post):  # Back after cancelling, then Save
        response = method(f"/interviews/{interview.id}/edit")
        assert response.status_code == 409
        page = response.get_data(as_text=True)
        assert "A cancelled interview cannot be changed." in page and informant.code in page
    assert factories.reload(Interview, interview.id).status is InterviewStatus.CANCELLED


def test_no_show_is_offered_only_once_the_interview_has_started(client, coordinator, informant):
    interview = factories.make_interview(informants=[informant], by=coordinator)
    factories.log_client_in(client, coordinator)
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Mark no-show" not in page and "Mark confirmed" in page
    response = client.post(f"/interviews/{interview.id}/no-show")
    assert response.status_code == 409 and "only once it has started" in response.get_data(as_text=True)

    started = factories.make_interview(informants=[factories.make_informant()], by=coordinator,
                                       start=next_week(15))
    db.session.execute(update(Interview).where(Interview.id == started.id).values(
        starts_at=datetime.now(timezone.utc) - timedelta(minutes=5),
        ends_at=datetime.now(timezone.utc) + timedelta(minutes=55)))
    db.session.commit()
    assert "Mark no-show" in client.get(f"/interviews/{started.id}").get_data(as_text=True)
