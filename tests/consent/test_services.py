"""Consent services: form versions, requests and follow-ups, answers, withdrawal, re-consent,
and the links every email to an informant carries."""

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from fieldwork.audit.models import AuditEvent
from fieldwork.consent import services as consent
from fieldwork.consent.gates import consent_summaries
from fieldwork.consent.models import (ConsentEvent, ConsentFormVersion, ConsentRecord,
                                      ConsentStatus, DataTask, FormStatus)
from fieldwork.errors import DomainError, NotAllowed
from fieldwork.extensions import db
from fieldwork.informants.models import Informant, RecruitmentStatus
from fieldwork.interviews import services as interviews
from fieldwork.interviews.models import Interview, InterviewStatus
from fieldwork.outbox.models import OutboxStatus
from tests import factories

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
LINK = re.compile(r"http://[^\s\"<>]+/(c|w)/([A-Za-z0-9_-]{43})")


def text_of(message):
    return message.get_body(("plain",)).get_content()


def links_in(message):
    """{"c": token, "w": token} found in a message's text."""
    return {kind: token for kind, token in LINK.findall(text_of(message))}


def events_of(informant):
    return db.session.scalars(
        select(ConsentEvent).join(ConsentRecord).where(ConsentRecord.informant_id == informant.id)
        .order_by(ConsentEvent.id)).all()


# Form versions


def test_activating_a_version_retires_the_previous_one_of_its_language(app):
    first = factories.make_consent_form("nb")
    english = factories.make_consent_form("en")
    second = factories.make_consent_form("nb")
    statuses = {v.id: v.status for v in consent.form_versions()}
    assert statuses == {first.id: FormStatus.RETIRED, english.id: FormStatus.ACTIVE,
                        second.id: FormStatus.ACTIVE}
    assert consent.active_version("nb").id == second.id
    assert [i.key for i in second.items] == ["participation", "audio_recording",
                                             "direct_quotation", "re_contact"]
    assert [i.is_required for i in second.items] == [True, False, False, False]


def test_an_active_version_never_changes(app):
    version = factories.make_consent_form("nb")
    with pytest.raises(NotAllowed):
        consent.update_form_version(version, {"title": "Changed", "version_label": "x"},
                                    by=factories.make_user())
    # The database refuses too, whatever the code does.
    for statement in ("UPDATE consent_form_version SET title = 'Changed'",
                      "UPDATE consent_item SET wording = 'Changed'",
                      "DELETE FROM consent_item"):
        with pytest.raises(DatabaseError):
            with db.session.begin_nested():
                db.session.execute(text(statement))
    db.session.rollback()
    assert factories.reload(ConsentFormVersion, version.id).title != "Changed"


def test_a_form_needs_a_letter_and_an_approval_reference_to_become_active(app):
    draft = factories.make_consent_form("nb", activate=False, approval_reference="")
    with pytest.raises(DomainError, match="approval reference"):
        consent.activate_form_version(draft, by=factories.make_user())
    assert factories.reload(ConsentFormVersion, draft.id).status is FormStatus.DRAFT


def test_consent_history_is_append_only_in_the_database(app):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    factories.give_consent(informant)
    for statement in ("UPDATE consent_event SET action = 'given'", "DELETE FROM consent_event"):
        with pytest.raises(DatabaseError):
            with db.session.begin_nested():
                db.session.execute(text(statement))
    db.session.rollback()


# Requests, answers, follow-ups


def test_request_sends_the_letter_link_in_the_informants_language(app, outbox):
    factories.make_consent_form("nb")
    factories.make_consent_form("en")
    informant = factories.make_informant(language="en")
    consent.request_consent(informant, by=factories.make_user(), now=NOW)
    [message] = outbox.messages()
    assert message["To"].addresses[0].addr_spec == informant.email
    assert "Invitation to take part" in message["Subject"]
    assert set(links_in(message)) == {"c", "w"}
    assert "withdraw from the study at any time" in text_of(message)
    record = consent.record_of(informant.id)
    assert record.status is ConsentStatus.REQUESTED and record.requested_at == NOW
    assert [e.action for e in events_of(informant)] == ["requested"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "consent.request")) == 1


def test_request_is_refused_without_an_active_form_and_changes_nothing(app, outbox):
    informant = factories.make_informant()
    with pytest.raises(DomainError, match="no active consent form"):
        consent.request_consent(informant, by=factories.make_user(), now=NOW)
    assert len(outbox) == 0 and consent.record_of(informant.id) is None


def test_required_item_must_be_ticked(app):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    with pytest.raises(DomainError) as refused:
        consent.give_consent(informant, {"participation": False, "audio_recording": True},
                             method="signed-paper", by=factories.make_user())
    assert refused.value.field == "item_participation"
    assert consent_summaries([informant.id])[informant.id].status is ConsentStatus.NOT_REQUESTED


def test_consent_date_cannot_be_in_the_future(app):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    with pytest.raises(DomainError, match="future"):
        factories.give_consent(informant, now=NOW, consented_on=date(2026, 12, 2))


def test_giving_consent_records_who_how_when_and_under_which_form(app):
    form = factories.make_consent_form("nb")
    coordinator = factories.make_user()
    informant = factories.make_informant()
    factories.give_consent(informant, {"re_contact": False}, by=coordinator, now=NOW,
                           consented_on=date(2026, 11, 30))
    [event] = events_of(informant)
    assert event.action == "partly-given" and event.status is ConsentStatus.PARTLY_GIVEN
    assert event.items == {"participation": True, "audio_recording": True,
                           "direct_quotation": True, "re_contact": False}
    assert event.method.value == "signed-paper" and event.consented_on == date(2026, 11, 30)
    assert event.form_version_id == form.id and event.registered_by_id == coordinator.id
    assert db.session.get(Informant, informant.id).status is RecruitmentStatus.AGREED


def test_follow_ups_after_seven_days_at_most_twice_and_idempotent(app, outbox):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    consent.request_consent(informant, by=factories.make_user(), now=NOW)
    with time_machine.travel(NOW + timedelta(days=6, hours=23), tick=False):
        assert consent.send_consent_follow_ups() == []
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        assert len(consent.send_consent_follow_ups()) == 1
        assert consent.send_consent_follow_ups() == []  # the same moment again: nothing
    assert consent.send_consent_follow_ups(now=NOW + timedelta(days=13)) == []
    assert len(consent.send_consent_follow_ups(now=NOW + timedelta(days=14))) == 1
    assert consent.send_consent_follow_ups(now=NOW + timedelta(days=60)) == []
    assert [m["Subject"].startswith("Påminnelse") for m in outbox.messages()] == [False, True, True]
    record = consent.record_of(informant.id)
    assert record.follow_up_count == 2 and record.last_follow_up_at == NOW + timedelta(days=14)


def test_no_follow_up_once_answered(app, outbox):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    consent.request_consent(informant, by=factories.make_user(), now=NOW)
    factories.give_consent(informant, now=NOW + timedelta(days=1))
    assert consent.send_consent_follow_ups(now=NOW + timedelta(days=8)) == []


def test_follow_ups_command(app, runner, outbox):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    consent.request_consent(informant, by=factories.make_user(), now=NOW - timedelta(days=8))
    result = runner.invoke(args=["consent", "follow-ups"])
    assert result.exit_code == 0 and "1 follow-up(s) queued" in result.output
    assert len(outbox) == 2


# Links in interview emails


def test_invitations_to_informants_carry_consent_and_withdrawal_links(app, outbox):
    factories.make_consent_form("nb")
    coordinator = factories.make_user()
    informant = factories.make_informant()
    interview = factories.make_interview(informants=[informant], by=coordinator, now=NOW)
    to_informant, to_interviewer = outbox.messages()
    assert set(links_in(to_informant)) == {"c", "w"}
    assert links_in(to_interviewer) == {}
    factories.give_consent(informant, by=coordinator, now=NOW)
    interviews.cancel_interview(interview, by=coordinator, now=NOW)
    cancel = outbox.messages(informant_id=informant.id)[-1]
    assert set(links_in(cancel)) == {"w"}  # consent given: only the way out


# Withdrawal


def _withdrawal_setup(outbox):
    factories.make_consent_form("nb")
    coordinator = factories.make_user()
    informant = factories.make_informant()
    other = factories.make_informant()
    factories.give_consent(informant, by=coordinator, now=NOW)
    factories.give_consent(other, by=coordinator, now=NOW)
    solo = factories.make_interview(informants=[informant], by=coordinator, now=NOW,
                                    start=NOW + timedelta(days=3))
    group = factories.make_interview(informants=[informant, other], by=coordinator, now=NOW,
                                     start=NOW + timedelta(days=10))
    past = factories.make_interview(informants=[informant], by=coordinator, now=NOW,
                                    start=NOW + timedelta(hours=1), send_invites=False)
    return coordinator, informant, other, solo, group, past


def test_withdrawal_acts_at_once_in_one_transaction(app, outbox):
    coordinator, informant, other, solo, group, past = _withdrawal_setup(outbox)
    pending_before = [r.id for r in outbox.rows(informant_id=informant.id)]
    later = NOW + timedelta(hours=2)  # `past` has started: it is not a future interview
    outcome = consent.withdraw_consent(informant, by=coordinator, now=later, note="By phone.")

    # 1. Mail queued before the withdrawal is cancelled.
    assert {r.status for r in outbox.rows() if r.id in pending_before} == {OutboxStatus.CANCELLED}
    # 2. The record: withdrawn, every item off, history appended.
    summary = consent_summaries([informant.id])[informant.id]
    assert summary.status is ConsentStatus.WITHDRAWN and not any(summary.items.values())
    assert [e.action for e in events_of(informant)] == ["given", "withdrawn"]
    assert "participation" in events_of(informant)[-1].note
    # 3. The solo interview is cancelled, the informant leaves the group one, the past one stays.
    assert factories.reload(Interview, solo.id).status is InterviewStatus.CANCELLED
    group_now = interviews.get_interview(group.id)
    assert group_now.status is InterviewStatus.INVITED
    assert [i.id for i in group_now.informants] == [other.id]
    assert interviews.get_interview(past.id).status is InterviewStatus.PLANNED
    # ... and the only mail still going to them is the confirmation: their invitations never
    # left, so their calendars need no cancellation (the two CANCELs are kept as superseded).
    pending = outbox.rows(informant_id=informant.id, status=OutboxStatus.PENDING)
    assert [r.purpose for r in pending] == ["consent-withdrawn"]
    superseded = outbox.rows(informant_id=informant.id, status=OutboxStatus.SUPERSEDED)
    assert sorted(r.method for r in superseded if r.purpose == "cancel") == ["CANCEL", "CANCEL"]
    assert all(links_in(m) == {} for m in outbox.messages(informant_id=informant.id,
                                                          status=OutboxStatus.PENDING))
    # 4. Recruitment status; 5. checklist with a due date; audit.
    assert db.session.get(Informant, informant.id).status is RecruitmentStatus.WITHDRAWN
    tasks = consent.data_tasks_of(informant.id)
    assert {t.kind.value for t in tasks} == {"delete-recording", "restrict-transcript",
                                             "remove-quotes"}
    assert {t.due_on for t in tasks} == {date(2026, 12, 31)}
    assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "consent.withdraw"))[
        "cancelled_interview_ids"] == [solo.id, group.id]
    assert len(outcome.cancelled_interviews) == 2


def test_a_failed_withdrawal_leaves_everything_as_it_was(app, outbox, monkeypatch):
    coordinator, informant, *_ = _withdrawal_setup(outbox)
    statuses = [(r.id, r.status) for r in outbox.rows()]

    def broken(*args, **kwargs):
        raise RuntimeError("the mail template is broken")

    monkeypatch.setattr("fieldwork.outbox.services.queue_rendered_email", broken)
    with pytest.raises(RuntimeError):
        consent.withdraw_consent(informant, by=coordinator, now=NOW)
    db.session.rollback()
    assert [(r.id, r.status) for r in outbox.rows()] == statuses
    assert consent_summaries([informant.id])[informant.id].may_participate
    assert db.session.scalar(select(func.count()).select_from(DataTask)) == 0


def test_after_withdrawal_nothing_asks_them_again(app, outbox):
    factories.make_consent_form("nb")
    coordinator = factories.make_user()
    informant = factories.make_informant()
    consent.request_consent(informant, by=coordinator, now=NOW)
    consent.withdraw_consent(informant, by=coordinator, now=NOW)
    with pytest.raises(NotAllowed):
        consent.request_consent(informant, by=coordinator, now=NOW)
    with pytest.raises(NotAllowed):
        factories.give_consent(informant, by=coordinator, now=NOW)
    with pytest.raises(NotAllowed):
        consent.withdraw_consent(informant, by=coordinator, now=NOW)
    assert consent.send_consent_follow_ups(now=NOW + timedelta(days=30)) == []
    with pytest.raises(DomainError, match="withdrawn"):
        factories.make_interview(informants=[informant], by=coordinator, now=NOW)


def test_data_task_is_done_once(app, outbox):
    factories.make_consent_form("nb")
    coordinator = factories.make_user()
    informant = factories.make_informant()
    consent.withdraw_consent(informant, by=coordinator, now=NOW)
    task = consent.data_tasks_of(informant.id)[0]
    consent.complete_data_task(task, by=coordinator, now=NOW, note="Deleted from the recorder.")
    with pytest.raises(NotAllowed):
        consent.complete_data_task(task, by=coordinator, now=NOW)


# Re-consent


def test_re_consent_lists_older_consents_and_asks_them_all_once(app, outbox):
    factories.make_consent_form("nb")
    coordinator = factories.make_user()
    old = [factories.make_informant() for _ in range(3)]
    for informant in old:
        factories.give_consent(informant, by=coordinator, now=NOW)
    new_form = factories.make_consent_form("nb")
    current = factories.make_informant()
    factories.give_consent(current, by=coordinator, now=NOW)
    assert sorted(i.code for i, _, _ in consent.re_consent_candidates()) == sorted(i.code for i in old)
    sent = len(outbox)
    outcomes, skipped = consent.request_re_consent_all(by=coordinator, now=NOW)
    assert len(outcomes) == 3 and skipped == []
    assert len(outbox) == sent + 3
    assert all("Oppdatert informasjon" in m["Subject"] for m in outbox.messages()[-3:])
    # Their consent still holds while they are asked; asking twice sends nothing more.
    assert all(consent_summaries([i.id])[i.id].may_participate for i in old)
    assert consent.request_re_consent_all(by=coordinator, now=NOW) == ([], [])
    # Answering under the new version makes it current.
    factories.give_consent(old[0], by=coordinator, now=NOW)
    summary = consent_summaries([old[0].id])[old[0].id]
    assert summary.is_current and summary.form_version_id == new_form.id


# The overview


def test_overview_puts_interviews_at_risk_first_in_fixed_queries(app, count_queries, now):
    factories.make_consent_form("nb")
    coordinator = factories.make_user()
    calm, risky, later_risky = (factories.make_informant() for _ in range(3))
    factories.give_consent(calm, by=coordinator, now=now)
    factories.make_interview(informants=[calm], by=coordinator, now=now,
                             start=now + timedelta(days=2))
    factories.make_interview(informants=[risky], by=coordinator, now=now,
                             start=now + timedelta(days=3))
    factories.make_interview(informants=[later_risky], by=coordinator, now=now,
                             start=now + timedelta(days=20))
    query = consent.overview_query(consent.OverviewFilter(), now=now)
    rows = consent.overview_rows(db.session.execute(query).all())
    assert [row[0].id for row in rows][:2] == [risky.id, later_risky.id]
    assert [row[3] for row in rows][:3] == [True, True, False]
    within = consent.overview_query(consent.OverviewFilter(missing_within_days=7), now=now)
    assert [row[0].id for row in db.session.execute(within)] == [risky.id]
    for _ in range(5):
        factories.make_informant()
    with count_queries:
        consent.overview_rows(db.session.execute(query).all())
    assert count_queries.count == 3
