"""In Chromium, with CSRF protection on: a coordinator sends a member check; the informant, on
a phone 390 px wide, approves one quote, edits one and refuses one; the interview page then
shows the three states."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from fieldwork.database import utcnow
from fieldwork.timeutil import to_local
from tests.memberchecks.conftest import add_quotes, consenting, held_interview
from tests.platform.test_accessibility_browser import serious_violations
from tests.support.browser import log_in

LINK = re.compile(r"http://[^\s/]+(/m/[A-Za-z0-9_-]{43})")


def test_the_informant_answers_each_quote_on_a_phone(app, page, browser, live_server, outbox,
                                                     coordinator):
    informant = consenting(coordinator)
    interview = held_interview(coordinator, [informant])
    add_quotes(interview, informant, coordinator,
               texts=["KI-verktøyet ser ting jeg overser.", "Vi stoler på det, men sjekker alltid.",
                      "Ledelsen bestemte alt over hodet på oss."])
    deadline = to_local(utcnow()).date() + timedelta(days=10)

    log_in(page, coordinator)
    page.goto(f"/interviews/{interview.id}")
    page.get_by_role("link", name="Add quotes and send member checks").click()
    assert serious_violations(page) == []
    page.get_by_role("link", name=re.compile("Send member check to")).click()
    assert serious_violations(page) == []
    page.get_by_label("Answer by").fill(deadline.strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Send member check").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Member check sent to {informant.code}")
    expect(page.locator("table.quotes")).to_contain_text("Waiting for answer")
    page.get_by_role("link", name="Add quote").click()
    assert serious_violations(page) == []

    text = outbox.last.get_body(("plain",)).get_content()
    [path] = LINK.findall(text)
    phone_context = browser.new_context(base_url=live_server,
                                        viewport={"width": 390, "height": 844},
                                        is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone.set_default_timeout(10_000)
    try:
        phone.goto(path)
        expect(phone.get_by_role("heading", level=1)).to_have_text("Sitater fra intervjuet ditt")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert serious_violations(phone) == []
        quotes = phone.locator("section.quote-check")
        expect(quotes).to_have_count(3)
        expect(quotes.nth(0)).to_contain_text("Interviewer: What do you think?")

        quotes.nth(0).get_by_role("button", name="Godkjenn", exact=True).click()
        expect(phone.locator("section.quote-check").nth(0)).to_contain_text(
            "Du har godkjent sitatet.")

        second = phone.locator("section.quote-check").nth(1)
        second.get_by_label("Din ordlyd, hvis du vil endre sitatet").fill(
            "Vi stoler på det, og sjekker det som er viktig.")
        second.get_by_role("button", name="Godkjenn med min ordlyd").click()
        second = phone.locator("section.quote-check").nth(1)
        expect(second).to_contain_text("Du har godkjent sitatet med din ordlyd:")
        expect(second).to_contain_text("og sjekker det som er viktig.")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        phone.locator("section.quote-check").nth(2).get_by_role(
            "button", name="Ikke bruk sitatet").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text(
            "Takk, vi har fått svarene dine")
        assert serious_violations(phone) == []
    finally:
        phone_context.close()

    page.goto(f"/interviews/{interview.id}")
    states = page.locator(".quote-states li")
    expect(states).to_have_count(3)
    expect(states.nth(0)).to_contain_text("Approved")
    expect(states.nth(1)).to_contain_text("Approved as edited")
    expect(states.nth(1)).to_contain_text("og sjekker det som er viktig.")
    expect(states.nth(2)).to_contain_text("Refused")
