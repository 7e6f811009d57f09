"""The offer pages: the team's (roles, the finder's address, bad input) and the informant's
(no login, their language, refusals that change nothing), and simultaneous bookings."""

from datetime import timedelta, timezone
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from fieldwork.extensions import db
from fieldwork.interviews.models import Interview
from fieldwork.offers.models import Offer, OfferSlot, OfferStatus
from tests import factories
from tests.offers.helpers import ahead, offers_now, token_for
from tests.support.concurrency import fire_at_once, statuses


@pytest.fixture
def forms(app):
    factories.make_consent_form("nb")
    factories.make_consent_form("en")


def consenting(**values):
    informant = factories.make_informant(**values)
    factories.give_consent(informant)
    return informant


def utc_text(instant):
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", ["researcher", "analyst"])
def test_only_coordinators_and_admins_make_offers(login_as, client, role):
    login_as(role)
    assert client.get("/offers/new").status_code == 403
    assert client.get("/offers/").status_code == 403
    assert client.post("/offers/new", data={}).status_code == 403


def test_without_login_the_team_pages_ask_for_it(client):
    assert client.get("/offers/new").status_code == 302


def test_the_finders_choice_fills_the_form(login_as, client, researcher, informant):
    coordinator = login_as("coordinator")
    start = ahead(3, 14)
    iso = utc_text(start)
    query = urlencode([("informant", informant.id), ("interviewer", researcher.id),
                       ("interviewer", coordinator.id), ("need", "any"), ("duration", "90"),
                       ("mode", "phone"), ("start", iso)])
    page = client.get(f"/offers/new?{query}").get_data(as_text=True)
    assert f'<input checked id="times-0" name="times" type="checkbox" value="{iso}">' in page
    assert '<input checked id="need-1" name="need" type="radio" value="any">' in page
    assert 'value="90"' in page
    # The weekday spelled out, in Oslo time.
    assert f"{start:%A} {start.day} {start:%B %Y} at 14:00" in page


@pytest.mark.parametrize("query", ["informant=abc", "start=2026-12-09T13:00:00",
                                   "start=tomorrow", "need=some", "mode=carrier-pigeon",
                                   "duration=-5"])
def test_an_unusable_address_from_the_finder_is_a_400(login_as, client, query):
    login_as("coordinator")
    response = client.get(f"/offers/new?{query}")
    assert response.status_code == 400


def test_sending_an_offer_from_the_form(login_as, client, forms, researcher, outbox):
    coordinator = login_as("coordinator")
    assert client.get("/offers/new").status_code == 200  # without the finder, times by hand
    informant = consenting(language="en")
    version = factories.published_version(by=coordinator)
    iso = utc_text(ahead(4))
    day = ahead(5).date()
    data = {"informant_ids": [informant.id], "interviewer_ids": [researcher.id], "need": "all",
            "duration_minutes": "60", "mode": "video",
            "meeting_url": "https://meet.example.org/x", "guide_version_id": version.id,
            "language": "", "times": [iso], "manual-0-day": day.isoformat(),
            "manual-0-start": "13:30", "expires_on": ahead(2).date().isoformat(),
            "expires_time": ""}
    response = client.post("/offers/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [offer] = db.session.scalars(select(Offer)).all()
    assert offer.language.value == "en"
    [message] = outbox.rows(informant_id=informant.id, purpose="offer")
    assert message.subject.startswith("Choose a time")
    assert client.get("/offers/").status_code == 200
    assert client.get(f"/offers/{offer.id}").status_code == 200


def test_a_refused_offer_comes_back_with_the_reason_and_changes_nothing(login_as, client,
                                                                       researcher, outbox):
    login_as("coordinator")
    informant = factories.make_informant()
    data = {"informant_ids": [informant.id], "interviewer_ids": [researcher.id], "need": "all",
            "duration_minutes": "60", "mode": "in-person", "place": "",
            "guide_version_id": factories.published_version().id, "language": "",
            "manual-0-day": ahead(4).date().isoformat(), "manual-0-start": "10:00",
            "expires_on": ahead(2).date().isoformat()}
    response = client.post("/offers/new", data=data)
    assert response.status_code == 422
    assert "Enter where the interview takes place." in response.get_data(as_text=True)
    assert _count(Offer) == 0 and len(outbox) == 0


def test_a_time_typed_outside_working_hours_asks_for_a_reason_then_is_offered(
        login_as, client, forms, researcher, outbox):
    from fieldwork.availability import services as availability

    coordinator = login_as("coordinator")
    availability.set_working_hours(researcher, {day: "08:00-09:00" for day in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
        by=coordinator)
    informant = consenting()
    data = {"informant_ids": [informant.id], "interviewer_ids": [researcher.id], "need": "all",
            "duration_minutes": "60", "mode": "video",
            "meeting_url": "https://meet.example.org/x",
            "guide_version_id": factories.published_version(by=coordinator).id, "language": "",
            "manual-0-day": ahead(4).strftime("%d.%m.%Y"), "manual-0-start": "13:30",
            "expires_on": ahead(2).strftime("%d.%m.%Y")}
    response = client.post("/offers/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "does not work then" in page and "Reason for offering anyway" in page
    assert _count(Offer) == 0 and len(outbox) == 0
    response = client.post("/offers/new", data={**data, "availability_reason": "Agreed by phone"})
    assert response.status_code == 302
    assert _count(Offer) == 1


def test_the_informant_page_is_in_their_language_and_names_no_one_else(client, forms, coordinator,
                                                                      researcher):
    first = consenting(language="nb", name="Åse Øvrebø")
    other = consenting(language="en", name="Other Person")
    made = offers_now(by=coordinator, informants=[first, other], interviewers=[researcher])
    response = client.get(f"/o/{token_for(made[0])}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert 'lang="nb"' in page and "Velg tidspunkt for intervjuet" in page
    assert "Other Person" not in page and other.code not in page and other.email not in page
    weekday = ahead(3).strftime("%A")
    nb_weekdays = {"Monday": "mandag", "Tuesday": "tirsdag", "Wednesday": "onsdag",
                   "Thursday": "torsdag", "Friday": "fredag", "Saturday": "lørdag",
                   "Sunday": "søndag"}
    assert f"{nb_weekdays[weekday]} " in page
    assert factories.reload(Offer, made[0].id).status is OfferStatus.OPENED


def test_booking_through_the_page_and_bad_input(client, forms, coordinator, researcher):
    [offer] = offers_now(by=coordinator, informants=[consenting()], interviewers=[researcher])
    token = token_for(offer)
    assert client.post(f"/o/{token}/book", data={}).status_code == 400
    assert client.post(f"/o/{token}/book", data={"slot": "x"}).status_code == 400
    assert client.post(f"/o/{token}/book", data={"slot": "999999"}).status_code == 422
    assert _count(Interview) == 0
    slot_id = db.session.scalar(select(func.min(OfferSlot.id)))
    response = client.post(f"/o/{token}/book", data={"slot": str(slot_id)})
    assert response.status_code == 302
    assert _count(Interview) == 1
    page = client.get(f"/o/{token}").get_data(as_text=True)
    assert "Intervjuet ditt" in page
    # Booking again with the same link changes nothing.
    assert client.post(f"/o/{token}/book", data={"slot": str(slot_id)}).status_code == 409
    assert _count(Interview) == 1


def test_bad_links_are_refused_without_saying_whose(client, forms, coordinator, researcher):
    [offer] = offers_now(by=coordinator, informants=[consenting()], interviewers=[researcher])
    assert client.get("/o/" + "A" * 43).status_code == 404
    assert client.get("/o/short").status_code == 404
    assert client.post("/o/" + "A" * 43 + "/book", data={"slot": "1"}).status_code == 404
    token = token_for(offer)
    client.post(f"/o/{token}/decline", data={"message": "Not these weeks"})
    response = client.get(f"/o/{token}")
    assert response.status_code == 410
    assert "Not these weeks" not in response.get_data(as_text=True)


def test_a_message_with_control_characters_is_refused(client, forms, coordinator, researcher):
    [offer] = offers_now(by=coordinator, informants=[consenting()], interviewers=[researcher])
    response = client.post(f"/o/{token_for(offer)}/decline", data={"message": "a\x1bb"})
    assert response.status_code == 422
    assert factories.reload(Offer, offer.id).status is OfferStatus.SENT


def test_two_informants_booking_one_interviewer_at_once_get_one_interview(app, forms,
                                                                         coordinator, researcher):
    """Two offers share the same times with the same interviewer; both informants press Book
    on the same time at the same moment. One gets it; the other is told it was taken."""
    made = offers_now(by=coordinator, informants=[consenting(), consenting()],
                      interviewers=[researcher])
    tokens = [token_for(offer) for offer in made]
    first_slots = [db.session.scalar(select(OfferSlot.id).where(OfferSlot.offer_id == offer.id)
                                     .order_by(OfferSlot.starts_at).limit(1)) for offer in made]
    db.session.commit()

    outcomes = fire_at_once(app, [
        lambda c, token=token, slot=slot: c.post(f"/o/{token}/book", data={"slot": str(slot)})
        for token, slot in zip(tokens, first_slots)])

    assert statuses(outcomes) == [302, 409], [o.text[:500] for o in outcomes]
    loser = next(o for o in outcomes if o.status_code == 409)
    assert "nettopp tatt" in loser.text
    assert _count(Interview) == 1
    booked = db.session.scalars(select(Offer).where(Offer.status == OfferStatus.BOOKED)).all()
    assert len(booked) == 1


def test_an_overlapping_not_identical_time_is_also_held(app, forms, coordinator, researcher):
    """Different offered times that overlap (10:00 and 10:30) for one interviewer: one wins."""
    first = offers_now(by=coordinator, informants=[consenting()], interviewers=[researcher],
                       starts=[ahead(3, 10)])
    start = ahead(3, 10) + timedelta(minutes=30)
    second = offers_now(by=coordinator, informants=[consenting()], interviewers=[researcher],
                        starts=[start])
    pairs = [(token_for(o), db.session.scalar(select(OfferSlot.id)
                                              .where(OfferSlot.offer_id == o.id)))
             for o in (*first, *second)]
    db.session.commit()
    outcomes = fire_at_once(app, [
        lambda c, token=token, slot=slot: c.post(f"/o/{token}/book", data={"slot": str(slot)})
        for token, slot in pairs])
    assert statuses(outcomes) == [302, 409], [o.text[:500] for o in outcomes]
    assert _count(Interview) == 1


def test_the_dashboard_shows_offers_to_those_who_manage_them(client, login_as, forms,
                                                            researcher):
    coordinator = login_as("coordinator")
    offers_now(by=coordinator, informants=[consenting()], interviewers=[researcher])
    page = client.get("/").get_data(as_text=True)
    assert "Offered times" in page and "1 offer waiting for an answer" in page
    login_as("analyst")
    assert "Offered times" not in client.get("/").get_data(as_text=True)


def test_the_offers_page_runs_the_same_statements_for_few_and_many(client, login_as, forms,
                                                                   researcher, count_queries):
    coordinator = login_as("coordinator")
    counts = []
    for informants in (1, 8):
        offers_now(by=coordinator, interviewers=[researcher],
                   informants=[consenting() for _ in range(informants)])
        with count_queries:
            response = client.get("/offers/")
        assert response.status_code == 200
        counts.append(count_queries.count)
    assert counts[0] == counts[1], counts
    assert client.get("/offers/?status=booked").status_code == 200
    assert client.get("/offers/?status=nonsense").status_code == 400
    assert client.get("/offers/?page=x").status_code == 400


def test_the_team_withdraws_an_offer_once(client, login_as, forms, researcher):
    coordinator = login_as("coordinator")
    [offer] = offers_now(by=coordinator, informants=[consenting()], interviewers=[researcher])
    token = token_for(offer)
    assert client.post(f"/offers/{offer.id}/cancel").status_code == 302
    assert factories.reload(Offer, offer.id).status is OfferStatus.CANCELLED
    assert client.post(f"/offers/{offer.id}/cancel").status_code == 409
    assert client.post("/offers/999999/cancel").status_code == 404
    assert client.get(f"/o/{token}").status_code == 410
    login_as("researcher")
    assert client.post(f"/offers/{offer.id}/cancel").status_code == 403


def test_an_expired_offer_says_so(client, forms, coordinator, researcher):
    [offer] = offers_now(by=coordinator, informants=[consenting()], interviewers=[researcher])
    token = token_for(offer)
    stored = db.session.get(Offer, offer.id)
    stored.expires_at = stored.created_at - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/o/{token}")
    assert response.status_code == 410 and "utløpt" in response.get_data(as_text=True)


def test_consent_on_the_offer_page_follows_the_consent_links_rules(client, forms, coordinator,
                                                                   researcher):
    from fieldwork.consent.gates import consent_summaries

    first, second = factories.make_informant(), factories.make_informant()
    made = offers_now(by=coordinator, informants=[first, second], interviewers=[researcher])
    token = token_for(made[0])
    page = client.get(f"/o/{token}").get_data(as_text=True)
    assert "Før du velger tid" in page and 'name="slot"' not in page
    # Participation unticked is no consent: the page comes back, nothing recorded.
    response = client.post(f"/o/{token}/consent", data={"items": ["audio_recording"],
                                                        "consent": "1"})
    assert response.status_code == 422
    assert not consent_summaries([first.id])[first.id].may_participate
    assert client.post(f"/o/{token}/book", data={"slot": "1"}).status_code == 409
    response = client.post(f"/o/{token}/consent", data={"items": ["participation"],
                                                        "consent": "1"})
    assert response.status_code == 302
    assert consent_summaries([first.id])[first.id].may_participate
    assert 'name="slot"' in client.get(f"/o/{token}").get_data(as_text=True)
    # Not wanting to take part declines the offer too.
    other = token_for(made[1])
    response = client.post(f"/o/{other}/consent", data={"decline": "1"})
    assert response.status_code == 200
    assert factories.reload(Offer, made[1].id).status is OfferStatus.DECLINED
    assert client.get(f"/o/{other}").status_code == 410
