"""The calendar pages: the week as a time grid in the study's time zone (daylight-saving days
included), the month with "+N more", and a fixed number of queries whatever the data."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from fieldwork.interviews import services
from tests import factories
from tests.support.tables import table_grid

OSLO = ZoneInfo("Europe/Oslo")
LONG_AGO = datetime(2025, 12, 1, tzinfo=timezone.utc)  # `now` when scheduling on past dates


class Scheduled:
    def __init__(self, interview, code):
        self.interview, self.id, self.code = interview, interview.id, code

    def __eq__(self, other):
        return self.id == other.id


def schedule(coordinator, day, hour, minute=0, *, duration=60, **values):
    """An interview at a local time, with its own informant and interviewer so that it may
    overlap others; with the informant's code, by which the page shows it."""
    informant = factories.make_informant()
    code = informant.code
    return Scheduled(factories.make_interview(
        informants=[informant],
        interviewers=[factories.make_user(role="coordinator")],
        start=datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO),
        duration=duration, by=coordinator, now=LONG_AGO, send_invites=False, **values), code)


def week_page(client, day, **args):
    response = client.get("/interviews/calendar", query_string={"view": "week",
                                                                "date": day.isoformat(), **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def placed(html, interview):
    """Where the grid shows an interview: the day heading over it, the time of its first row,
    how many rows and which columns it covers."""
    grid = table_grid(html, "timegrid")
    positions = [(r, c) for r, row in enumerate(grid) for c, cell in enumerate(row)
                 if cell and cell["tag"] == "td" and "interview" in cell["class"]
                 and interview.code in cell["text"]]
    assert positions, "the interview is not in the grid"
    rows = sorted({r for r, _ in positions})
    columns = sorted({c for _, c in positions})
    assert rows == list(range(rows[0], rows[-1] + 1))
    return {"day": " ".join(grid[0][columns[0]]["text"].split()),
            "at": grid[rows[0]][0]["text"].strip(), "rows": len(rows), "columns": columns,
            "until": grid[rows[-1] + 1][0]["text"].strip() if rows[-1] + 1 < len(grid) else "24:00"}


def time_labels(html):
    return [row[0]["text"].strip() for row in table_grid(html, "timegrid")[1:]]


def test_an_interview_sits_at_its_start_time_as_long_as_it_lasts(client, coordinator):
    day = date(2026, 11, 17)  # a Tuesday
    interview = schedule(coordinator, day, 10, 30, duration=90)
    factories.log_client_in(client, coordinator)
    html = week_page(client, day)
    assert placed(html, interview) | {"columns": None} == {
        "day": "Tuesday 17.11", "at": "10:30", "rows": 6, "until": "12:00", "columns": None}
    labels = time_labels(html)  # a quiet week: the working day, in quarter hours
    assert labels[0] == "07:00" and labels[-1] == "18:45" and len(labels) == 48
    cell = html.split(interview.code)[0].rsplit("<td", 1)[1]
    assert f'href="/interviews/{interview.id}"' in cell and "10:30–12:00" in cell


@pytest.mark.parametrize("sunday", [date(2026, 10, 25), date(2027, 10, 31)])
def test_the_day_the_clocks_go_back_has_25_hours(client, coordinator, sunday):
    # 01:30 summer time for two hours ends at 02:30 winter time: eight quarter hours, passing
    # 02:00-03:00 twice. The 24-hour arithmetic would end it at 03:30.
    long_one = schedule(coordinator, sunday, 1, 30, duration=120)
    after = schedule(coordinator, sunday, 3, 0, duration=60)
    factories.log_client_in(client, coordinator)
    html = week_page(client, sunday)
    labels = time_labels(html)
    assert labels[:4] == ["01:00", "01:15", "01:30", "01:45"]  # the night, as it has interviews
    assert labels.count("02:00 CEST") == 1 and labels.count("02:00 CET") == 1
    assert labels.index("03:00") - labels.index("02:00 CEST") == 8
    assert placed(html, long_one)["at"] == "01:30"
    assert placed(html, long_one)["rows"] == 8 and placed(html, long_one)["until"] == "02:30 CET"
    assert "01:30–02:30 CET" in html
    assert placed(html, after)["at"] == "03:00" and placed(html, after)["rows"] == 4
    # The repeated hour happens on the Sunday only: the other days show it as no time at all.
    grid = table_grid(html, "timegrid")
    monday_at_second_two = grid[1 + labels.index("02:00 CET")][1]
    assert "no-time" in monday_at_second_two["class"]


@pytest.mark.parametrize("sunday", [date(2026, 3, 29), date(2027, 3, 28)])
def test_the_day_the_clocks_go_forward_has_23_hours(client, coordinator, sunday):
    # 01:30 winter time for one hour ends at 03:30 summer time: 02:00-03:00 does not exist.
    across = schedule(coordinator, sunday, 1, 30, duration=60)
    at_three = schedule(coordinator, sunday, 3, 0, duration=30)
    factories.log_client_in(client, coordinator)
    html = week_page(client, sunday)
    labels = time_labels(html)
    assert labels.count("02:00") == 1  # the other days have their 02:00 hour
    assert placed(html, across)["at"] == "01:30" and placed(html, across)["until"] == "03:30"
    assert placed(html, at_three)["at"] == "03:00" and placed(html, at_three)["rows"] == 2
    grid = table_grid(html, "timegrid")
    at_two = grid[1 + labels.index("02:00")]
    assert "no-time" not in at_two[1]["class"]  # Monday has 02:00
    # On Sunday the interview reaches across the hour that does not exist; beside it that hour
    # is marked as no time.
    (across_column,) = placed(html, across)["columns"]
    (beside,) = placed(html, at_three)["columns"]
    assert at_two[across_column] is grid[1 + labels.index("01:30")][across_column]
    assert "no-time" in at_two[beside]["class"] and at_two[beside]["rowspan"] == 4


def test_interviews_at_the_same_time_stand_side_by_side(client, coordinator):
    day = date(2026, 11, 18)
    first = schedule(coordinator, day, 10, 0)
    second = schedule(coordinator, day, 10, 30)
    alone = schedule(coordinator, day, 14, 0)
    factories.log_client_in(client, coordinator)
    html = week_page(client, day)
    a, b, c = placed(html, first), placed(html, second), placed(html, alone)
    assert a["at"] == "10:00" and b["at"] == "10:30" and a["rows"] == b["rows"] == 4
    assert set(a["columns"]).isdisjoint(b["columns"]) and len(a["columns"]) == 1
    # With no other interview at its time one takes the whole width of its day.
    assert c["columns"] == sorted(a["columns"] + b["columns"])


def test_cancelled_interviews_stay_in_the_calendar_marked_as_cancelled(client, coordinator):
    day = date(2026, 11, 19)
    interview = schedule(coordinator, day, 9)
    services.cancel_interview(interview.interview, by=coordinator, now=LONG_AGO)
    factories.log_client_in(client, coordinator)
    html = week_page(client, day)
    assert placed(html, interview)["at"] == "09:00"
    cell = html.split(interview.code)[0].rsplit("<td", 1)[1]
    assert "status-cancelled" in cell and "(Cancelled)" in html.split(interview.code)[1][:200]
    month = client.get(f"/interviews/calendar?view=month&date={day.isoformat()}")
    assert interview.code in month.get_data(as_text=True)


def test_a_busy_day_in_the_month_shows_three_and_links_to_all(client, coordinator):
    day = date(2026, 11, 20)
    interviews = [schedule(coordinator, day, hour) for hour in (8, 10, 12, 14, 16)]
    factories.log_client_in(client, coordinator)
    html = client.get(f"/interviews/calendar?view=month&date={day.isoformat()}").get_data(
        as_text=True)
    cell = html.split('<span class="date">20.')[1].split("</td>")[0]
    shown = [i for i in interviews if f'href="/interviews/{i.id}"' in cell]
    assert shown == interviews[:3]
    assert "+2 more" in cell
    link = cell.split('class="more" href="')[1].split('"')[0].replace("&amp;", "&")
    listed = client.get(link).get_data(as_text=True)
    for interview in interviews:
        assert f'href="/interviews/{interview.id}"' in listed
    other_day = schedule(coordinator, day + timedelta(days=1), 10)
    assert f'href="/interviews/{other_day.id}"' not in client.get(link).get_data(as_text=True)


def test_a_busy_hour_in_the_week_names_the_rest_in_the_days_heading(client, coordinator):
    day = date(2026, 11, 20)
    interviews = [schedule(coordinator, day, 10, minute) for minute in (0, 10, 20)]
    factories.log_client_in(client, coordinator)
    html = week_page(client, day)
    for interview in interviews[:2]:
        assert placed(html, interview)["day"].startswith("Friday 20.11")
    assert interviews[2].code not in html.split("</table>")[0]
    heading = table_grid(html, "timegrid")[0][placed(html, interviews[0])["columns"][0]]
    assert "+1 more" in heading["text"]


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_calendar_runs_as_many_queries_for_many_interviews_as_for_one(client, coordinator,
                                                                          count_queries, view):
    day = date(2026, 11, 16)
    schedule(coordinator, day, 9)
    factories.log_client_in(client, coordinator)
    url = f"/interviews/calendar?view={view}&date={day.isoformat()}"
    with count_queries as few:
        assert client.get(url).status_code == 200
    for offset, hour in [(0, 9), (0, 10), (0, 11), (0, 13), (1, 9), (2, 12), (3, 10), (4, 15),
                         (5, 8), (6, 9)]:
        schedule(coordinator, day + timedelta(days=offset), hour, 15)
    with count_queries as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count('href="/interviews/') - html.count('href="/interviews/?') >= 11 or view == "month"
    assert many.count == few.count


@pytest.mark.parametrize("view", ["week", "month"])
def test_one_interviewers_calendar_shows_and_counts_only_their_interviews(client, coordinator,
                                                                          view):
    day = date(2026, 11, 24)
    kari = factories.make_user(role="coordinator")
    theirs = [factories.make_interview(
        informants=[factories.make_informant()], interviewers=[kari], by=coordinator,
        start=datetime(2026, 11, 24, hour, tzinfo=OSLO), now=LONG_AGO, send_invites=False)
        for hour in (8, 10, 12, 14)]
    others = [schedule(coordinator, day, hour) for hour in (9, 11)]
    factories.log_client_in(client, coordinator)
    html = client.get("/interviews/calendar", query_string={
        "view": view, "date": day.isoformat(), "interviewer": kari.id}).get_data(as_text=True)
    for other in others:
        assert f'href="/interviews/{other.id}"' not in html
    assert f'href="/interviews/{theirs[0].id}"' in html
    if view == "month":
        assert "+1 more" in html  # four of Kari's that day, three shown
    else:
        assert "more" not in html.split("</thead>")[0]
