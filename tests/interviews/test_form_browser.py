"""The interview form in a browser: the field the mode needs, a styled time field, the checkbox
beside its label, and the same primary Save button as elsewhere."""

from playwright.sync_api import expect

from tests import factories
from tests.support.browser import log_in


def test_the_mode_shows_place_or_meeting_link(app, page):
    log_in(page, factories.make_user(role="coordinator"))
    page.goto("/interviews/new")
    mode = page.get_by_label("Mode")
    mode.select_option("in-person")
    expect(page.get_by_label("Place")).to_be_visible()
    expect(page.get_by_label("Meeting link")).to_be_hidden()
    mode.select_option("video")
    expect(page.get_by_label("Place")).to_be_hidden()
    expect(page.get_by_label("Meeting link")).to_be_visible()
    mode.select_option("phone")
    expect(page.get_by_label("Meeting link")).to_be_hidden()


def test_a_value_typed_before_changing_mode_stays_in_sight(app, page):
    log_in(page, factories.make_user(role="coordinator"))
    page.goto("/interviews/new")
    page.get_by_label("Mode").select_option("in-person")
    page.get_by_label("Place").fill("Storgata 5")
    page.get_by_label("Mode").select_option("video")
    expect(page.get_by_label("Place")).to_be_visible()


def test_time_field_checkbox_and_save_button_look_like_the_rest(app, page):
    log_in(page, factories.make_user(role="coordinator"))
    page.goto("/interviews/new")
    width = lambda label: page.get_by_label(label, exact=True).bounding_box()["width"]
    assert abs(width("Starts at") - width("Date")) < 2
    box = page.locator(".field.checkbox input").bounding_box()
    label = page.locator(".field.checkbox label").bounding_box()
    assert abs(box["y"] + box["height"] / 2 - (label["y"] + label["height"] / 2)) < label["height"]
    assert label["x"] > box["x"]
    save = page.locator("form input[type=submit]")
    assert "primary" in save.get_attribute("class")


def test_dates_read_day_first_in_a_browser_set_to_american_english(app, browser, live_server):
    """A browser's own date field would show 12/09/2026 here; the form shows what pages show."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant()
    version = factories.published_version(by=coordinator)
    day = datetime.now(ZoneInfo("Europe/Oslo")).date() + timedelta(days=9)
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, coordinator)
        page.goto("/interviews/new")
        page.locator("fieldset.picker").get_by_label(informant.code, exact=False).check()
        page.get_by_label("Interviewers").select_option(str(coordinator.id))
        date = page.get_by_label("Date", exact=True)
        expect(date).to_have_attribute("type", "text")
        expect(date).to_have_accessible_description("dd.mm.yyyy")
        date.fill(day.strftime("%m/%d/%Y"))
        page.get_by_label("Starts at").fill("2:30 PM")
        page.get_by_label("Mode").select_option("phone")
        page.get_by_label("Interview guide").select_option(str(version.id))
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Enter the date as day.month.year")).to_be_visible()
        expect(page.get_by_text("Enter the time as hours:minutes")).to_be_visible()
        expect(date).to_have_value(day.strftime("%m/%d/%Y"))
        date.fill(day.strftime("%d.%m.%Y"))
        page.get_by_label("Starts at").fill("14:30")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(day.strftime("%d.%m.%Y"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("14:30")
        page.get_by_role("link", name="Reschedule or edit").click()
        expect(date).to_have_value(day.strftime("%d.%m.%Y"))
        expect(page.get_by_label("Starts at")).to_have_value("14:30")
    finally:
        context.close()
