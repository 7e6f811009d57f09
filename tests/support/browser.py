"""Steps that many browser tests share."""

from playwright.sync_api import expect

from tests import factories


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
