"""The consent gate API other features call: summaries, the participation and recording gates,
and the subquery of informants whose participation consent holds."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from fieldwork.consent import services as consent
from fieldwork.consent.gates import (ConsentSummary, consent_summaries,
                                     participation_consented_ids, require_participation_consent,
                                     require_recording_consent)
from fieldwork.consent.models import ConsentStatus
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews import afterwards
from fieldwork.interviews.models import InterviewStatus
from tests import factories

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_informants_without_a_record_are_not_requested_with_every_item_false(app):
    informant = factories.make_informant()
    summary = consent_summaries([informant.id])[informant.id]
    assert summary.status is ConsentStatus.NOT_REQUESTED
    assert summary.items == {"participation": False, "audio_recording": False,
                             "direct_quotation": False, "re_contact": False}
    assert summary.form_version_id is None and summary.is_current is False
    assert not (summary.may_participate or summary.may_record or summary.may_quote
                or summary.may_recontact)


def test_summary_of_partial_consent_says_what_each_item_allows(app):
    form = factories.make_consent_form("nb")
    informant = factories.make_informant()
    factories.give_consent(informant, {"audio_recording": False, "re_contact": False})
    summary = consent_summaries([informant.id])[informant.id]
    assert summary.status is ConsentStatus.PARTLY_GIVEN
    assert summary.items == {"participation": True, "audio_recording": False,
                             "direct_quotation": True, "re_contact": False}
    assert summary.form_version_id == form.id and summary.is_current
    assert summary.may_participate and summary.may_quote
    assert not summary.may_record and not summary.may_recontact


def test_consent_under_a_retired_version_still_holds_but_is_not_current(app):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    factories.give_consent(informant)
    factories.make_consent_form("nb")  # activating it retires the first
    summary = consent_summaries([informant.id])[informant.id]
    assert summary.may_participate and summary.may_record
    assert summary.is_current is False
    require_participation_consent([db.session.get(Informant, informant.id)])


def test_summaries_take_two_queries_whatever_the_number(app, count_queries):
    factories.make_consent_form("nb")
    people = [factories.make_informant() for _ in range(6)]
    for informant in people[:4]:
        factories.give_consent(informant)
    ids = [i.id for i in people]
    with count_queries:
        summaries = consent_summaries(ids)
    assert count_queries.count == 2
    assert set(summaries) == set(ids)
    assert [summaries[i].may_participate for i in ids] == [True] * 4 + [False] * 2
    with count_queries:
        assert consent_summaries([]) == {}
    assert count_queries.count == 0


def test_participation_gate_names_codes_never_names(app):
    factories.make_consent_form("nb")
    given, missing, declined = (factories.make_informant() for _ in range(3))
    factories.give_consent(given)
    consent.decline_consent(declined, method="signed-paper", by=factories.make_user())
    with pytest.raises(DomainError) as refused:
        require_participation_consent([given, missing, declined])
    message = refused.value.message
    assert missing.code in message and declined.code in message
    assert given.code not in message
    assert missing.name not in message and missing.email not in message
    assert refused.value.field is None
    require_participation_consent([given])


def test_recording_gate_needs_the_audio_item(app):
    factories.make_consent_form("en")
    with_audio = factories.make_informant(language="en")
    without_audio = factories.make_informant(language="en")
    factories.give_consent(with_audio)
    factories.give_consent(without_audio, {"audio_recording": False})
    require_recording_consent([with_audio])
    with pytest.raises(DomainError, match=without_audio.code):
        require_recording_consent([with_audio, without_audio])


def test_withdrawal_closes_every_gate(app):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    factories.give_consent(informant)
    consent.withdraw_consent(informant, by=factories.make_user())
    summary = consent_summaries([informant.id])[informant.id]
    assert summary.status is ConsentStatus.WITHDRAWN
    assert not any(summary.items.values()) and not summary.may_participate
    with pytest.raises(DomainError):
        require_participation_consent([informant])


def test_participation_consented_ids_works_as_a_subquery(app):
    factories.make_consent_form("nb")
    people = [factories.make_informant() for _ in range(4)]
    factories.give_consent(people[0])
    factories.give_consent(people[1], {"audio_recording": False})
    consent.decline_consent(people[2], method="signed-paper", by=factories.make_user())
    counted = db.session.scalar(select(func.count()).select_from(Informant)
                                .where(Informant.id.in_(participation_consented_ids())))
    assert counted == 2
    ids = set(db.session.scalars(participation_consented_ids()))
    assert ids == {people[0].id, people[1].id}


def test_summary_is_frozen(app):
    with pytest.raises(Exception):
        ConsentSummary().status = ConsentStatus.GIVEN


def test_an_interview_cannot_be_marked_conducted_without_participation_consent(app):
    factories.make_consent_form("nb")
    coordinator = factories.make_user()
    informant = factories.make_informant()
    start = NOW + timedelta(days=2)
    interview = factories.make_interview(informants=[informant], by=coordinator, now=NOW,
                                         start=start)
    with pytest.raises(DomainError, match=informant.code):
        afterwards.mark_conducted(interview, by=coordinator, now=start + timedelta(hours=1))
    assert factories.reload(type(interview), interview.id).status is InterviewStatus.INVITED
    factories.give_consent(informant, by=coordinator, now=NOW)
    afterwards.mark_conducted(interview, by=coordinator, now=start + timedelta(hours=1))
    assert factories.reload(type(interview), interview.id).status is InterviewStatus.CONDUCTED


def test_consent_allows_in_sql_agrees_with_the_summaries(app):
    """The SQL form (what an export selects per row) says what the summaries say, for every state:
    no record, partial, full, under a retired version, withdrawn."""
    from fieldwork.consent.gates import consent_allows
    from fieldwork.consent.models import PARTICIPATION, QUOTATION, RECORDING

    factories.make_consent_form("nb")
    coordinator = factories.make_user()
    never, partial, retired, withdrawn, full = (factories.make_informant() for _ in range(5))
    factories.give_consent(partial, {"direct_quotation": False}, by=coordinator)
    factories.give_consent(retired, {"audio_recording": False}, by=coordinator)
    factories.give_consent(withdrawn, by=coordinator)
    consent.withdraw_consent(withdrawn, by=coordinator)
    factories.make_consent_form("nb")  # retires the first version
    factories.give_consent(full, by=coordinator)
    ids = [i.id for i in (never, partial, retired, withdrawn, full)]
    rows = db.session.execute(select(
        Informant.id, consent_allows(Informant.id, PARTICIPATION, QUOTATION),
        consent_allows(Informant.id, PARTICIPATION, RECORDING)).where(Informant.id.in_(ids))).all()
    summaries = consent_summaries(ids)
    in_sql = {row[0]: (bool(row[1]), bool(row[2])) for row in rows}
    assert in_sql == {i: (summaries[i].may_quote, summaries[i].may_record) for i in ids}
    assert in_sql == {never.id: (False, False), partial.id: (False, True),
                      retired.id: (True, False), withdrawn.id: (False, False),
                      full.id: (True, True)}
