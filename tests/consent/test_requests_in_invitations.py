"""An interview invitation that carries the consent link is a consent request, and any email to
an informant who was only identified makes them contacted."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.consent import services as consent
from fieldwork.consent.models import ConsentStatus
from fieldwork.extensions import db
from fieldwork.informants.models import RecruitmentStatus
from tests import factories

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def _invited(outbox, **informant_values):
    coordinator = factories.make_user(role="coordinator")
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant(name="Åse Øvrebø", **informant_values)
    factories.make_interview(informants=[informant], by=coordinator, now=NOW)
    return coordinator, factories.reload(type(informant), informant.id)


def test_the_invitation_with_the_consent_link_counts_as_a_request(app, outbox):
    coordinator, informant = _invited(outbox)
    record = consent.record_of(informant.id)
    assert record.status is ConsentStatus.REQUESTED and record.requested_at == NOW
    [event] = consent.history_of(informant.id)
    assert event.action == "requested" and "invitation" in event.note
    assert db.session.scalars(select(AuditEvent.action)
                              .where(AuditEvent.action == "consent.request")).all()


def test_follow_ups_start_from_the_invitation(app, outbox):
    coordinator, informant = _invited(outbox)
    followed = consent.send_consent_follow_ups(now=NOW + timedelta(days=7))
    assert [r.informant_id for r in followed] == [informant.id]
    assert outbox.messages(informant_id=informant.id)[-1]["Subject"].startswith("Påminnelse")


def test_an_informant_asked_already_is_not_asked_again_by_the_invitation(app, outbox):
    coordinator = factories.make_user(role="coordinator")
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    consent.request_consent(informant, by=coordinator, now=NOW - timedelta(days=2))
    factories.make_interview(informants=[informant], by=coordinator, now=NOW)
    assert [e.action for e in consent.history_of(informant.id)] == ["requested"]
    assert consent.record_of(informant.id).requested_at == NOW - timedelta(days=2)


def test_invited_informant_who_was_identified_is_contacted(app, outbox):
    coordinator, informant = _invited(outbox, status="identified")
    assert informant.status is RecruitmentStatus.CONTACTED
    text = outbox.messages(informant_id=informant.id)[0].get_body(("plain",)).get_content()
    assert "frivillig" in text and "takk for at du vil snakke med oss" not in text


def test_a_consent_request_makes_an_identified_informant_contacted(app, outbox):
    coordinator = factories.make_user(role="coordinator")
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant(status="identified")
    consent.request_consent(informant, by=coordinator, now=NOW)
    assert factories.reload(type(informant), informant.id).status is RecruitmentStatus.CONTACTED


def test_an_agreed_informant_stays_agreed_when_invited(app, outbox):
    coordinator, informant = _invited(outbox, status="agreed")
    assert informant.status is RecruitmentStatus.AGREED
