"""Interview reminders: due a set time before, once per interview, SEQUENCE and attendee, in the
attendee's language, never once the interview has started; the digest for coordinators."""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from fieldwork.digest.services import send_daily_digest
from fieldwork.extensions import db
from fieldwork.interviews import services as interviews
from fieldwork.jobs import tasks
from fieldwork.outbox.models import OutboxStatus
from fieldwork.reminders.models import InterviewReminder, ReminderStatus
from fieldwork.reminders.services import send_due_reminders
from tests import factories
from tests.factories import NOW, oslo


@pytest.fixture
def coordinator(app):
    """The coordinator reads bokmål: these tests check the team's emails in their language."""
    return factories.make_user(role="coordinator", name="Kari Koordinator",
                               email="kari.koordinator@example.org", language="nb")


def reminders(outbox):
    return outbox.rows(purpose="reminder")


def schedule(coordinator, start, *, informant=None, **values):
    informant = informant or factories.make_informant(name="Åse Øvrebø", email="ase@example.org",
                                                      language="en")
    return factories.make_interview(informants=[informant], interviewers=[coordinator],
                                    start=start, by=coordinator, now=NOW, **values)


def test_reminders_go_24_hours_before_in_each_attendees_language_once(app, coordinator, outbox):
    interview = schedule(coordinator, oslo(2026, 3, 10, 10, 0))
    start = interview.starts_at

    assert send_due_reminders(now=start - timedelta(hours=24, seconds=1)).sent == 0
    assert reminders(outbox) == []

    report = send_due_reminders(now=start - timedelta(hours=24))
    assert report.sent == 2
    rows = {r.recipient_email: r for r in reminders(outbox)}
    to_informant, to_interviewer = rows["ase@example.org"], rows[coordinator.email]
    # The informant reads English; the interviewer gets their account's language (bokmål).
    assert to_informant.subject.startswith("Reminder: research interview Tuesday 10 March 2026")
    assert "at 10:00" in to_informant.subject
    assert to_interviewer.subject.startswith("Påminnelse: forskningsintervju tirsdag 10. mars 2026")
    assert {r.status for r in reminders(outbox)} == {OutboxStatus.PENDING}
    assert {r.sequence for r in reminders(outbox)} == {0}
    message = outbox.messages(purpose="reminder")[0]
    assert message["Auto-Submitted"] == "auto-generated"

    # Every later run finds nothing new: sent once.
    for minutes in (1, 60, 23 * 60):
        assert send_due_reminders(now=start - timedelta(hours=24) + timedelta(minutes=minutes)).sent == 0
    assert len(reminders(outbox)) == 2


def test_a_reschedule_arms_a_new_reminder(app, coordinator, outbox):
    interview = schedule(coordinator, oslo(2026, 3, 10, 10, 0))
    send_due_reminders(now=interview.starts_at - timedelta(hours=23))
    assert len(reminders(outbox)) == 2

    later = NOW + timedelta(days=7, hours=2)
    interview = interviews.get_interview(interview.id)
    values = factories.interview_values(
        informants=interview.informants, interviewers=[coordinator],
        start=oslo(2026, 3, 11, 14, 0), guide_version=interview.guide_version)
    interviews.reschedule_interview(interview, values, by=coordinator, now=later)
    interview = interviews.get_interview(interview.id)
    assert interview.sequence == 1

    assert send_due_reminders(now=later).sent == 0  # the new time is 31 hours away
    assert send_due_reminders(now=interview.starts_at - timedelta(hours=24)).sent == 2
    new = [r for r in reminders(outbox) if r.sequence == 1]
    assert len(new) == 2 and all("11 March 2026 at 14:00" in r.subject or "11. mars 2026 kl. 14:00" in r.subject
                                 for r in new)
    assert send_due_reminders(now=interview.starts_at - timedelta(hours=1)).sent == 0


def test_after_downtime_a_started_interview_is_marked_expired_not_sent(app, coordinator, outbox):
    interview = schedule(coordinator, oslo(2026, 3, 10, 10, 0))
    report = send_due_reminders(now=interview.starts_at + timedelta(minutes=5))
    assert (report.sent, report.expired) == (0, 2)
    assert reminders(outbox) == []
    statuses = db.session.scalars(select(InterviewReminder.status)).all()
    assert statuses == [ReminderStatus.EXPIRED] * 2
    assert send_due_reminders(now=interview.starts_at + timedelta(hours=1)).expired == 0


def test_no_reminders_for_cancelled_interviews_or_withdrawn_informants(app, coordinator, outbox):
    cancelled = schedule(coordinator, oslo(2026, 3, 10, 10, 0))
    interviews.cancel_interview(cancelled, by=coordinator, now=NOW)
    withdrawn = factories.make_informant(email="gone@example.org")
    kept = schedule(coordinator, oslo(2026, 3, 10, 13, 0), informant=withdrawn)
    from fieldwork.informants.services import update_informant

    values = {**withdrawn.audit_snapshot(), "status": "withdrawn"}
    update_informant(withdrawn, values, by=coordinator)

    report = send_due_reminders(now=oslo(2026, 3, 10, 8, 0))
    assert (report.sent, report.skipped) == (1, 1)
    assert [r.recipient_email for r in reminders(outbox)] == [coordinator.email]
    assert [r.interview_id for r in reminders(outbox)] == [kept.id]


def test_planned_interviews_without_invitations_get_no_reminder(app, coordinator, outbox):
    schedule(coordinator, oslo(2026, 3, 10, 10, 0), send_invites=False)
    assert send_due_reminders(now=oslo(2026, 3, 10, 9, 0)).sent == 0


def test_the_reminder_window_is_configurable(app, coordinator, outbox):
    app.config["REMINDER_HOURS"] = 2
    interview = schedule(coordinator, oslo(2026, 3, 10, 10, 0))
    assert send_due_reminders(now=interview.starts_at - timedelta(hours=3)).sent == 0
    assert send_due_reminders(now=interview.starts_at - timedelta(hours=2)).sent == 2


def test_the_job_reads_the_clock_across_the_spring_change(app, coordinator, outbox):
    """10:00 on Sunday 29 March 2026 (summer time begins at 02:00) is 08:00 UTC; 24 hours
    before is 08:00 UTC on Saturday, which is 09:00 on the Oslo clock, not 10:00."""
    schedule(coordinator, oslo(2026, 3, 29, 10, 0))
    with time_machine.travel(datetime(2026, 3, 28, 7, 59, 59, tzinfo=timezone.utc), tick=False):
        assert tasks.send_reminders().startswith("sent 0")
    with time_machine.travel(oslo(2026, 3, 28, 9, 0), tick=False):
        assert tasks.send_reminders().startswith("sent 2")
    text = outbox.messages(purpose="reminder")[0].get_body(("plain",)).get_content()
    assert "10:00" in text and "CEST" in text


def test_finding_due_interviews_takes_the_same_queries_for_one_or_many(app, coordinator,
                                                                       count_queries):
    from fieldwork.reminders.services import due_interviews

    schedule(coordinator, oslo(2026, 3, 10, 10, 0))
    with count_queries as one:
        due_interviews(now=oslo(2026, 3, 10, 8, 0))
    for hour in (11, 13, 15):
        schedule(coordinator, oslo(2026, 3, 10, hour, 30),
                 informant=factories.make_informant())
    with count_queries as many:
        assert len(due_interviews(now=oslo(2026, 3, 10, 8, 0))) == 4
    assert one.count == many.count


# The daily digest


def test_the_digest_goes_to_each_active_coordinator_once_a_day_from_7(app, coordinator, outbox):
    english = factories.make_user(role="coordinator", language="en")
    researcher = factories.make_user(role="researcher")
    disabled = factories.make_user(role="coordinator")
    disabled.is_enabled = False
    db.session.commit()
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org")
    schedule(coordinator, oslo(2026, 3, 10, 10, 0), informant=informant)

    from fieldwork.auth.models import User

    active = db.session.scalars(select(User.email).where(User.role == "coordinator",
                                                         User.is_enabled.is_(True))).all()
    assert send_daily_digest(now=oslo(2026, 3, 9, 6, 59)) == "not yet time"
    assert send_daily_digest(now=oslo(2026, 3, 9, 7, 0)) == f"sent {len(active)}"
    assert send_daily_digest(now=oslo(2026, 3, 9, 18, 0)) == "sent 0"
    sent_to = sorted(r.recipient_email for r in outbox.rows(purpose="digest"))
    assert sent_to == sorted(active)
    assert coordinator.email in sent_to
    assert disabled.email not in sent_to and researcher.email not in sent_to
    # Each coordinator reads it in their account's language.
    [text] = [m.get_body(("plain",)).get_content() for m in outbox.messages(purpose="digest")
              if m["To"].addresses[0].addr_spec == english.email]
    assert "Interviews tomorrow, Tuesday 10.03.2026: 1" in text
    assert informant.code in text and "Øvrebø" not in text  # codes, never names
    assert "Failed emails: 0" in text
    [norsk] = [m for m in outbox.messages(purpose="digest")
               if m["To"].addresses[0].addr_spec == coordinator.email]
    assert norsk["Subject"] == "Feltarbeid: oversikt for 09.03.2026"
    text = norsk.get_body(("plain",)).get_content()
    assert "Intervjuer i morgen, tirsdag 10.03.2026: 1" in text
    assert "(video, invitert)" in text or "(oppmøte, invitert)" in text or "(telefon, invitert)" in text
    assert informant.code in text and "E-poster som ikke kom fram: 0" in text
    assert send_daily_digest(now=oslo(2026, 3, 10, 7, 0)) == f"sent {len(active)}"


def test_the_digest_counts_failed_emails(app, coordinator, outbox):
    schedule(coordinator, oslo(2026, 3, 12, 10, 0))
    for row in outbox.rows()[:1]:
        row.status, row.last_error = OutboxStatus.FAILED, "550 mailbox unavailable"
    db.session.commit()
    send_daily_digest(now=oslo(2026, 3, 9, 7, 0))
    text = outbox.messages(purpose="digest")[0].get_body(("plain",)).get_content()
    assert "E-poster som ikke kom fram: 1" in text and "550 mailbox unavailable" in text


def test_the_digest_on_the_autumn_change_covers_the_whole_25_hour_day(app, coordinator, outbox):
    """Sunday 25 October 2026 lasts 25 hours in Oslo: 23:30 that evening is still 'tomorrow'
    for Saturday's digest, and 00:30 on Monday is not."""
    now = oslo(2026, 10, 20, 8, 0)
    late = factories.make_interview(informants=[factories.make_informant()],
                                    interviewers=[coordinator], start=oslo(2026, 10, 25, 23, 30),
                                    by=coordinator, now=now)
    factories.make_interview(informants=[factories.make_informant()],
                             interviewers=[coordinator], start=oslo(2026, 10, 26, 0, 30),
                             by=coordinator, now=now)
    early = factories.make_interview(informants=[factories.make_informant()],
                                     interviewers=[coordinator], start=oslo(2026, 10, 25, 0, 15),
                                     by=coordinator, now=now)
    with time_machine.travel(oslo(2026, 10, 24, 6, 59), tick=False):
        assert tasks.send_digest() == "not yet time"
    with time_machine.travel(oslo(2026, 10, 24, 7, 0), tick=False):
        assert tasks.send_digest().startswith("sent ")
    text = outbox.messages(purpose="digest")[0].get_body(("plain",)).get_content()
    assert "Intervjuer i morgen, søndag 25.10.2026: 2" in text
    assert f"/interviews/{late.id}" in text and f"/interviews/{early.id}" in text


def test_the_digest_lists_the_coming_weeks_interviews_without_participation_consent(
        app, coordinator, outbox):
    factories.make_consent_form("nb", by=coordinator)
    without = factories.make_informant()
    declined_recording = factories.make_informant()
    factories.give_consent(declined_recording, {"audio_recording": False}, by=coordinator,
                           now=NOW)
    after_the_week = factories.make_informant()
    in_three_days = factories.make_interview(informants=[without], interviewers=[coordinator],
                                             start=oslo(2026, 3, 12, 10, 0), by=coordinator,
                                             now=NOW)
    factories.make_interview(informants=[declined_recording], interviewers=[coordinator],
                             start=oslo(2026, 3, 11, 10, 0), by=coordinator, now=NOW)
    factories.make_interview(informants=[after_the_week], interviewers=[coordinator],
                             start=oslo(2026, 3, 18, 10, 0), by=coordinator, now=NOW)

    send_daily_digest(now=oslo(2026, 3, 9, 7, 0))
    text = outbox.messages(purpose="digest")[0].get_body(("plain",)).get_content()
    assert "Intervjuer de neste 7 dagene uten samtykke til å delta: 1" in text
    assert without.code in text and f"/interviews/{in_three_days.id}" in text
    # Consent given (recording refused) covers participation; next week's is not yet listed.
    assert declined_recording.code not in text and after_the_week.code not in text
