"""Scheduling under concurrency: requests sent at the same moment book a person once."""

from datetime import timedelta

from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.extensions import db
from fieldwork.interviews.models import Interview
from tests import factories
from tests.interviews.test_views import form_data, next_week
from tests.support.concurrency import fire_at_once, statuses

OVERLAP = "is already booked for an interview"


def _assert_one_winner(outcomes, *, winners=302):
    assert statuses(outcomes).count(winners) == 1, statuses(outcomes)
    for outcome in outcomes:
        if outcome.status_code != winners:
            assert outcome.status_code == 422, (outcome.status_code, outcome.text[:300])
            assert OVERLAP in outcome.text


def _log_in_as(users):
    return lambda client, i: factories.log_client_in(client, users[i % len(users)])


def test_twenty_bookings_of_one_informant_at_once_make_one_interview(app):
    """Two coordinators, one informant, twenty overlapping starts between 10:00 and 10:15."""
    coordinators = [factories.make_user(role="coordinator") for _ in range(2)]
    informant = factories.make_informant()
    start = next_week(10)
    forms = [form_data(informant, coordinators[i % 2], start=start + timedelta(minutes=i % 16))
             for i in range(20)]

    outcomes = fire_at_once(app, [lambda c, data=data: c.post("/interviews/new", data=data)
                                  for data in forms], prepare=_log_in_as(coordinators))

    _assert_one_winner(outcomes)
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "interview.create")) == 1


def test_one_interviewer_with_twenty_informants_at_one_hour_gets_one_interview(app):
    coordinator = factories.make_user(role="coordinator")
    researcher = factories.make_user(role="researcher")
    informants = [factories.make_informant() for _ in range(20)]
    forms = [form_data(informant, researcher, start=next_week(11)) for informant in informants]

    outcomes = fire_at_once(app, [lambda c, data=data: c.post("/interviews/new", data=data)
                                  for data in forms], prepare=_log_in_as([coordinator]))

    _assert_one_winner(outcomes)
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 1


def test_two_interviews_rescheduled_onto_one_slot_at_once_move_one(app):
    """The rescheduling form runs the same overlap check, under the same locks."""
    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant()
    interviews = [factories.make_interview(informants=[informant], by=coordinator,
                                           start=next_week(hour), send_invites=False)
                  for hour in (8, 16)]
    target = next_week(12)
    forms = [(interview.id, form_data(informant, coordinator, start=target))
             for interview in interviews]

    outcomes = fire_at_once(app, [lambda c, i=i, data=data: c.post(f"/interviews/{i}/edit", data=data)
                                  for i, data in forms], prepare=_log_in_as([coordinator]))

    _assert_one_winner(outcomes)
    starts = db.session.scalars(select(Interview.starts_at)
                                .execution_options(populate_existing=True)).all()
    assert sorted(starts).count(target) == 1


def test_a_booking_sent_with_a_withdrawal_never_books_the_withdrawn_informant(app, outbox):
    """Scheduling reads the informant after locking them, so a withdrawal that commits first is
    seen (the informant cannot be scheduled); one that comes second cancels the interview."""
    from fieldwork.consent.models import TokenPurpose
    from fieldwork.consent.tokens import issue_token
    from fieldwork.database import utcnow
    from fieldwork.interviews.models import InterviewStatus

    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant()
    link = issue_token(informant.id, TokenPurpose.WITHDRAW, now=utcnow())
    db.session.commit()
    data = form_data(informant, coordinator, start=next_week(9))

    outcomes = fire_at_once(app, [
        lambda c: c.post("/interviews/new", data=data),
        lambda c: c.post(f"/w/{link}", data={"withdraw": "1"}),
    ], prepare=lambda client, i: i == 0 and factories.log_client_in(client, coordinator))

    booking, withdrawal = outcomes
    assert withdrawal.status_code == 200
    assert booking.status_code in (302, 422), booking.text[:300]
    open_ones = db.session.scalars(select(Interview).where(
        Interview.status.not_in([InterviewStatus.CANCELLED]))).all()
    assert open_ones == []
