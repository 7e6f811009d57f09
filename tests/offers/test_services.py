"""Offers without HTTP: making them, booking, moving, cancelling, declining, the link's life and
the scheduler's follow-up."""

from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.consent.tokens import token_hash
from fieldwork.errors import DomainError, NotAllowed
from fieldwork.extensions import db
from fieldwork.interviews.models import Interview, InterviewStatus
from fieldwork.offers import services as offers
from fieldwork.offers.models import Offer, OfferLink, OfferStatus
from fieldwork.offers.services import CutoffPassed, SlotTaken, TokenProblem
from tests import factories
from tests.offers.helpers import STARTS, make_offers, offer_values, text_of, token_for


def utc(instant):
    return instant.astimezone(UTC)


@pytest.fixture
def team(app):
    factories.make_consent_form("nb")
    factories.make_consent_form("en")
    coordinator = factories.make_user(role="coordinator", name="Kari Koordinator",
                                     language="nb")
    researcher = factories.make_user(role="researcher", name="Rolf Researcher")
    return coordinator, researcher


def consenting(**values):
    informant = factories.make_informant(**values)
    factories.give_consent(informant, now=factories.NOW - timedelta(days=1))
    return informant


def test_an_offer_is_emailed_in_the_informants_language_with_a_hashed_link(team, now, outbox):
    coordinator, researcher = team
    nb, en = consenting(language="nb"), consenting(language="en")
    made = make_offers(by=coordinator, now=now, informants=[nb, en],
                       interviewers=[coordinator, researcher])
    assert [o.status for o in made] == [OfferStatus.SENT, OfferStatus.SENT]
    [to_nb] = outbox.rows(informant_id=nb.id, purpose="offer")
    [to_en] = outbox.rows(informant_id=en.id, purpose="offer")
    assert to_nb.subject.startswith("Velg tidspunkt") and to_en.subject.startswith("Choose a time")
    # The weekday is spelled out, in Oslo time.
    assert "onsdag 4. mars 2026 kl. 10:00" in text_of(to_nb.raw)
    assert "Wednesday 4 March 2026 at 10:00" in text_of(to_en.raw)
    token = token_for(made[0])
    hashes = db.session.scalars(select(OfferLink.token_hash)).all()
    assert token_hash(token) in hashes and token not in hashes
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "offer.create")).all()
    assert len(events) == 2 and events[0].actor_id == coordinator.id
    assert events[0].after["times"] == [utc(s).isoformat() for s in STARTS]


@pytest.mark.parametrize("change, field", [
    ({"starts": []}, "times"),
    ({"starts": [factories.NOW - timedelta(hours=1)]}, "times"),
    ({"need": "some"}, "need"),
    ({"mode": "in-person", "place": ""}, "place"),
    ({"interviewer_ids": []}, "interviewer_ids"),
    ({"expires_at": factories.NOW - timedelta(minutes=1)}, "expires_on"),
    ({"expires_at": STARTS[-1] + timedelta(hours=1)}, "expires_on"),
])
def test_unusable_offers_are_refused_and_nothing_is_sent(team, now, outbox, change, field):
    coordinator, researcher = team
    values = {**offer_values(informants=[consenting()], interviewers=[researcher]), **change}
    with pytest.raises(DomainError) as refused:
        offers.create_offers(values, by=coordinator, now=now)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 0
    assert len(outbox) == 0


def test_booking_makes_the_interview_chosen_at_offer_time_and_invites(team, now, outbox):
    coordinator, researcher = team
    informant = consenting()
    version = factories.published_version(by=coordinator)
    [offer] = make_offers(by=coordinator, now=now, informants=[informant],
                          interviewers=[coordinator, researcher], guide_version=version)
    context = offers.open_offer(token_for(offer), now=now)
    interview = offers.book(context, context.slots[1].id, now=now)
    assert interview.starts_at == STARTS[1]
    assert interview.guide_version_id == version.id
    assert {u.id for u in interview.interviewers} == {coordinator.id, researcher.id}
    assert interview.status is InterviewStatus.INVITED and interview.sequence == 0
    [invite] = outbox.rows(informant_id=informant.id, method="REQUEST")
    assert invite.sequence == 0 and invite.interview_id == interview.id
    offer = factories.reload(Offer, offer.id)
    assert offer.status is OfferStatus.BOOKED and offer.interview_id == interview.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "offer.book")).one()
    assert event.actor_label == f"informant {informant.code} via offer link"
    assert event.after["released"] == [utc(STARTS[0]).isoformat(), utc(STARTS[2]).isoformat()]
    # The link now shows the booking; booking again with it is refused.
    context = offers.open_offer(token_for(offer), now=now)
    assert context.interview.id == interview.id
    with pytest.raises(NotAllowed):
        offers.book(context, context.slots[0].id, now=now)


def test_booking_needs_participation_consent_first(team, now):
    coordinator, researcher = team
    informant = factories.make_informant()
    [offer] = make_offers(by=coordinator, now=now, informants=[informant],
                          interviewers=[researcher])
    context = offers.open_offer(token_for(offer), now=now)
    assert context.needs_consent and context.consent_version is not None
    with pytest.raises(NotAllowed):
        offers.book(context, context.slots[0].id, now=now)
    db.session.rollback()
    context = offers.open_offer(token_for(offer), now=now)
    offers.give_consent_through_offer(
        context, {item.key: True for item in context.consent_version.items}, agree=True, now=now)
    context = offers.open_offer(token_for(offer), now=now)
    assert not context.needs_consent
    assert offers.book(context, context.slots[0].id, now=now).starts_at == STARTS[0]


def test_a_time_taken_by_another_informant_is_refused_and_no_longer_shown(team, now):
    coordinator, researcher = team
    first, second = consenting(), consenting()
    one, other = make_offers(by=coordinator, now=now, informants=[first, second],
                             interviewers=[researcher])
    mine = offers.open_offer(token_for(one), now=now)
    theirs = offers.open_offer(token_for(other), now=now)  # opened before the first booking
    offers.book(mine, mine.slots[0].id, now=now)
    with pytest.raises(SlotTaken):
        offers.book(theirs, theirs.slots[0].id, now=now)
    db.session.rollback()
    theirs = offers.open_offer(token_for(other), now=now)
    assert [s.starts_at for s in theirs.free_slots] == STARTS[1:]
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 1


def test_a_time_the_coordinator_scheduled_meanwhile_is_taken(team, now):
    coordinator, researcher = team
    [offer] = make_offers(by=coordinator, now=now, informants=[consenting()],
                          interviewers=[researcher])
    context = offers.open_offer(token_for(offer), now=now)
    factories.make_interview(interviewers=[researcher], start=STARTS[0], by=coordinator, now=now)
    with pytest.raises(SlotTaken):
        offers.book(context, context.slots[0].id, now=now)


def test_any_one_interviewer_takes_whoever_is_free(team, now):
    coordinator, researcher = team
    [offer] = make_offers(by=coordinator, now=now, informants=[consenting()], need="any",
                          interviewers=[coordinator, researcher])
    busy = coordinator if coordinator.id < researcher.id else researcher
    free = researcher if busy is coordinator else coordinator
    factories.make_interview(interviewers=[busy], start=STARTS[0], by=coordinator, now=now)
    context = offers.open_offer(token_for(offer), now=now)
    assert STARTS[0] in [s.starts_at for s in context.free_slots]
    interview = offers.book(context, context.slots[0].id, now=now)
    assert [u.id for u in interview.interviewers] == [free.id]


def test_move_sends_the_update_with_the_same_uid_until_the_cutoff(app, team, now, outbox):
    coordinator, researcher = team
    informant = consenting()
    [offer] = make_offers(by=coordinator, now=now, informants=[informant],
                          interviewers=[researcher])
    token = token_for(offer)
    context = offers.open_offer(token, now=now)
    interview = offers.book(context, context.slots[0].id, now=now)
    context = offers.open_offer(token, now=now)
    assert context.can_change
    moved = offers.move(context, context.slots[2].id, now=now)
    assert moved.starts_at == STARTS[2] and moved.uid == interview.uid and moved.sequence == 1
    requests = outbox.rows(informant_id=informant.id, method="REQUEST")
    # (Both are invitations to a calendar that never got the first: the second supersedes it.)
    assert [m.sequence for m in requests] == [0, 1]
    # Within the cut-off (24 hours by default) the link no longer changes anything.
    late = STARTS[2] - timedelta(hours=app.config["OFFER_CUTOFF_HOURS"] - 1)
    context = offers.open_offer(token, now=late)
    assert not context.can_change
    with pytest.raises(CutoffPassed):
        offers.move(context, context.slots[1].id, now=late)
    db.session.rollback()
    with pytest.raises(CutoffPassed):
        offers.cancel_booking(context, now=late)


def test_cancel_sends_cancel_and_tells_the_coordinator(team, now, outbox):
    coordinator, researcher = team
    informant = consenting()
    [offer] = make_offers(by=coordinator, now=now, informants=[informant],
                          interviewers=[researcher])
    token = token_for(offer)
    context = offers.open_offer(token, now=now)
    interview = offers.book(context, context.slots[0].id, now=now)
    offers.cancel_booking(offers.open_offer(token, now=now), message="Sick leave", now=now)
    assert factories.reload(Interview, interview.id).status is InterviewStatus.CANCELLED
    [cancel] = outbox.rows(informant_id=informant.id, method="CANCEL")
    assert cancel.sequence == 1
    [told] = outbox.rows(user_id=coordinator.id, purpose="offer-answer")
    assert informant.code in told.subject and "Sick leave" not in text_of(told.raw)
    assert told.subject.startswith("Et booket intervju ble avlyst")  # the account's language
    offer = factories.reload(Offer, offer.id)
    assert offer.status is OfferStatus.CANCELLED and offer.message == "Sick leave"
    with pytest.raises(TokenProblem) as problem:
        offers.open_offer(token, now=now)
    assert problem.value.kind == "used"


def test_none_of_these_suit_me(team, now, outbox):
    coordinator, researcher = team
    [offer] = make_offers(by=coordinator, now=now, informants=[consenting()],
                          interviewers=[researcher])
    context = offers.open_offer(token_for(offer), now=now)
    offers.decline(context, message="Next week is better", now=now)
    offer = factories.reload(Offer, offer.id)
    assert offer.status is OfferStatus.DECLINED and offer.message == "Next week is better"
    [told] = outbox.rows(user_id=coordinator.id, purpose="offer-answer")
    assert told.subject.startswith("Et tilbud om tider ble avslått")
    with pytest.raises(DomainError) as refused:
        offers.decline(context, message="\x1b[31m", now=now)
    assert refused.value.field is None or isinstance(refused.value, NotAllowed)


def test_links_that_are_unknown_expired_or_used_up(team, now):
    coordinator, researcher = team
    [offer] = make_offers(by=coordinator, now=now, informants=[consenting()],
                          interviewers=[researcher])
    token = token_for(offer)
    for bad in ("x" * 43, "short", token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(TokenProblem) as problem:
            offers.open_offer(bad, now=now)
        assert problem.value.kind == "unknown"
    with pytest.raises(TokenProblem) as problem:
        offers.open_offer(token, now=offer.expires_at)
    assert problem.value.kind == "expired"
    offers.withdraw_offer(offer, by=coordinator, now=now)
    with pytest.raises(TokenProblem) as problem:
        offers.open_offer(token, now=now)
    assert problem.value.kind == "used"


def test_the_scheduler_follows_up_once_then_expires(team, now, outbox):
    coordinator, researcher = team
    informant = consenting()
    starts = [now + timedelta(days=5)]
    [offer] = make_offers(by=coordinator, now=now, informants=[informant],
                          interviewers=[researcher], starts=starts,
                          expires_at=now + timedelta(days=3))
    first_token = token_for(offer)
    assert offers.follow_up_offers(now=now) == "followed up 0, expired 0"
    soon = now + timedelta(days=2, hours=1)
    assert offers.follow_up_offers(now=soon) == "followed up 1, expired 0"
    assert offers.follow_up_offers(now=soon + timedelta(hours=1)) == "followed up 0, expired 0"
    [follow_up] = outbox.rows(informant_id=informant.id, purpose="offer-follow-up")
    assert follow_up.subject.startswith("Påminnelse")
    second_token = token_for(offer)
    assert second_token != first_token
    assert offers.open_offer(first_token, now=soon).offer.id == offer.id  # both links work
    later = now + timedelta(days=3)
    assert offers.follow_up_offers(now=later) == "followed up 0, expired 1"
    assert factories.reload(Offer, offer.id).status is OfferStatus.EXPIRED
    with pytest.raises(TokenProblem) as problem:
        offers.open_offer(second_token, now=later)
    assert problem.value.kind == "expired"


def test_times_across_the_spring_daylight_saving_change(team, now):
    """Sunday 29 March 2026 the clocks go forward: 10:00 that day is 08:00 UTC, not 09:00."""
    coordinator, researcher = team
    starts = [factories.oslo(2026, 3, 28, 10), factories.oslo(2026, 3, 29, 10)]
    [offer] = make_offers(by=coordinator, now=now, informants=[consenting(language="en")],
                          interviewers=[researcher], starts=starts)
    context = offers.open_offer(token_for(offer), now=now)
    assert [s.starts_at.hour for s in context.slots] == [9, 8]
    interview = offers.book(context, context.slots[1].id, now=now)
    assert interview.starts_at.hour == 8
    from fieldwork.offers.views import offer_when
    assert offer_when(interview.starts_at, "en") == "Sunday 29 March 2026 at 10:00"


def test_a_booking_shows_in_the_daily_digest_and_on_the_dashboard(team, now, outbox):
    from fieldwork.digest.services import send_daily_digest

    coordinator, researcher = team
    informant = consenting()
    [offer] = make_offers(by=coordinator, now=now, informants=[informant],
                          interviewers=[researcher])
    context = offers.open_offer(token_for(offer), now=now)
    offers.book(context, context.slots[0].id, now=now)
    assert send_daily_digest(now=now + timedelta(hours=1)).startswith("sent ")  # 10:00 Oslo
    [digest] = outbox.rows(user_id=coordinator.id, purpose="digest")
    text = text_of(digest.raw)
    # In the coordinator's account language (bokmål by default).
    assert "Svar på tilbudte tider siden i går: 1" in text
    assert f"- {informant.code} booket: intervju ons. 04.03 10:00" in text
    assert informant.name not in text
    summary = offers.dashboard_summary(now=now)
    assert summary.waiting == 0 and [o.id for o in summary.answers] == [offer.id]


def test_times_in_the_hour_the_autumn_change_repeats_are_kept_apart(team, now):
    """Sunday 25 October 2026, 02:30 happens twice in Oslo: at 00:30 and at 01:30 UTC. The
    finder sends instants, so both can be offered and booked exactly."""
    from datetime import datetime

    coordinator, researcher = team
    twice = [datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
             datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]
    made = make_offers(by=coordinator, now=now, informants=[consenting(), consenting()],
                       interviewers=[researcher], starts=twice, duration=30)
    booked = []
    for offer, slot in zip(made, (0, 1)):
        context = offers.open_offer(token_for(offer), now=now)
        booked.append(offers.book(context, context.slots[slot].id, now=now).starts_at)
    assert booked == twice


def test_times_offered_and_not_yet_answered_are_listed_for_a_finder(team, now):
    coordinator, researcher = team
    [offer] = make_offers(by=coordinator, now=now, informants=[consenting()],
                          interviewers=[researcher])
    window = (STARTS[0] - timedelta(hours=1), STARTS[1] + timedelta(hours=2))
    listed = offers.pending_offer_times([researcher.id], *window, now=now)
    assert [(start, offer_id) for start, _, offer_id in listed] == [
        (utc(STARTS[0]), offer.id), (utc(STARTS[1]), offer.id)]
    assert offers.pending_offer_times([coordinator.id], *window, now=now) == []
    context = offers.open_offer(token_for(offer), now=now)
    offers.book(context, context.slots[0].id, now=now)
    assert offers.pending_offer_times([researcher.id], *window, now=now) == []


def test_the_studys_erasure_removes_informants_messages(app, team, now):
    from datetime import date

    from fieldwork import audit as audit_log
    from fieldwork.retention import services as retention

    coordinator, researcher = team
    [offer] = make_offers(by=coordinator, now=now, informants=[consenting()],
                          interviewers=[researcher])
    offers.decline(offers.open_offer(token_for(offer), now=now), message="Call me on 99 88 77 66",
                   now=now)
    app.config["STUDY_END"] = date(2026, 6, 30)
    report = dict((store.key, count) for store, count in retention.retention_report(
        now=now).counts)
    assert report["offer-messages"] == 1
    erased = retention.erase_identities(confirmation="ERASE", by=audit_log.COMMAND_LINE,
                                        now=factories.oslo(2026, 7, 1, 12))
    assert erased["offer-messages"] == 1
    assert factories.reload(Offer, offer.id).message == retention.ERASED
    texts = [str(e.before) + str(e.after) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "offer"))]
    assert not any("99 88 77 66" in text for text in texts)


def test_an_offered_time_outside_working_hours_needs_a_reason_and_then_books(team, now):
    """Offering a time against an interviewer's working hours is a warning the coordinator
    overrides with a reason; the informant's booking must then not fail on it. The offer's and
    the interview's audit trails say which warning and why."""
    from fieldwork.availability import services as availability

    coordinator, researcher = team
    # Mornings only, every weekday: the offered 10:00-11:00 is outside (09:00-10:00).
    availability.set_working_hours(researcher, {day: "09:00-10:00" for day in (
        "monday", "tuesday", "wednesday", "thursday", "friday")}, by=coordinator, now=now)
    values = offer_values(informants=[consenting()], interviewers=[researcher])
    with pytest.raises(DomainError) as refused:
        offers.create_offers(values, by=coordinator, now=now)
    assert refused.value.field == "availability_reason"
    assert refused.value.message.startswith(
        "Wednesday 4 March 2026 at 10:00: Rolf Researcher does not work then (Wednesdays "
        "09:00–10:00). Thursday 5 March 2026 at 10:00:")
    assert "(and" not in refused.value.message  # three times, all named
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 0

    [offer] = offers.create_offers({**values, "availability_reason": "Agreed by phone"},
                                   by=coordinator, now=now)
    [override] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "offer.availability_override")).all()
    assert override.after["reason"] == "Agreed by phone"
    assert {c["starts_at"] for c in override.after["conflicts"]} == {
        utc(s).isoformat() for s in STARTS}
    context = offers.open_offer(token_for(offer), now=now)
    interview = offers.book(context, context.slots[0].id, now=now)
    assert interview.starts_at == utc(STARTS[0])
    [override] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "interview.availability_override",
        AuditEvent.entity_id == str(interview.id))).all()
    assert override.after["reason"] == "A time the coordinator offered, chosen by the informant"
    assert override.after["conflicts"]


def test_with_any_one_interviewer_a_time_is_fine_while_one_of_them_works(team, now):
    from fieldwork.availability import services as availability

    coordinator, researcher = team
    availability.set_working_hours(researcher, {"wednesday": "09:00-10:00"}, by=coordinator,
                                   now=now)
    # The coordinator has entered no hours: not held to any, so always free.
    made = make_offers(by=coordinator, now=now, informants=[consenting()], need="any",
                       interviewers=[coordinator, researcher])
    assert len(made) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "offer.availability_override")) == 0
