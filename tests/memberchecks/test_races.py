"""Member checks under concurrency, with real requests at the same moment on both databases:
a quote answered in two tabs at once records one answer, the other tab is told (409, or 410
once the request is answered in full), never a 500; two schedulers remind once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.database import utcnow
from fieldwork.extensions import db
from fieldwork.memberchecks import services
from fieldwork.memberchecks.models import MemberCheckRequest, QuoteState
from fieldwork.timeutil import to_local
from tests.memberchecks.conftest import (
    DEADLINE,
    HELD,
    add_quotes,
    consenting,
    held_interview,
    link_in,
)
from tests.memberchecks.test_views import asked_now, quotes_of
from tests.support.concurrency import fire_at_once, statuses


def _count(query):
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


@pytest.mark.parametrize("answers", [
    [{"answer": "approved"}, {"answer": "refused"}],
    [{"answer": "edited", "edited_text": "Tab one"}, {"answer": "edited", "edited_text": "Tab two"},
     {"answer": "approved"}],
])
def test_one_quote_answered_in_several_tabs_at_once_records_one_answer(app, coordinator, outbox,
                                                                       answers):
    interview, _, token = asked_now(coordinator, outbox)
    path = f"/m/{token}/quotes/{quotes_of(interview.id)[0].id}"

    outcomes = fire_at_once(app, [
        lambda c, data=data: c.post(path, data=data)
        for data in answers])

    codes = statuses(outcomes)
    assert codes.count(303) == 1 and set(codes) <= {303, 409}, [o.text[:300] for o in outcomes]
    quote = quotes_of(interview.id)[0]
    assert quote.state in (QuoteState.APPROVED, QuoteState.REFUSED, QuoteState.EDITED)
    assert _count(select(AuditEvent).where(AuditEvent.action == "quote.answer")) == 1


def test_the_last_quote_answered_twice_at_once_closes_the_request_once(app, coordinator, outbox):
    informant = consenting(coordinator)
    interview = held_interview(coordinator, [informant])
    [only] = add_quotes(interview, informant, coordinator, texts=["Only one"])
    services.ask_informant(interview, informant, by=coordinator,
                           deadline=to_local(utcnow()).date() + timedelta(days=3))
    token, path = link_in(outbox.last), f"/quotes/{only.id}"

    outcomes = fire_at_once(app, [
        lambda c, answer=answer: c.post(f"/m/{token}{path}", data={"answer": answer})
        for answer in ("approved", "refused")])

    codes = statuses(outcomes)
    assert codes[0] == 200 and codes[1] in (409, 410), [o.text[:300] for o in outcomes]
    assert _count(select(AuditEvent).where(AuditEvent.action == "member_check.answered")) == 1
    assert _count(select(AuditEvent).where(AuditEvent.action == "quote.answer")) == 1


def test_two_schedulers_at_once_send_one_reminder(app, coordinator, held, outbox):
    interview, informant = held
    request = services.ask_informant(interview, informant, deadline=DEADLINE, by=coordinator,
                                     now=HELD)
    due = request.remind_at + timedelta(minutes=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results.append(services.run_member_checks(now=due))
            except Exception as error:  # noqa: BLE001  (reported below, not lost in the thread)
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == ["reminded 0, closed 0", "reminded 1, closed 0"]
    assert len(outbox.rows(purpose="member-check-reminder")) == 1
    assert db.session.scalar(select(MemberCheckRequest.reminded_at)) is not None
