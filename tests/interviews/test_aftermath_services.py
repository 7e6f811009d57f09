"""After the interview: marking it conducted, notes and memo, the recording and the transcript's
stages, called without HTTP; then the pipeline board's columns, marks and query count."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.errors import DomainError, NotAllowed
from fieldwork.extensions import db
from fieldwork.interviews import afterwards, pipeline, services
from fieldwork.interviews import queries
from fieldwork.interviews.models import (Interview, InterviewStatus, TranscriptStatus,
                                         TranscriptStatusChange)
from fieldwork.markup import render_markdown
from tests import factories
from tests.factories import NOW, OSLO

# Scheduling happens a week before the interview; everything after it is recorded at AFTER.
BEFORE = NOW
START = datetime(2026, 3, 9, 10, 0, tzinfo=OSLO)
AFTER = datetime(2026, 3, 9, 14, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def consent_form(app):
    """The approved information letter and consent form that informants sign."""
    return factories.make_consent_form("nb")


def consenting(by, **items):
    """A new informant who has consented (to everything unless `items` says otherwise)."""
    informant = factories.make_informant()
    factories.give_consent(informant, items, by=by, now=BEFORE)
    return informant


def held(coordinator, researcher=None, start=START, **values):
    """An interview scheduled before BEFORE that has taken place by AFTER, with an informant who
    has consented to everything (unless `informants` are given)."""
    values.setdefault("informants", [consenting(coordinator)])
    return factories.make_interview(by=coordinator, interviewers=[researcher or coordinator],
                                    start=start, now=BEFORE, **values)


def conducted(coordinator, researcher, **values):
    interview = held(coordinator, researcher, **values)
    return afterwards.mark_conducted(interview, by=researcher, now=AFTER)


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


# Marking conducted


def test_mark_conducted_records_actual_start_duration_and_who_was_there(coordinator, researcher):
    """The form's values are kept; the audit event has what changed, by whom."""
    interview = held(coordinator, researcher)
    afterwards.mark_conducted(interview, {
        "actual_start_date": date(2026, 3, 9), "actual_start_time": time(10, 10),
        "actual_duration_minutes": 75, "present_interviewer_ids": [researcher.id, coordinator.id],
    }, by=researcher, now=AFTER)
    interview = factories.reload(Interview, interview.id)
    interview = queries.get_interview_with_aftermath(interview.id)
    assert interview.status is InterviewStatus.CONDUCTED
    assert interview.actual_started_at == datetime(2026, 3, 9, 9, 10, tzinfo=timezone.utc)
    assert interview.actual_duration_minutes == 75
    assert {u.id for u in interview.present_interviewers} == {researcher.id, coordinator.id}
    assert interview.conducted_at == AFTER
    [event] = events("interview.conduct")
    assert event.actor_id == researcher.id
    assert event.before["status"] == "invited" and event.after["status"] == "conducted"
    assert event.after["actual_duration_minutes"] == 75


def test_mark_conducted_without_values_takes_the_schedule_as_what_happened(coordinator, researcher):
    """The consent branch's plain `mark_conducted(interview, by=, now=)` call works too."""
    interview = conducted(coordinator, researcher)
    interview = queries.get_interview_with_aftermath(interview.id)
    assert interview.actual_started_at == START.astimezone(timezone.utc)
    assert interview.actual_duration_minutes == 60
    assert [u.id for u in interview.present_interviewers] == [researcher.id]


def test_informants_still_being_recruited_become_interviewed(coordinator, researcher):
    from fieldwork.informants.models import Informant, RecruitmentStatus

    agreed, contacted = consenting(coordinator), consenting(coordinator)
    factories.reload(Informant, contacted.id).status = RecruitmentStatus.CONTACTED
    db.session.commit()
    conducted(coordinator, researcher, informants=[agreed, contacted])
    for informant in (agreed, contacted):
        assert factories.reload(Informant, informant.id).status is RecruitmentStatus.INTERVIEWED
    changes = [e for e in events("informant.update") if e.after.get("status") == "interviewed"]
    assert len(changes) == 2 and {e.actor_id for e in changes} == {researcher.id}


def test_correcting_a_conducted_interview_logs_only_the_change(coordinator, researcher):
    interview = conducted(coordinator, researcher)
    afterwards.mark_conducted(interview, {"actual_start_date": date(2026, 3, 9),
                                          "actual_start_time": time(10, 0),
                                          "actual_duration_minutes": 50,
                                          "present_interviewer_ids": [researcher.id]},
                              by=researcher, now=AFTER + timedelta(hours=1))
    first, second = events("interview.conduct")
    assert second.before == {"actual_duration_minutes": 60}
    assert second.after == {"actual_duration_minutes": 50}
    assert factories.reload(Interview, interview.id).conducted_at == AFTER


@pytest.mark.parametrize("values, field", [
    ({"actual_start_date": date(2026, 3, 9), "actual_start_time": time(18, 0)},
     "actual_start_date"),                                        # after AFTER: in the future
    ({"actual_duration_minutes": 0}, "actual_duration_minutes"),
    ({"actual_duration_minutes": "long"}, "actual_duration_minutes"),
    ({"actual_duration_minutes": 9 * 60}, "actual_duration_minutes"),
    ({"present_interviewer_ids": []}, "present_interviewer_ids"),
    ({"actual_start_date": date(2026, 3, 29), "actual_start_time": time(2, 30)},
     "actual_start_time"),                                        # skipped by summer time
])
def test_mark_conducted_refuses_bad_input_and_changes_nothing(coordinator, researcher, values,
                                                              field):
    interview = held(coordinator, researcher)
    now = datetime(2026, 3, 30, 12, 0, tzinfo=timezone.utc) if "actual_start_time" in values \
        and values["actual_start_time"] == time(2, 30) else AFTER
    with pytest.raises(DomainError) as caught:
        afterwards.mark_conducted(interview, values, by=researcher, now=now)
    assert caught.value.field == field
    assert factories.reload(Interview, interview.id).status is InterviewStatus.INVITED
    assert events("interview.conduct") == []


def test_an_analyst_cannot_be_recorded_as_present(coordinator, researcher):
    analyst = factories.make_user(role="analyst")
    interview = held(coordinator, researcher)
    with pytest.raises(DomainError) as caught:
        afterwards.mark_conducted(interview, {"present_interviewer_ids": [analyst.id]},
                                  by=researcher, now=AFTER)
    assert caught.value.field == "present_interviewer_ids"


def test_only_a_started_open_interview_can_be_marked_conducted(coordinator, researcher):
    interview = held(coordinator, researcher)
    with pytest.raises(NotAllowed, match="once it has started"):
        afterwards.mark_conducted(interview, by=researcher, now=BEFORE)
    services.cancel_interview(interview, by=coordinator, now=BEFORE)
    with pytest.raises(NotAllowed, match="cancelled"):
        afterwards.mark_conducted(interview, by=researcher, now=AFTER)


def test_mark_conducted_needs_everyones_participation_consent(coordinator, researcher):
    """The consent gate: the refusal names the pseudonym code of who lacks it, never a name."""
    unasked = factories.make_informant(name="Åse Øvrebø")
    interview = held(coordinator, researcher, informants=[consenting(coordinator), unasked])
    with pytest.raises(DomainError) as caught:
        afterwards.mark_conducted(interview, by=researcher, now=AFTER)
    assert unasked.code in caught.value.message and "Åse" not in caught.value.message
    assert factories.reload(Interview, interview.id).status is InterviewStatus.INVITED
    assert events("interview.conduct") == []
    factories.give_consent(unasked, by=coordinator, now=AFTER)
    afterwards.mark_conducted(interview, by=researcher, now=AFTER)
    assert factories.reload(Interview, interview.id).status is InterviewStatus.CONDUCTED


def test_actual_start_on_the_autumn_change_day_is_stored_in_utc(coordinator, researcher):
    """25.10.2026 has 25 hours in Oslo: 12:00 that day is 11:00 UTC (winter time again)."""
    start = datetime(2026, 10, 25, 9, 0, tzinfo=OSLO)
    interview = factories.make_interview(by=coordinator, interviewers=[researcher], start=start,
                                         informants=[consenting(coordinator)],
                                         now=datetime(2026, 10, 20, tzinfo=timezone.utc))
    afterwards.mark_conducted(interview, {"actual_start_date": date(2026, 10, 25),
                                          "actual_start_time": time(12, 0)},
                              by=researcher, now=datetime(2026, 10, 25, 15, tzinfo=timezone.utc))
    assert factories.reload(Interview, interview.id).actual_started_at == \
        datetime(2026, 10, 25, 11, 0, tzinfo=timezone.utc)


# Notes and memo


def test_notes_and_memo_are_saved_audited_and_render_without_script(coordinator, researcher):
    interview = conducted(coordinator, researcher)
    afterwards.update_notes(interview, {
        "field_notes": "## Setting\n- Quiet office\n<script>alert(1)</script>",
        "reflexive_memo": "[link](javascript:alert(1)) I *led* too much."}, by=researcher, now=AFTER)
    interview = factories.reload(Interview, interview.id)
    html = str(render_markdown(interview.field_notes)) + str(render_markdown(interview.reflexive_memo))
    assert "<h2>Setting</h2>" in html and "<em>led</em>" in html
    assert "<script>" not in html and "href=\"javascript" not in html
    [event] = events("interview.notes")
    assert event.after["field_notes"].startswith("## Setting")


def test_notes_need_a_conducted_interview(coordinator, researcher):
    interview = held(coordinator, researcher)
    with pytest.raises(NotAllowed):
        afterwards.update_notes(interview, {"field_notes": "x"}, by=researcher, now=AFTER)


# The recording


def test_register_recording_defaults_the_deadline_from_the_retention_period(app, coordinator,
                                                                           researcher):
    app.config["RECORDING_RETENTION_DAYS"] = 30
    interview = conducted(coordinator, researcher)
    afterwards.register_recording(interview, {"recording_location": "TSD project p123/audio"},
                                  by=researcher, now=AFTER)
    interview = factories.reload(Interview, interview.id)
    assert interview.recording_location == "TSD project p123/audio"
    assert interview.recording_delete_by == date(2026, 4, 8)
    assert interview.recording_registered_by_id == researcher.id
    assert interview.has_recording
    [event] = events("interview.recording")
    assert event.after == {"recording_location": "TSD project p123/audio",
                           "recording_delete_by": "2026-04-08"}


def test_a_recording_needs_everyones_recording_consent(coordinator, researcher):
    """An informant who agreed to take part but not to be recorded stops the registration."""
    unrecorded = consenting(coordinator, audio_recording=False)
    interview = held(coordinator, researcher, informants=[consenting(coordinator), unrecorded])
    afterwards.mark_conducted(interview, by=researcher, now=AFTER)
    with pytest.raises(DomainError) as caught:
        afterwards.register_recording(interview, {"recording_location": "TSD"}, by=researcher,
                                      now=AFTER)
    assert unrecorded.code in caught.value.message
    assert not factories.reload(Interview, interview.id).recording_location
    assert events("interview.recording") == []


def test_register_recording_refuses_missing_place_and_past_deadline(coordinator, researcher):
    interview = conducted(coordinator, researcher)
    with pytest.raises(DomainError) as caught:
        afterwards.register_recording(interview, {"recording_location": " "}, by=researcher,
                                      now=AFTER)
    assert caught.value.field == "recording_location"
    with pytest.raises(DomainError) as caught:
        afterwards.register_recording(interview, {"recording_location": "TSD",
                                                  "recording_delete_by": date(2026, 3, 8)},
                                      by=researcher, now=AFTER)
    assert caught.value.field == "recording_delete_by"
    assert not factories.reload(Interview, interview.id).recording_location


def test_a_recording_needs_a_conducted_interview(coordinator, researcher):
    interview = held(coordinator, researcher)
    with pytest.raises(NotAllowed):
        afterwards.register_recording(interview, {"recording_location": "TSD"}, by=researcher,
                                      now=AFTER)


def test_mark_recording_deleted(coordinator, researcher):
    interview = conducted(coordinator, researcher)
    with pytest.raises(NotAllowed):
        afterwards.mark_recording_deleted(interview, by=researcher, now=AFTER)
    afterwards.register_recording(interview, {"recording_location": "TSD"}, by=researcher,
                                  now=AFTER)
    afterwards.mark_recording_deleted(interview, by=researcher, now=AFTER + timedelta(days=1))
    interview = factories.reload(Interview, interview.id)
    assert interview.recording_deleted_at == AFTER + timedelta(days=1)
    assert not interview.has_recording
    assert len(events("interview.recording_deleted")) == 1
    with pytest.raises(NotAllowed):
        afterwards.register_recording(interview, {"recording_location": "TSD"}, by=researcher,
                                      now=AFTER + timedelta(days=2))


# The transcript


def test_transcript_stages_keep_a_history_of_who_and_when(coordinator, researcher):
    interview = conducted(coordinator, researcher)
    stages = [("in-progress", researcher), ("transcribed", researcher), ("checked", coordinator),
              ("transcribed", researcher)]  # a check found errors: back one stage
    for n, (stage, user) in enumerate(stages):
        afterwards.set_transcript_status(interview, stage, by=user, now=AFTER + timedelta(days=n),
                                         note=f"step {n}")
    interview = factories.reload(Interview, interview.id)
    assert interview.transcript_status is TranscriptStatus.TRANSCRIBED
    assert interview.transcript_updated_at == AFTER + timedelta(days=3)
    history = queries.transcript_history(interview.id)
    assert [(h.status.value, h.changed_by_id, h.note) for h in reversed(history)] == \
        [(s, u.id, f"step {n}") for n, (s, u) in enumerate(stages)]
    assert [e.after["transcript_status"] for e in events("interview.transcript")] == \
        [s for s, _ in stages]


def test_transcript_refuses_the_same_stage_an_unknown_one_and_an_interview_not_held(
        coordinator, researcher):
    interview = conducted(coordinator, researcher)
    for bad in ("none", "published"):
        with pytest.raises(DomainError) as caught:
            afterwards.set_transcript_status(interview, bad, by=researcher, now=AFTER)
        assert caught.value.field == "transcript_status"
    other = held(coordinator, researcher, start=START + timedelta(hours=3))
    with pytest.raises(NotAllowed):
        afterwards.set_transcript_status(other, "in-progress", by=researcher, now=AFTER)
    assert db.session.scalars(select(TranscriptStatusChange)).all() == []


# The pipeline board


def _column(columns, key):
    return next(c for c in columns if c.stage.key == key)


def test_board_puts_each_interview_in_its_stage_and_marks_what_is_overdue(app, coordinator,
                                                                         researcher):
    app.config["TRANSCRIPT_STUCK_DAYS"] = 14
    upcoming = held(coordinator, start=START + timedelta(days=30))
    forgotten = held(coordinator, researcher, start=START - timedelta(days=1) + timedelta(hours=2))
    fresh = conducted(coordinator, researcher)
    stuck = held(coordinator, researcher, start=START + timedelta(hours=2))
    afterwards.mark_conducted(stuck, by=researcher, now=AFTER)
    afterwards.set_transcript_status(stuck, "in-progress", by=researcher, now=AFTER)
    old_recording = held(coordinator, researcher, start=START + timedelta(hours=4))
    afterwards.mark_conducted(old_recording, by=researcher, now=AFTER)
    afterwards.register_recording(old_recording, {"recording_location": "TSD",
                                                  "recording_delete_by": date(2026, 3, 20)},
                                  by=researcher, now=AFTER)
    for stage in ("in-progress", "transcribed", "checked", "pseudonymised", "coded"):
        afterwards.set_transcript_status(old_recording, stage, by=researcher, now=AFTER)
    cancelled = held(coordinator, start=START + timedelta(days=2))
    services.cancel_interview(cancelled, by=coordinator, now=BEFORE)

    now = AFTER + timedelta(days=15)  # 24.03.2026
    columns = pipeline.pipeline_board(now=now)
    assert [c.stage.key for c in columns] == ["scheduled", "none", "in-progress", "transcribed",
                                              "checked", "pseudonymised", "coded"]
    scheduled = _column(columns, "scheduled")
    assert [c.interview.id for c in scheduled.cards] == [forgotten.id, upcoming.id]  # overdue first
    assert scheduled.total == 2 and scheduled.overdue == 1
    assert "Not marked conducted" in scheduled.cards[0].warnings[0]
    assert scheduled.cards[1].warnings == []
    none = _column(columns, "none")
    assert [c.interview.id for c in none.cards] == [fresh.id]
    assert none.cards[0].warnings == ["In this stage since 09.03.2026 (15 days)"]
    assert [c.interview.id for c in _column(columns, "in-progress").cards] == [stuck.id]
    coded = _column(columns, "coded")
    assert [c.interview.id for c in coded.cards] == [old_recording.id]
    assert coded.cards[0].warnings == ["Recording past its deletion deadline (20.03.2026)"]
    assert all(cancelled.id != card.interview.id for c in columns for card in c.cards)


def test_board_caps_each_column_with_a_count_in_a_fixed_number_of_queries(app, coordinator,
                                                                          count_queries):
    def board_queries(per_column):
        db.session.expire_all()
        with count_queries:
            columns = pipeline.pipeline_board(now=AFTER, per_column=per_column)
        return columns, count_queries.count

    for n in range(3):
        factories.make_interview(by=coordinator, start=START + timedelta(days=10 + n), now=BEFORE)
    columns, few = board_queries(2)
    scheduled = _column(columns, "scheduled")
    assert (scheduled.total, len(scheduled.cards), scheduled.hidden) == (3, 2, 1)
    for n in range(6):
        factories.make_interview(by=coordinator, start=START + timedelta(days=20 + n), now=BEFORE)
    columns, many = board_queries(5)
    assert _column(columns, "scheduled").total == 9
    # After a change the column counts are computed afresh (three more queries); until the next
    # change they are kept, and the board costs the version, the cards and their informants.
    # The version is read once per transaction: a second board in the same one skips it.
    assert few == many == 7
    _, again = board_queries(5)
    assert again == 3
    db.session.rollback()  # a new transaction, as a new request has
    _, again = board_queries(5)
    assert again == 4
