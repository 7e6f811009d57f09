"""At phone width, in a real browser with CSRF protection on: the coordinator sends the times the
finder chose; the informant opens the offer, gives consent, books, then moves the booking. A real
SMTP server receives the invitation (REQUEST, SEQUENCE 0) and the update (REQUEST, SEQUENCE 1) with
one UID, read by a parser we did not write."""

import re
from datetime import timezone
from urllib.parse import urlencode

from playwright.sync_api import expect

from fieldwork.extensions import db
from fieldwork.interviews.models import Interview
from tests import factories
from tests.offers.helpers import ahead
from tests.support.browser import log_in
from tests.support.ical_parsers import parse_with_ical

LINK = re.compile(r"http://[^\s/]+(/o/[A-Za-z0-9_-]{43})")
PHONE = {"width": 390, "height": 844}


def _utc(instant):
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _delivered(smtp_server, runner, count):
    """Wait for `count` messages; what a held-open response has not delivered yet goes out as
    the scheduler would send it (see tests/interviews/test_browser.py)."""
    if not smtp_server.wait_for(count, timeout=5):
        assert runner.invoke(args=["mail", "send-pending"]).exit_code == 0
    assert smtp_server.wait_for(count, timeout=15), len(smtp_server.messages)


def test_informant_consents_books_and_moves_at_phone_width(app, page, browser, live_server,
                                                          smtp_server, runner):
    app.config["MAIL_URL"] = smtp_server.url
    coordinator = factories.make_user(role="coordinator", name="Kari Koordinator")
    researcher = factories.make_user(role="researcher", name="Rolf Researcher")
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org",
                                         language="nb")
    factories.make_informant(name="Someone Else Entirely")
    version = factories.published_version(by=coordinator)
    first, second = ahead(6, 10), ahead(7, 13)

    # The coordinator arrives from the finder with two times chosen.
    log_in(page, coordinator)
    page.goto("/offers/new?" + urlencode([
        ("informant", informant.id), ("interviewer", researcher.id), ("need", "all"),
        ("duration", "60"), ("mode", "video"), ("start", _utc(first)), ("start", _utc(second))]))
    page.get_by_label("Meeting link").fill("https://meet.example.org/ai-study")
    page.get_by_label("Interview guide").select_option(str(version.id))
    page.get_by_role("button", name="Send offer").click()
    expect(page.locator(".flash-success")).to_contain_text("Offer sent to 1 informant")
    _delivered(smtp_server, runner, 1)
    [offer_mail] = [m for m in smtp_server.messages if "ase@example.org" in m.rcpt_tos]
    path = LINK.search(offer_mail.message.get_body(("plain",)).get_content()).group(1)

    # The informant, on their phone: no account, no session.
    phone = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True,
                                has_touch=True).new_page()
    phone.set_default_timeout(10_000)
    phone.goto(path)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Før du velger tid")
    expect(phone.locator("body")).not_to_contain_text("Someone Else Entirely")
    phone.get_by_label(re.compile("påkrevd")).check()
    phone.get_by_role("button", name="Jeg samtykker til det jeg har krysset av").click()
    expect(phone.locator(".flash-success")).to_contain_text("samtykket ditt er registrert")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Velg tidspunkt for intervjuet")
    weekday = {0: "mandag", 1: "tirsdag", 2: "onsdag", 3: "torsdag", 4: "fredag", 5: "lørdag",
               6: "søndag"}
    phone.get_by_label(re.compile(f"^{weekday[first.weekday()]} .* kl. 10:00")).check()
    phone.get_by_role("button", name="Book valgt tid").click()
    expect(phone.locator(".flash-success")).to_contain_text("Intervjuet er booket")
    expect(phone.locator(".booked-time")).to_contain_text("kl. 10:00")
    _delivered(smtp_server, runner, 4)  # the offer, the consent receipt, two invitations

    phone.get_by_label(re.compile(f"^{weekday[second.weekday()]} .* kl. 13:00")).check()
    phone.get_by_role("button", name="Flytt til valgt tid").click()
    expect(phone.locator(".flash-success")).to_contain_text("Intervjuet er flyttet")
    expect(phone.locator(".booked-time")).to_contain_text("kl. 13:00")
    # Phone-first: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _delivered(smtp_server, runner, 6)

    calendars = []
    for received in smtp_server.messages:
        if "ase@example.org" not in received.rcpt_tos:
            continue
        part = next((p for p in received.message.walk()
                     if p.get_content_type() == "text/calendar"), None)
        if part is not None:
            parsed = parse_with_ical(part.get_payload(decode=True))
            [event] = parsed["events"]
            calendars.append((parsed["method"], event["sequence"], event["uid"], event["start"]))
    assert [(method, sequence) for method, sequence, _, _ in calendars] == [
        ("REQUEST", 0), ("REQUEST", 1)]
    assert len({uid for _, _, uid, _ in calendars}) == 1
    assert calendars[1][3] == second.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    db.session.rollback()
    [interview] = db.session.scalars(db.select(Interview)).all()
    assert interview.starts_at == second and interview.guide_version_id == version.id


def test_the_offer_page_meets_wcag_aa_at_phone_width_in_each_state(app, browser, live_server):
    """axe-core over the informant's page: asking for consent, choosing a time, a refusal
    and the booking (see tests/platform/test_accessibility_browser.py)."""
    from fieldwork.database import utcnow
    from tests.offers.helpers import make_offers, token_for
    from tests.platform.test_accessibility_browser import serious_violations

    coordinator = factories.make_user(role="coordinator")
    researcher = factories.make_user(role="researcher")
    factories.make_consent_form("en", by=coordinator)
    informant = factories.make_informant(language="en")
    [offer] = make_offers(by=coordinator, now=utcnow(), informants=[informant],
                          interviewers=[researcher], starts=[ahead(3), ahead(4)])
    path = f"/o/{token_for(offer)}"
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True,
                                  has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        phone.goto(path)
        assert serious_violations(phone) == [], "consent"
        phone.get_by_role("button", name="I consent to what I have ticked").click()
        expect(phone.locator(".flash-error")).to_be_visible()  # participation not ticked
        assert serious_violations(phone) == [], "consent refused"
        phone.get_by_label(re.compile("required")).check()
        phone.get_by_role("button", name="I consent to what I have ticked").click()
        heading = phone.get_by_role("heading", level=1)
        expect(heading).to_have_text("Choose a time for the interview")
        assert serious_violations(phone) == [], "choose"
        phone.get_by_role("button", name="Book the time chosen").click()
        expect(phone.locator(".flash-error")).to_contain_text("Choose one of the times")
        assert serious_violations(phone) == [], "nothing chosen"
        phone.get_by_role("radio").first.check()
        phone.get_by_role("button", name="Book the time chosen").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Your interview")
        assert serious_violations(phone) == [], "booked"
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
