"""In a real browser: log in, register an informant, find it in the list, see a form error."""

from playwright.sync_api import expect

from tests import factories
from tests.support.browser import log_in


def test_register_informant_and_see_it_in_the_list(page, app):
    """The coordinator's first task, end to end, with CSRF protection on."""
    factories.make_organisation(name="Vestre Viken HT", code="VVHT")
    factories.make_role(name="Radiologist", code="RAD")
    log_in(page, factories.make_user("coordinator"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Informants").click()
    page.get_by_role("link", name="Register informant").click()
    page.get_by_label("Name").fill("Kari Nordmann")
    page.get_by_label("Email address").fill("kari@")
    page.get_by_label("Organisation").select_option(label="Vestre Viken HT (VVHT)")
    page.get_by_label("Role").select_option(label="Radiologist")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#email-error")).to_contain_text("Enter a valid email address")
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Email address").fill("kari.nordmann@example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("VVHT-RAD-01")

    page.get_by_role("link", name="Back to the list").click()
    row = page.get_by_role("row").filter(has_text="VVHT-RAD-01")
    expect(row).to_contain_text("Kari Nordmann")
    expect(row).to_contain_text("Radiologist")


def test_login_failure_shows_generic_message(page, app):
    """A wrong password is answered without saying whether the account exists."""
    user = factories.make_user("researcher")
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("not-the-right-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email address or password is not correct.")
