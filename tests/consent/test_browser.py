"""In a real browser, with CSRF protection on: a coordinator sends a consent request; the
informant, without an account, opens their link, reads the letter, ticks items and consents;
later they withdraw through the link in their receipt, with one click."""

import re

from playwright.sync_api import expect

from fieldwork.consent.gates import consent_summaries
from fieldwork.consent.models import ConsentStatus
from fieldwork.informants.models import Informant, RecruitmentStatus
from tests import factories

LINK = re.compile(r"http://[^\s/]+(/[cw]/[A-Za-z0-9_-]{43})")


def _path(message, kind):
    text = message.get_body(("plain",)).get_content()
    return next(path for path in LINK.findall(text) if path.startswith(f"/{kind}/"))


def test_consent_and_withdrawal_through_the_personal_link(app, page, browser, live_server, outbox):
    coordinator = factories.make_user(role="coordinator")
    factories.make_consent_form("en", by=coordinator)
    informant = factories.make_informant(name="Ingrid Informant", language="en")
    factories.make_informant(name="Someone Else Entirely")

    page.goto("/login")
    page.get_by_label("Email address").fill(coordinator.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Informants").click()
    page.get_by_role("link", name=informant.code).click()
    page.get_by_role("button", name="Send consent request").click()
    expect(page.locator(".flash-success")).to_contain_text("Consent request sent")

    # The informant's own browser: no session, no account.
    own = browser.new_context(base_url=live_server).new_page()
    requests = []
    own.on("request", lambda request: requests.append(request))
    consent_path = _path(outbox.last, "c")
    own.goto(consent_path)
    expect(own.get_by_role("heading", level=1)).to_contain_text("Information letter")
    expect(own.locator("body")).not_to_contain_text("Someone Else Entirely")
    own.get_by_label(re.compile("take part in an interview")).check()
    own.get_by_label(re.compile("quoted directly")).check()
    own.get_by_role("button", name="I consent to what I have ticked").click()
    expect(own.get_by_role("heading", level=1)).to_contain_text("your consent is registered")
    # The page fetches nothing from elsewhere, so its token goes nowhere but this site; and the
    # answer carries the same-origin Referer that the CSRF check demands over HTTPS.
    assert all(r.url.startswith(live_server) for r in requests)
    [answer] = [r for r in requests if r.method == "POST"]
    assert answer.headers.get("referer", "").startswith(live_server + consent_path)
    summary = consent_summaries([informant.id])[informant.id]
    assert summary.status is ConsentStatus.PARTLY_GIVEN
    assert summary.may_participate and summary.may_quote and not summary.may_record

    # The same link again: used, nothing changes.
    response = own.goto(_path(outbox.messages(purpose="consent-request")[-1], "c"))
    assert response.status == 410
    expect(own.get_by_role("heading", level=1)).to_contain_text("has been used")

    # Withdrawal from the receipt's link: one page, one button.
    own.goto(_path(outbox.messages(purpose="consent-receipt")[-1], "w"))
    own.get_by_role("button", name="Withdraw from the study").click()
    expect(own.get_by_role("heading", level=1)).to_contain_text("You have withdrawn")
    assert consent_summaries([informant.id])[informant.id].status is ConsentStatus.WITHDRAWN
    assert factories.reload(Informant, informant.id).status is RecruitmentStatus.WITHDRAWN

    page.reload()
    expect(page.locator("#consent + p")).to_contain_text("Withdrawn")
    expect(page.locator("body")).to_contain_text("Delete the audio recording")
    own.context.close()
