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
