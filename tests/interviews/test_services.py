"""Scheduling rules and what each change sends, called without HTTP."""

from datetime import datetime, time, timedelta, timezone
from email import message_from_bytes, policy

import icalendar
import pytest
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.errors import DomainError, NotAllowed
from fieldwork.extensions import db
from fieldwork.guides import services as guides
from fieldwork.interviews import queries, services
from fieldwork.interviews.models import Interview, InterviewStatus
from fieldwork.interviews.planning import MAX_DURATION
from fieldwork.outbox.models import OutboxMessage, OutboxStatus
from fieldwork.outbox.services import dispatch_pending
from tests import factories
from tests.factories import NOW, oslo


def schedule(coordinator, informants, interviewers, start, now=NOW, send_invites=True, **values):
    data = factories.interview_values(informants=informants, interviewers=interviewers,
                                      start=start, **values)
    return services.schedule_interview(data, by=coordinator, now=now, send_invites=send_invites)


def reschedule(coordinator, interview, now=NOW, **changes):
    interview = queries.get_interview(interview.id)
    values = factories.interview_values(
        informants=changes.pop("informants", interview.informants),
        interviewers=changes.pop("interviewers", interview.interviewers),
        start=changes.pop("start", interview.starts_at),
        duration=changes.pop("duration", interview.duration_minutes),
        mode=changes.pop("mode", interview.mode.value),
        place=changes.pop("place", interview.place),
        meeting_url=changes.pop("meeting_url", interview.meeting_url),
        guide_version=changes.pop("guide_version", interview.guide_version),
        notes=changes.pop("notes", interview.notes))
    return services.reschedule_interview(interview, values, by=coordinator, now=now)


def queued_by(action):
    """The outbox rows an action queued."""
    before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    action()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)
                              .order_by(OutboxMessage.id)).all()


def sent(interview_id=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if interview_id:
        query = query.where(OutboxMessage.interview_id == interview_id)
    return db.session.scalars(query).all()


def deliver():
    """Deliver what is queued (the tests' mail goes nowhere): the invitations have been received,
    so a later change is an update or a cancellation, not a superseding of unsent mail."""
    dispatch_pending(now=NOW + timedelta(days=365))


def calendar_in(message):
    """The VEVENT carried by a queued email, parsed from the MIME part a client reads."""
    mime = message_from_bytes(message.raw, policy=policy.default)
    part = next(p for p in mime.walk() if p.get_content_type() == "text/calendar")
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == str(calendar["METHOD"])
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    return calendar, events[0]


def attendee_emails(event):
    value = event.get("ATTENDEE")
    values = value if isinstance(value, list) else [value] if value else []
    return sorted(str(a).removeprefix("mailto:") for a in values)


# Scheduling


def test_scheduling_invites_every_attendee_with_sequence_zero(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    interview = factories.reload(Interview, interview.id)
    assert interview.status is InterviewStatus.INVITED and interview.sequence == 0
    assert len(interview.uid) >= 32 and "ase" not in interview.uid.lower()
    messages = sent(interview.id)
    assert sorted(m.recipient_email for m in messages) == sorted(
        ["ase@example.org", researcher.email])
    for message in messages:
        calendar, event = calendar_in(message)
        assert str(calendar["METHOD"]) == "REQUEST" and message.method == "REQUEST"
        assert str(event["UID"]) == interview.uid and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
        assert attendee_emails(event) == sorted(["ase@example.org", researcher.email])
        assert "Øvrebø" not in str(event["SUMMARY"])
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "interview")).all()
    assert actions == ["interview.create", "interview.invite"]


def test_the_email_is_in_the_interview_language_with_local_time(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0),
                      language="nb")
    message = next(m for m in sent(interview.id) if m.informant_id == informant.id)
    mime = message_from_bytes(message.raw, policy=policy.default)
    text = mime.get_body(("plain",)).get_content()
    assert "tirsdag 10. mars 2026 kl. 10:00" in text
    assert "https://meet.example.org/room-1" in text


def test_saving_without_invitations_sends_nothing_until_asked(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0),
                      send_invites=False)
    assert interview.status is InterviewStatus.PLANNED and sent() == []
    services.send_invitations(interview, by=coordinator, now=NOW)
    assert factories.reload(Interview, interview.id).status is InterviewStatus.INVITED
    assert len(sent()) == 2
    with pytest.raises(NotAllowed):
        services.send_invitations(interview, by=coordinator, now=NOW)


@pytest.mark.parametrize("local, utc", [
    (oslo(2026, 3, 29, 9, 0), datetime(2026, 3, 29, 7, 0, tzinfo=timezone.utc)),
    (oslo(2026, 10, 25, 9, 0), datetime(2026, 10, 25, 8, 0, tzinfo=timezone.utc)),
])
def test_daylight_saving_days_store_the_right_utc_time(coordinator, researcher, informant,
                                                       local, utc):
    interview = schedule(coordinator, [informant], [researcher], local)
    assert factories.reload(Interview, interview.id).starts_at == utc
    _, event = calendar_in(sent()[0])
    assert event.decoded("DTSTART") == utc
    assert event.decoded("DTEND") == utc + timedelta(hours=1)


@pytest.mark.parametrize("day, message", [
    (datetime(2026, 3, 29).date(), "does not exist"),
    (datetime(2026, 10, 25).date(), "happens twice"),
])
def test_times_a_daylight_saving_change_skips_or_repeats_are_refused(coordinator, researcher,
                                                                     informant, day, message):
    values = factories.interview_values(informants=[informant], interviewers=[researcher],
                                        start=oslo(2026, 3, 10, 10, 0))
    values.update(start_date=day, start_time=time(2, 30))
    with pytest.raises(DomainError, match=message) as error:
        services.schedule_interview(values, by=coordinator, now=NOW)
    assert error.value.field == "start_time"
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0


@pytest.mark.parametrize("change, field, message", [
    ({"duration": 0}, "duration_minutes", "must end after it starts"),
    ({"duration": -30}, "duration_minutes", "must end after it starts"),
    ({"start": oslo(2026, 3, 1, 10, 0)}, "start_date", "cannot start in the past"),
    ({"mode": "in-person", "place": ""}, "place", "where the interview takes place"),
    ({"mode": "video", "meeting_url": ""}, "meeting_url", "meeting link"),
    ({"mode": "video", "meeting_url": "javascript:alert(1)"}, "meeting_url", "https://"),
    ({"informants": []}, "informant_ids", "at least one informant"),
    ({"interviewers": []}, "interviewer_ids", "at least one interviewer"),
])
def test_bad_input_is_refused_and_nothing_is_saved(coordinator, researcher, informant, change,
                                                   field, message):
    values = {"informants": [informant], "interviewers": [researcher],
              "start": oslo(2026, 3, 10, 10, 0), **change}
    with pytest.raises(DomainError, match=message) as error:
        schedule(coordinator, **values)
    assert error.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0
    assert sent() == []


@pytest.mark.parametrize("status, message", [
    ("declined", "has declined"), ("withdrawn", "has withdrawn"),
    ("do-not-contact", "asked not to be contacted"),
])
def test_informants_who_said_no_cannot_be_scheduled(coordinator, researcher, status, message):
    informant = factories.make_informant(status=status)
    with pytest.raises(DomainError, match=message) as error:
        schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    assert informant.code in error.value.message and informant.name not in error.value.message


def test_analysts_cannot_interview(coordinator, informant):
    analyst = factories.make_user(role="analyst")
    with pytest.raises(DomainError, match="cannot interview"):
        schedule(coordinator, [informant], [analyst], oslo(2026, 3, 10, 10, 0))


def test_only_published_guide_versions_can_be_chosen(coordinator, researcher, informant):
    draft = guides.get_version(factories.make_guide(by=coordinator).id, 1)
    with pytest.raises(DomainError, match="published guide version"):
        schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0),
                 guide_version=draft)
    version = factories.published_version(by=coordinator)
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0),
                         guide_version=version)
    guides.retire_version(version, by=coordinator)
    other = factories.make_informant()
    with pytest.raises(DomainError, match="published guide version"):
        schedule(coordinator, [other], [researcher], oslo(2026, 3, 11, 10, 0),
                 guide_version=guides.get_version(version.guide_id, 1))
    # The interview that used it keeps it, and may still be moved.
    reschedule(coordinator, interview, start=oslo(2026, 3, 12, 10, 0))
    assert factories.reload(Interview, interview.id).guide_version_id == version.id


# Overlaps


def test_a_booked_interviewer_or_informant_is_refused(coordinator, researcher, informant):
    schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    other = factories.make_informant()
    with pytest.raises(DomainError, match="already booked") as error:
        schedule(coordinator, [other], [researcher], oslo(2026, 3, 10, 10, 30))
    assert error.value.field == "interviewer_ids" and researcher.name in error.value.message
    colleague = factories.make_user(role="researcher")
    with pytest.raises(DomainError, match="already booked") as error:
        schedule(coordinator, [informant], [colleague], oslo(2026, 3, 10, 10, 59))
    assert error.value.field == "informant_ids" and informant.code in error.value.message
    # Back to back is fine for video interviews.
    schedule(coordinator, [other], [researcher], oslo(2026, 3, 10, 11, 0))


def test_in_person_interviews_keep_a_travel_buffer(coordinator, researcher, informant):
    schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0),
             mode="in-person", place="Drammen sykehus, møterom 3")
    other = factories.make_informant()
    with pytest.raises(DomainError, match="30 minutes free"):
        schedule(coordinator, [other], [researcher], oslo(2026, 3, 10, 11, 20))
    schedule(coordinator, [other], [researcher], oslo(2026, 3, 10, 11, 30))


def test_the_longest_interview_clashes_until_its_last_minute(coordinator, researcher, informant):
    """The overlap check reads only interviews that began at most the longest duration (and
    the travel buffer) before: an 8-hour interview still blocks its last hour, in person its
    buffer after that too, and the minute it ends (plus the buffer) is free."""
    schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 8, 0), duration=8 * 60,
             mode="in-person", place="Drammen sykehus, møterom 3")
    other = factories.make_informant()
    with pytest.raises(DomainError, match="already booked"):
        schedule(coordinator, [other], [researcher], oslo(2026, 3, 10, 15, 59))
    with pytest.raises(DomainError, match="30 minutes free"):
        schedule(coordinator, [other], [researcher], oslo(2026, 3, 10, 16, 29))
    schedule(coordinator, [other], [researcher], oslo(2026, 3, 10, 16, 30))


def test_cancelled_interviews_free_their_time(coordinator, researcher, informant):
    first = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    services.cancel_interview(first, by=coordinator, now=NOW)
    schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))


# Changes after the invitations


def test_moving_an_interview_sends_everyone_a_higher_sequence(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    deliver()
    messages = queued_by(lambda: reschedule(coordinator, interview, start=oslo(2026, 3, 11, 13, 0)))
    assert len(messages) == 2
    interview = factories.reload(Interview, interview.id)
    assert interview.sequence == 1
    for message in sent(interview.id)[2:]:
        calendar, event = calendar_in(message)
        assert str(calendar["METHOD"]) == "REQUEST" and message.purpose == "update"
        assert str(event["UID"]) == interview.uid and int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == datetime(2026, 3, 11, 12, 0, tzinfo=timezone.utc)
    assert "interview.update" in db.session.scalars(select(AuditEvent.action)).all()


def test_internal_changes_send_nothing(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    assert queued_by(lambda: reschedule(coordinator, interview, notes="Bring the consent form.")) == []
    assert factories.reload(Interview, interview.id).sequence == 0
    assert len(sent()) == 2


def test_adding_and_removing_people_invites_and_cancels_only_them(coordinator, researcher,
                                                                  informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    deliver()
    colleague = factories.make_user(role="researcher")
    messages = queued_by(lambda: reschedule(coordinator, interview, interviewers=[colleague]))
    assert {m.status for m in messages} == {OutboxStatus.PENDING}
    by_method = {m.method: m for m in messages}
    assert sorted(by_method) == ["CANCEL", "REQUEST"]
    assert by_method["REQUEST"].recipient_email == colleague.email
    assert by_method["CANCEL"].recipient_email == researcher.email
    _, cancel = calendar_in(by_method["CANCEL"])
    assert attendee_emails(cancel) == [researcher.email]
    assert int(cancel["SEQUENCE"]) == 1
    _, request = calendar_in(by_method["REQUEST"])
    assert attendee_emails(request) == sorted([informant.email, colleague.email])


def test_cancelling_sends_a_cancellation_to_everyone(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    reschedule(coordinator, interview, start=oslo(2026, 3, 10, 14, 0))
    deliver()
    messages = queued_by(lambda: services.cancel_interview(interview, by=coordinator, now=NOW))
    assert len(messages) == 2 and {m.status for m in messages} == {OutboxStatus.PENDING}
    for message in messages:
        calendar, event = calendar_in(message)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
        assert str(event["UID"]) == interview.uid
    interview = factories.reload(Interview, interview.id)
    assert interview.status is InterviewStatus.CANCELLED and interview.cancelled_at == NOW
    with pytest.raises(NotAllowed):
        services.cancel_interview(interview, by=coordinator, now=NOW)
    with pytest.raises(NotAllowed):
        reschedule(coordinator, interview, start=oslo(2026, 3, 12, 10, 0))


def test_cancelling_an_interview_never_invited_sends_nothing(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0),
                         send_invites=False)
    assert queued_by(lambda: services.cancel_interview(interview, by=coordinator, now=NOW)) == []
    assert sent() == []


def test_a_refused_reschedule_changes_nothing(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    audit_count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(DomainError):
        reschedule(coordinator, interview, start=oslo(2026, 3, 29, 2, 30))
    db.session.rollback()
    interview = factories.reload(Interview, interview.id)
    assert interview.starts_at == oslo(2026, 3, 10, 10, 0) and interview.sequence == 0
    assert len(sent()) == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_count


def test_confirmed_and_no_show(coordinator, researcher, informant):
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0))
    with pytest.raises(NotAllowed, match="once it has started"):
        services.set_status(interview, InterviewStatus.NO_SHOW, by=coordinator, now=NOW)
    services.set_status(interview, InterviewStatus.CONFIRMED, by=coordinator, now=NOW)
    later = datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc)
    services.set_status(interview, InterviewStatus.NO_SHOW, by=coordinator, now=later)
    assert factories.reload(Interview, interview.id).status is InterviewStatus.NO_SHOW


def test_the_database_refuses_to_delete_a_guide_version_an_interview_uses(coordinator, researcher,
                                                                         informant):
    """Only drafts can be deleted, and no interview can choose a draft; so the foreign key is
    proven by pointing an interview at a draft behind the services' back."""
    from sqlalchemy import update

    guide = factories.make_guide(by=coordinator, publish=True)
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10, 10, 0),
                         guide_version=guides.get_version(guide.id, 1))
    draft = guides.new_version(guides.get_version(guide.id, 1), by=coordinator)
    db.session.execute(update(Interview).where(Interview.id == interview.id)
                       .values(guide_version_id=draft.id))
    db.session.commit()
    with pytest.raises(NotAllowed, match="used by interviews"):
        guides.delete_draft(guides.get_version(guide.id, 2), by=coordinator)
    assert guides.get_version(guide.id, 2) is not None


def test_the_list_filters_and_needs_the_same_queries_for_any_number(app, coordinator, researcher,
                                                                   count_queries):
    radiologist = factories.make_role(name="Radiologist", code="RAD")
    vvht = factories.make_organisation(name="Vestre Viken", code="VVHT")
    version = factories.published_version(by=coordinator)
    for n in range(3):
        informant = factories.make_informant(organisation=vvht if n else None,
                                             role=radiologist if n else None)
        schedule(coordinator, [informant], [researcher], oslo(2026, 3, 10 + n, 10, 0),
                 guide_version=version)

    def page(**criteria):
        query = queries.interview_query(queries.InterviewFilter(**criteria), now=NOW)
        return db.paginate(query, page=1, per_page=25, error_out=False)

    assert len(page().items) == 3
    assert len(page(organisation_id=vvht.id).items) == 2
    assert len(page(role_id=radiologist.id, interviewer_id=researcher.id).items) == 2
    assert len(page(upcoming=False).items) == 0
    assert len(page(date_from=datetime(2026, 3, 11).date(),
                    date_to=datetime(2026, 3, 11).date()).items) == 1
    db.session.expire_all()
    with count_queries:
        [(i.informants[0].organisation.code, i.interviewers[0].name, i.guide_version.guide.title)
         for i in page().items]
    few = count_queries.count
    for n in range(5):
        schedule(coordinator, [factories.make_informant()], [researcher],
                 oslo(2026, 3, 16 + n, 10, 0), guide_version=version)
    db.session.expire_all()
    with count_queries:
        assert len([(i.informants[0].organisation.code, i.interviewers[0].name,
                     i.guide_version.guide.title) for i in page().items]) == 8
    assert count_queries.count == few


def test_an_interview_in_progress_is_still_upcoming_even_at_the_longest_duration(
        app, coordinator, count_queries):
    """The list starts its index walk MAX_DURATION before now; nothing that has not ended may
    fall off it, and nothing that has ended may stay."""
    version = factories.published_version(by=coordinator)
    booked = NOW - timedelta(days=2)

    def at(start, minutes):  # each with its own interviewer, so none overlaps another
        return schedule(coordinator, [factories.make_informant()],
                        [factories.make_user(role="researcher")], start,
                        now=booked, duration=minutes, guide_version=version, send_invites=False)

    longest = at(NOW - timedelta(minutes=MAX_DURATION - 1), MAX_DURATION)
    at(NOW - timedelta(minutes=61), 60)  # ended a minute ago
    at(NOW - timedelta(minutes=MAX_DURATION + 60), MAX_DURATION)  # ended an hour ago
    later = at(NOW + timedelta(days=1), 60)

    def page(**criteria):
        return queries.interview_page(queries.InterviewFilter(**criteria), page=1, per_page=25,
                                      now=NOW)

    upcoming = page()
    assert [i.id for i in upcoming.items] == [longest.id, later.id]
    assert upcoming.total == 2
    assert page(upcoming=None).total == 4
    assert page(upcoming=False).total == 2
    db.session.expire_all()
    with count_queries:
        rows = [(i.informants[0].code, i.interviewers[0].name, i.guide_title)
                for i in page().items]
    few = count_queries.count
    for n in range(5):
        at(NOW + timedelta(days=2 + n), 60)
    db.session.expire_all()
    with count_queries:
        assert len([(i.informants[0].code, i.interviewers[0].name, i.guide_title)
                    for i in page().items]) == len(rows) + 5
    assert count_queries.count == few


def test_every_calendar_an_interview_sends_reads_the_same_in_independent_parsers(
        coordinator, researcher, informant):
    """ical, vobject, libical (with its iTIP checks) and ical.js, none of them ours, must agree
    with what we meant on invitation, update and cancellation, injection attempts included."""
    from tests.support.ical_parsers import parse_with_all

    informant = factories.make_informant(name='Ola "Nordmann"; END:VEVENT, ATTENDEE:mailto:x@y',
                                         email="ola@example.org")
    interview = schedule(coordinator, [informant], [researcher], oslo(2026, 10, 25, 9, 0),
                         mode="in-person", place="Rom 3; END:VEVENT\\n, 2. etg")
    reschedule(coordinator, interview, start=oslo(2026, 3, 29, 9, 0))
    services.cancel_interview(interview, by=coordinator, now=NOW)
    expected = [("REQUEST", 0, "20261025T080000Z"), ("REQUEST", 1, "20260329T070000Z"),
                ("CANCEL", 2, "20260329T070000Z")]
    to_informant = [m for m in sent(interview.id) if m.informant_id == informant.id]
    assert len(to_informant) == 3
    for message, (method, sequence, start) in zip(to_informant, expected):
        mime = message_from_bytes(message.raw, policy=policy.default)
        calendar = next(p for p in mime.walk() if p.get_content_type() == "text/calendar")
        for reading in parse_with_all(calendar.get_payload(decode=True)):
            assert reading["method"] == method, reading["parser"]
            assert not reading["errors"], (reading["parser"], reading["errors"])
            (event,) = reading["events"]
            assert event["uid"] == interview.uid and event["sequence"] == sequence
            assert event["start"] == start
            assert sorted(event["attendees"]) == sorted(["ola@example.org", researcher.email])
            assert "Nordmann" not in event["summary"]


def test_in_a_group_interview_each_informant_sees_only_the_team_and_themselves(
        coordinator, researcher, outbox):
    ase = factories.make_informant(name="Åse Øvrebø", email="ase@example.org")
    bjorn = factories.make_informant(name="Bjørn Berg", email="bjorn@example.org")
    factories.make_interview(informants=[ase, bjorn], interviewers=[researcher], by=coordinator,
                             now=NOW)
    by_recipient = {row.recipient_email: row for row in outbox.rows()}
    uids = set()
    for informant in (ase, bjorn):
        _, event = calendar_in(by_recipient[informant.email])
        assert attendee_emails(event) == sorted([informant.email, researcher.email])
        uids.add(str(event["UID"]))
    _, team_copy = calendar_in(by_recipient[researcher.email])
    assert attendee_emails(team_copy) == sorted([ase.email, bjorn.email, researcher.email])
    assert uids == {str(team_copy["UID"])}
