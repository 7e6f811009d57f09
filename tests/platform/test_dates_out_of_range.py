"""Dates a study cannot mean (year 1, year 9999) get a message and change nothing, wherever they
are typed: they would otherwise overflow when turned into instants in the study's time zone."""

from datetime import date, time

import pytest

from fieldwork.errors import DomainError
from fieldwork.timeutil import local_to_utc
from tests import factories


def test_local_to_utc_refuses_an_instant_before_year_one_with_a_message(app):
    # 00:30 on 1 January of year 1 in Oslo (UTC+00:43 then) falls before any UTC datetime.
    with pytest.raises(DomainError, match="outside the dates"):
        local_to_utc(date(1, 1, 1), time(0, 30))


@pytest.mark.parametrize("url", [
    "/exports/interviews.csv?date_from=0001-01-01",
    "/exports/interviews.xlsx?date_to=9999-12-31",
    "/interviews/?when=all&date_to=9999-12-31",
    "/interviews/?when=all&date_from=0001-01-01",
    "/interviews/calendar?date=9999-12-31",
    "/interviews/calendar?date=0001-01-01",
])
def test_filters_with_impossible_dates_say_so(client, login_as, url):
    login_as("coordinator")
    response = client.get(url)
    assert response.status_code == 400
    assert "Enter a date between 1900 and 2199." in response.get_data(as_text=True)


def test_marking_conducted_on_year_one_is_a_form_error_and_changes_nothing(client, login_as):
    from datetime import datetime, timedelta, timezone

    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant()
    factories.make_consent_form("nb", by=coordinator)
    factories.give_consent(informant, by=coordinator)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=2)
    interview = factories.make_interview(by=coordinator, informants=[informant], start=start,
                                         now=start - timedelta(days=7))
    login_as("researcher")
    response = client.post(f"/interviews/{interview.id}/conduct", data={
        "actual_start_date": "0001-01-01", "actual_start_time": "00:30",
        "actual_duration_minutes": "60", "present_interviewer_ids": [str(coordinator.id)]})
    assert response.status_code == 422
    assert "Enter a date between 1900 and 2199." in response.get_data(as_text=True)
    from fieldwork.interviews.models import Interview, InterviewStatus

    assert factories.reload(Interview, interview.id).status is not InterviewStatus.CONDUCTED
