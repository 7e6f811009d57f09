"""After the interview through HTTP: forms, refusals beside the field, who may do what, what
analysts see, and the pipeline board's page; then the board in a real browser."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from fieldwork.extensions import db
from fieldwork.interviews import afterwards
from fieldwork.interviews import queries
from fieldwork.interviews.models import Interview, InterviewStatus, TranscriptStatus
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(autouse=True)
def consent_form(app):
    """The approved information letter and consent form that informants sign."""
    return factories.make_consent_form("nb")


def past_interview(coordinator, days_ago=2, *, name="Åse Øvrebø", consent=True):
    """An interview held `days_ago` days ago at 10:00 Oslo time."""
    informant = factories.make_informant(name=name)
    if consent:
        factories.give_consent(informant, by=coordinator)
    day = datetime.now(OSLO).date() - timedelta(days=days_ago)
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=OSLO)
    return factories.make_interview(by=coordinator, informants=[informant], start=start,
                                    now=start - timedelta(days=7))


def test_researcher_marks_an_interview_conducted(coordinator, client, login_as):
    researcher = login_as("researcher")
    interview = past_interview(coordinator)
    page = client.get(f"/interviews/{interview.id}/conduct")
    assert page.status_code == 200 and b'value="60"' in page.data
    day = interview.starts_at.astimezone(OSLO).date().isoformat()
    response = client.post(f"/interviews/{interview.id}/conduct", data={
        "actual_start_date": day, "actual_start_time": "10:05", "actual_duration_minutes": "0",
        "present_interviewer_ids": [str(coordinator.id)]})
    assert response.status_code == 422
    assert "between 1 and" in response.get_data(as_text=True)
    assert factories.reload(Interview, interview.id).status is InterviewStatus.INVITED
    response = client.post(f"/interviews/{interview.id}/conduct", data={
        "actual_start_date": day, "actual_start_time": "10:05", "actual_duration_minutes": "48",
        "present_interviewer_ids": [str(coordinator.id), str(researcher.id)]})
    assert response.status_code == 302
    db.session.rollback()  # read what the request committed
    interview = queries.get_interview_with_aftermath(interview.id)
    assert interview.status is InterviewStatus.CONDUCTED
    assert interview.actual_duration_minutes == 48
    assert {u.id for u in interview.present_interviewers} == {coordinator.id, researcher.id}


def test_without_consent_the_form_says_whose_is_missing(coordinator, client, login_as):
    login_as("researcher")
    interview = past_interview(coordinator, consent=False)
    day = interview.starts_at.astimezone(OSLO).date().isoformat()
    response = client.post(f"/interviews/{interview.id}/conduct", data={
        "actual_start_date": day, "actual_start_time": "10:00", "actual_duration_minutes": "60",
        "present_interviewer_ids": [str(coordinator.id)]})
    assert response.status_code == 422
    code = queries.get_interview_with_aftermath(interview.id).informants[0].code
    assert f"No participation consent under an approved form for: {code}." in \
        response.get_data(as_text=True)
    assert factories.reload(Interview, interview.id).status is InterviewStatus.INVITED


def test_notes_recording_and_transcript_from_the_interview_page(coordinator, client, login_as):
    login_as("researcher")
    interview = past_interview(coordinator)
    afterwards.mark_conducted(interview, by=coordinator)
    assert client.post(f"/interviews/{interview.id}/notes", data={
        "field_notes": "Met in **room 3**.<script>alert(1)</script>",
        "reflexive_memo": "I interrupted too often."}).status_code == 302
    assert client.post(f"/interviews/{interview.id}/recording", data={
        "recording_location": "TSD p123/audio/int-1", "recording_delete_by": ""}).status_code == 302
    assert client.post(f"/interviews/{interview.id}/transcript", data={
        "transcript_status": "in-progress", "note": "Sent to transcriber"}).status_code == 302
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "<strong>room 3</strong>" in page and "<script>alert" not in page
    assert "TSD p123/audio/int-1" in page and "Sent to transcriber" in page
    assert "Transcription in progress" in page
    assert client.post(f"/interviews/{interview.id}/recording/deleted").status_code == 302
    assert factories.reload(Interview, interview.id).recording_deleted_at is not None


def test_bad_recording_input_is_refused_beside_the_field(coordinator, client, login_as):
    login_as("researcher")
    interview = past_interview(coordinator)
    afterwards.mark_conducted(interview, by=coordinator)
    response = client.post(f"/interviews/{interview.id}/recording", data={
        "recording_location": "", "recording_delete_by": "2020-01-01"})
    assert response.status_code == 422
    assert "Where the recording is kept is required" in response.get_data(as_text=True)
    assert client.post(f"/interviews/{interview.id}/transcript",
                       data={"transcript_status": "finished"}).status_code == 400


def test_analysts_read_the_stage_but_not_notes_or_where_the_recording_is(coordinator, client,
                                                                        login_as):
    interview = past_interview(coordinator)
    afterwards.mark_conducted(interview, by=coordinator)
    afterwards.update_notes(interview, {"field_notes": "Åse talked about her boss",
                                        "reflexive_memo": "memo text"}, by=coordinator)
    afterwards.register_recording(interview, {"recording_location": "TSD secret folder"},
                                  by=coordinator)
    afterwards.set_transcript_status(interview, "transcribed", by=coordinator)
    login_as("analyst")
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Transcribed" in page
    for hidden in ("talked about her boss", "memo text", "TSD secret folder"):
        assert hidden not in page
    for url in ("conduct", "notes", "recording"):
        assert client.get(f"/interviews/{interview.id}/{url}").status_code == 403
    assert client.post(f"/interviews/{interview.id}/transcript",
                       data={"transcript_status": "coded"}).status_code == 403


def test_pipeline_page_costs_the_same_queries_with_more_interviews(coordinator, client, login_as,
                                                                   count_queries):
    login_as("analyst")

    def queries():
        with count_queries:
            response = client.get("/interviews/pipeline")
        assert response.status_code == 200
        return count_queries.count, response.get_data(as_text=True)

    past_interview(coordinator)
    few, page = queries()
    assert "Held? Not marked conducted or no-show" in page
    for n in range(6):
        done = past_interview(coordinator, days_ago=3 + n, name=f"Person {n}")
        afterwards.mark_conducted(done, by=coordinator)
        afterwards.set_transcript_status(done, "in-progress", by=coordinator)
    many, page = queries()
    assert few == many
    assert "Åse" not in page and "Person 1" not in page  # codes only on the board


def test_pipeline_board_in_a_browser(app, page, coordinator):
    """A researcher finds the overdue interview on the board, marks it conducted, moves its
    transcript on, and sees it arrive in the right column."""
    researcher = factories.make_user(role="researcher", name="Rolf Researcher")
    interview = past_interview(coordinator)
    code = queries.get_interview_with_aftermath(interview.id).informants[0].code

    page.goto("/login")
    page.get_by_label("Email address").fill(researcher.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Interviews").first.click()
    page.get_by_role("link", name="Pipeline").click()
    scheduled = page.locator('[data-stage="scheduled"]')
    expect(scheduled.locator(".card.is-overdue")).to_contain_text(code)
    expect(scheduled.locator(".overdue-count")).to_have_text("1 overdue")

    scheduled.get_by_role("link", name=code).click()
    page.get_by_role("link", name="Mark conducted").click()
    page.get_by_label("Duration (minutes)").fill("52")
    page.get_by_role("button", name="Mark conducted").click()
    expect(page.locator(".flash-success")).to_contain_text("Interview marked conducted")
    page.get_by_label("Transcript stage").select_option("in-progress")
    page.get_by_role("button", name="Save stage").click()
    expect(page.locator(".flash-success")).to_contain_text("Transcript stage saved")

    page.goto("/interviews/pipeline")
    expect(page.locator('[data-stage="scheduled"] .count')).to_have_text("0")
    in_progress = page.locator('[data-stage="in-progress"]')
    expect(in_progress.locator(".card")).to_contain_text(code)
    expect(in_progress.locator(".card.is-overdue")).to_have_count(0)
    assert factories.reload(Interview, interview.id).transcript_status is \
        TranscriptStatus.IN_PROGRESS
