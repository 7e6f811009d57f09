"""Scheduling against an interviewer's availability (working hours, dates away, their own busy
times) is a warning the coordinator overrides with a reason, which goes to the audit log."""

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.availability.models import BusyPeriod, DateAway, WorkingHours
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.interviews import services as interviews
from fieldwork.interviews.models import Interview
from tests import factories
from tests.factories import OSLO, oslo

TUESDAY = date(2026, 3, 10)


@pytest.fixture
def team(app):
    coordinator = factories.make_user(role="coordinator", name="Kari Koordinator")
    researcher = factories.make_user(role="researcher", name="Rolf Researcher")
    db.session.add(WorkingHours(user_id=researcher.id, weekday=1, starts=time(9),
                                ends=time(12)))
    db.session.commit()
    return coordinator, researcher, factories.make_informant(), factories.published_version()


def values(team, start, availability_reason=None, **changes):
    _, researcher, informant, version = team
    data = factories.interview_values(informants=[informant], interviewers=[researcher],
                                      start=start, guide_version=version, **changes)
    return {**data, "availability_reason": availability_reason}


def schedule(team, start, now, **changes):
    return interviews.schedule_interview(values(team, start, **changes), by=team[0], now=now,
                                         send_invites=False)


def test_outside_working_hours_warns_and_a_reason_overrides(team, now):
    with pytest.raises(DomainError) as refused:
        schedule(team, oslo(2026, 3, 10, 14), now)
    assert refused.value.field == "availability_reason"
    assert "Rolf Researcher does not work then (Tuesdays 09:00–12:00)" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0
    interview = schedule(team, oslo(2026, 3, 10, 14), now,
                         availability_reason="Agreed with Rolf by phone")
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "interview.availability_override"))
    assert event.entity_id == str(interview.id)
    assert event.after == {"reason": "Agreed with Rolf by phone",
                           "conflicts": [{"user_id": team[1].id, "kind": "hours"}]}


def test_inside_working_hours_needs_no_reason(team, now):
    schedule(team, oslo(2026, 3, 10, 10), now)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "interview.availability_override")) == 0


def test_an_interviewer_without_working_hours_is_not_held_to_any(team, now):
    coordinator, _, informant, version = team
    data = factories.interview_values(informants=[informant], interviewers=[coordinator],
                                      start=oslo(2026, 3, 14, 20), guide_version=version)
    interviews.schedule_interview(data, by=coordinator, now=now, send_invites=False)


def test_working_hours_hold_in_summer_time_too(team, now):
    # 09:00 on Tuesday 31 March is 07:00 UTC, an hour earlier than in winter.
    schedule(team, oslo(2026, 3, 31, 9), now)
    with pytest.raises(DomainError, match="does not work then"):
        schedule(team, oslo(2026, 3, 31, 11, 30), now)


def test_a_day_away_warns(team, now):
    db.session.add(DateAway(user_id=team[1].id, first_day=TUESDAY, last_day=TUESDAY))
    db.session.commit()
    with pytest.raises(DomainError, match="Rolf Researcher is away that day"):
        schedule(team, oslo(2026, 3, 10, 10), now)


def test_busy_time_from_their_own_calendar_warns_with_the_travel_buffer_in_person(team, now):
    db.session.add(BusyPeriod(user_id=team[1].id, starts_at=oslo(2026, 3, 10, 9),
                              ends_at=oslo(2026, 3, 10, 10)))
    db.session.commit()
    with pytest.raises(DomainError, match=r"own calendar shows them busy 10\.03\.2026 09:00–10:00"):
        schedule(team, oslo(2026, 3, 10, 9, 30), now)
    db.session.rollback()
    schedule(team, oslo(2026, 3, 10, 10, 15), now)  # by video, straight after
    with pytest.raises(DomainError, match="30 minutes free around them for travel"):
        schedule(team, oslo(2026, 3, 10, 10, 15), now, mode="in-person", place="Room 1",
                 meeting_url="")


def test_an_edit_that_keeps_the_time_is_not_warned_again_but_a_move_is(team, now):
    interview = schedule(team, oslo(2026, 3, 10, 10), now)
    db.session.add(DateAway(user_id=team[1].id, first_day=TUESDAY, last_day=TUESDAY))
    db.session.commit()
    interviews.reschedule_interview(interview, values(team, oslo(2026, 3, 10, 10),
                                                      notes="Bring the consent form"),
                                    by=team[0], now=now)
    with pytest.raises(DomainError, match="away that day"):
        interviews.reschedule_interview(interview, values(team, oslo(2026, 3, 10, 11)),
                                        by=team[0], now=now)


def test_the_form_shows_the_warning_beside_the_reason_and_saves_with_one(team, client):
    coordinator, researcher, informant, version = team
    factories.log_client_in(client, coordinator)
    start = datetime(2027, 3, 9, 14, tzinfo=OSLO)  # a Tuesday, ahead of the real clock
    data = {"informant_ids": [str(informant.id)], "interviewer_ids": [str(researcher.id)],
            "start_date": start.date().isoformat(), "start_time": "14:00",
            "duration_minutes": "60", "mode": "video", "place": "",
            "meeting_url": "https://meet.example.org/room-9",
            "guide_version_id": str(version.id), "language": "", "notes": ""}
    response = client.post("/interviews/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Reason for scheduling anyway" in page and "does not work then" in page
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0
    response = client.post("/interviews/new",
                           data={**data, "availability_reason": "Evening suits everyone"})
    assert response.status_code == 302
    assert db.session.scalar(select(AuditEvent.after).where(
        AuditEvent.action == "interview.availability_override"))["reason"] == \
        "Evening suits everyone"
