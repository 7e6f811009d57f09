"""A researcher in a real browser: create a guide, publish it, make version 2, compare."""

import re

from playwright.sync_api import expect

from tests import factories
from tests.support.browser import log_in


def test_create_publish_new_version_and_compare(app, page):
    user = factories.make_user(role="researcher", password=factories.PASSWORD)
    log_in(page, user)

    page.get_by_role("link", name="Guides").click()
    page.get_by_role("link", name="New guide").click()
    page.get_by_label("Title").fill("Radiologists: workflow and trust")
    page.get_by_label("Purpose").fill("How the AI tool changes reading and trust.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Radiologists: workflow and trust")

    page.get_by_role("link", name="Version 1").click()
    page.get_by_role("link", name="Edit draft").click()
    page.get_by_label("Themes, questions and probes").fill(
        "## Workflow\n- How does the tool fit into your day?\n  - What changed?\n"
        "- When do you trust its findings?\n")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text("Version 1 published")
    expect(page.locator("code.hash")).to_have_text(re.compile(r"^sha256:[0-9a-f]{64}$"))

    page.get_by_role("button", name="New version").click()
    editor = page.get_by_label("Themes, questions and probes")
    text = editor.input_value()
    assert "[q-" in text  # keys travel with the questions
    editor.fill(text.replace("When do you trust its findings?",
                             "When do you rely on its findings?")
                + "- Who decided to introduce it?\n")
    page.get_by_label("Change note").fill("Reworded the trust question; added governance.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text("Version 2 published")

    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Version 1 compared with version 2")
    expect(page.locator("del", has_text="When do you trust its findings?")).to_be_visible()
    expect(page.locator("ins", has_text="When do you rely on its findings?")).to_be_visible()
    expect(page.locator("tr.diff-added")).to_contain_text("Who decided to introduce it?")
    expect(page.locator(".diff-summary")).to_contain_text("1 added, 1 reworded")
