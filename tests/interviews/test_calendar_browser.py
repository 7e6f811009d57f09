"""The week's time grid in Chromium: visible at 1366 px, scrolling inside its own frame on a
phone, every interview reached with Tab, and no serious or critical axe-core violation on the
week (an ordinary one and one with a daylight-saving change) or the month."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.interviews.test_calendar import schedule
from tests.platform.test_accessibility_browser import serious_violations
from tests.support.browser import log_in


@pytest.fixture
def database(sqlite_template):
    """The browser judges markup and layout, the same on either database."""
    return "sqlite", sqlite_template


def test_the_week_grid_is_visible_and_each_interview_is_reached_by_keyboard(app, page):
    coordinator = factories.make_user(role="coordinator")
    day = date(2026, 11, 17)
    first, second = schedule(coordinator, day, 10), schedule(coordinator, day, 10, 30)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, coordinator)
    page.goto(f"/interviews/calendar?view=week&date={day.isoformat()}")
    grid = page.get_by_role("table", name="Interviews by time of day")
    expect(grid).to_be_visible()
    expect(grid.get_by_role("columnheader", name="Tuesday 17.11")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    one, two = (grid.get_by_role("link", name=name) for name in ("10:00–11:00", "10:30–11:30"))
    one.scroll_into_view_if_needed()
    a, b = one.bounding_box(), two.bounding_box()
    assert a["x"] + a["width"] <= b["x"] and b["y"] > a["y"]  # side by side, the later lower
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "10:30–11:30":
            break
    else:
        pytest.fail("Tab never reached the second interview")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{page.url.split('/interviews')[0]}/interviews/{second.id}",
                             timeout=20_000)
    assert first.id != second.id


def test_on_a_phone_the_grid_scrolls_in_its_own_frame(app, browser, live_server):
    coordinator = factories.make_user(role="coordinator")
    schedule(coordinator, date(2026, 11, 17), 10)
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        log_in(phone, coordinator)
        phone.goto("/interviews/calendar?view=week&date=2026-11-17")
        expect(phone.get_by_role("region", name="Interviews by time of day")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


@pytest.mark.parametrize("url", ["/interviews/calendar?view=week&date=2026-11-17",
                                 "/interviews/calendar?view=week&date=2026-10-25",
                                 "/interviews/calendar?view=month&date=2026-11-17",
                                 "/interviews/calendar?view=list&date=2026-11-17"])
def test_the_calendar_pages_pass_axe(app, page, url):
    coordinator = factories.make_user(role="coordinator")
    for hour, minute in [(9, 0), (9, 10), (9, 20), (9, 30), (13, 0)]:
        schedule(coordinator, date(2026, 11, 17), hour, minute)  # side by side, and "+1 more"
    schedule(coordinator, date(2026, 10, 25), 1, 30, duration=120)  # across the repeated hour
    log_in(page, coordinator)
    page.goto(url)
    expect(page.locator("main")).to_contain_text("Interview calendar")
    assert serious_violations(page) == []
