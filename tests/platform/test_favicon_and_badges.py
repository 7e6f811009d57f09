"""The first page loads without a missing file or a console error, and states that need attention
have a colour of their own beside the words that say them."""

from playwright.sync_api import expect

from tests import factories
from tests.support.browser import log_in


def test_first_page_has_an_icon_and_no_missing_file(app, page):
    missing, console_errors = [], []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto("/login")
    page.wait_for_load_state("networkidle")
    assert page.locator('link[rel="icon"]').get_attribute("href").endswith("favicon.svg")
    assert page.request.get(page.locator('link[rel="icon"]').get_attribute("href")).ok
    assert missing == [] and console_errors == []


def test_badge_colours_in_the_interview_list(app, page):
    from datetime import datetime, timedelta, timezone

    from fieldwork.interviews import services

    now = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    coordinator = factories.make_user(role="coordinator")
    kept = factories.make_interview(by=coordinator, now=now,
                                    start=now + timedelta(days=7), send_invites=False)
    dropped = factories.make_interview(by=coordinator, now=now,
                                       start=now + timedelta(days=8), send_invites=False)
    services.cancel_interview(dropped, by=coordinator, now=now)
    log_in(page, coordinator)
    page.goto("/interviews/?when=all")
    kept_badge = page.locator(f"tr:has(a[href$='/interviews/{kept.id}']) .status")
    dropped_badge = page.locator(f"tr:has(a[href$='/interviews/{dropped.id}']) .status")
    expect(dropped_badge).to_have_text("Cancelled")
    colour = lambda badge: badge.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour(kept_badge) != colour(dropped_badge)
