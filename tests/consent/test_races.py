"""Consent under concurrency: a withdrawal takes effect once, an answer counts once, and whoever
comes second is told so (409 or 410), never a 500."""

from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.consent.models import (ConsentEvent, ConsentRecordItem, ConsentStatus, DataTask,
                                      DataTaskKind, TokenPurpose)
from fieldwork.consent.tokens import issue_token
from fieldwork.database import utcnow
from fieldwork.extensions import db
from tests import factories
from tests.consent.test_views import requested, status_of
from tests.support.concurrency import fire_at_once, statuses


def _count(query):
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_two_withdrawal_links_and_the_coordinator_at_once_withdraw_once(app, outbox):
    informant, _, first_link = requested(outbox)
    second_link = issue_token(informant.id, TokenPurpose.WITHDRAW, now=utcnow())
    db.session.commit()
    coordinator = factories.make_user(role="coordinator")
    team_page = f"/consent/informants/{informant.id}/withdraw"

    outcomes = fire_at_once(app, [
        lambda c: c.post(f"/w/{first_link}", data={"withdraw": "1"}),
        lambda c: c.post(f"/w/{second_link}", data={"withdraw": "1"}),
        lambda c: c.post(team_page, data={"note": ""}),
    ], prepare=lambda client, i: i == 2 and factories.log_client_in(client, coordinator))

    links, team = outcomes[:2], outcomes[2]
    won = [o.status_code == 200 for o in links] + [team.status_code == 302]
    assert won.count(True) == 1, statuses(outcomes)
    for outcome in links:
        assert outcome.status_code in (200, 410), outcome.text[:300]
    if team.status_code != 302:
        assert team.status_code == 409 and "has withdrawn already" in team.text
    assert status_of(informant) is ConsentStatus.WITHDRAWN
    assert _count(select(ConsentEvent).where(ConsentEvent.action == "withdrawn")) == 1
    assert _count(select(DataTask).where(DataTask.informant_id == informant.id)) == len(DataTaskKind)
    assert _count(select(AuditEvent).where(AuditEvent.action == "consent.withdraw")) == 1
    assert len(outbox.rows(purpose="consent-withdrawn")) == 1


def test_two_answers_through_one_link_at_once_count_once(app, outbox):
    """The same consent page open in two tabs, both sent at the same moment."""
    informant, token, _ = requested(outbox)
    answers = [{"items": ["participation", "audio_recording"], "consent": "1"},
               {"items": ["participation"], "consent": "1"}]

    outcomes = fire_at_once(app, [lambda c, data=data: c.post(f"/c/{token}", data=data)
                                  for data in answers])

    assert statuses(outcomes) == [200, 410], [o.text[:300] for o in outcomes]
    assert status_of(informant) in (ConsentStatus.GIVEN, ConsentStatus.PARTLY_GIVEN)
    assert _count(select(ConsentEvent).where(ConsentEvent.action.in_(
        ["given", "partly-given"]))) == 1
    assert _count(select(AuditEvent).where(AuditEvent.action == "consent.give")) == 1
    assert _count(select(ConsentRecordItem).where(ConsentRecordItem.is_given)) in (1, 2)


def test_an_answer_and_a_withdrawal_at_once_leave_the_informant_withdrawn_or_answered(app, outbox):
    informant, token, withdraw = requested(outbox)

    outcomes = fire_at_once(app, [
        lambda c: c.post(f"/c/{token}", data={"items": ["participation"], "consent": "1"}),
        lambda c: c.post(f"/w/{withdraw}", data={"withdraw": "1"}),
    ])

    assert 500 not in statuses(outcomes), [o.text[:300] for o in outcomes]
    answer, withdrawal = outcomes
    # The withdrawal link always works: it wins, or it comes second and withdraws the consent.
    assert withdrawal.status_code == 200
    assert answer.status_code in (200, 410)
    assert status_of(informant) is ConsentStatus.WITHDRAWN
    assert _count(select(ConsentEvent).where(ConsentEvent.action == "withdrawn")) == 1


def test_the_team_withdrawing_someone_already_withdrawn_gets_409_and_changes_nothing(app, client,
                                                                                     outbox):
    informant, _, withdraw = requested(outbox)
    assert client.post(f"/w/{withdraw}", data={"withdraw": "1"}).status_code == 200
    factories.log_client_in(client, factories.make_user(role="coordinator"))
    response = client.post(f"/consent/informants/{informant.id}/withdraw", data={"note": "Phoned."})
    assert response.status_code == 409 and "has withdrawn already" in response.get_data(as_text=True)
    assert _count(select(ConsentEvent).where(ConsentEvent.action == "withdrawn")) == 1
    assert _count(select(AuditEvent).where(AuditEvent.action == "consent.withdraw")) == 1
