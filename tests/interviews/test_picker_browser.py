"""Choosing informants: checkboxes that a plain click ticks without dropping others, a filter box
that finds by code, name, organisation or role, and the chosen ones first after a refused form."""

from playwright.sync_api import expect

from tests import factories
from tests.support.browser import log_in


def _informants():
    vvht = factories.make_organisation("Vestre Viken HT", "VVHT", "local")
    hdir = factories.make_organisation("Helsedirektoratet", "HDIR", "national")
    radiologist = factories.make_role("Radiologist", "RAD")
    manager = factories.make_role("Clinic manager", "MGR")
    ase = factories.make_informant(vvht, radiologist, name="Åse Øvrebø", language="en")
    bjorn = factories.make_informant(hdir, manager, name="Bjørn Berg")
    others = [factories.make_informant(vvht, radiologist) for _ in range(8)]
    return ase, bjorn, others


def test_filter_and_tick_two_informants_with_plain_clicks(app, page):
    ase, bjorn, _ = _informants()
    log_in(page, factories.make_user(role="coordinator"))
    page.goto("/interviews/new")
    picker = page.locator("fieldset.picker")
    expect(picker.get_by_text("Åse Øvrebø")).to_be_visible()
    expect(picker.locator("li", has_text=ase.code)).to_contain_text("English")
    finder = page.get_by_label("Find an informant")
    finder.fill("hdir")
    expect(picker.locator("li:visible")).to_have_count(1)
    picker.get_by_label(bjorn.code, exact=False).check()
    finder.fill("øvrebø")
    picker.get_by_label(ase.code, exact=False).check()
    finder.press("Enter")  # does not submit the form
    finder.fill("")
    expect(picker.locator("input:checked")).to_have_count(2)
    assert page.url.endswith("/interviews/new")


def test_after_a_refused_form_the_chosen_informant_is_first(app, page):
    ase, bjorn, others = _informants()
    log_in(page, factories.make_user(role="coordinator"))
    page.goto("/interviews/new")
    page.locator("fieldset.picker").get_by_label(others[-1].code, exact=False).check()
    page.get_by_role("button", name="Save").click()  # no date: refused
    expect(page.locator(".has-error").first).to_be_visible()
    first = page.locator("fieldset.picker li").first
    expect(first).to_contain_text(others[-1].code)
    expect(first.locator("input")).to_be_checked()


def test_the_picker_works_from_the_keyboard(app, page):
    ase, bjorn, _ = _informants()
    log_in(page, factories.make_user(role="coordinator"))
    page.goto("/interviews/new")
    finder = page.get_by_label("Find an informant")
    finder.focus()
    page.keyboard.type("hdir")
    expect(page.locator("fieldset.picker [aria-live]")).to_have_text("1 of 1 shown")
    page.keyboard.press("Tab")  # to the one informant still shown
    page.keyboard.press("Space")
    picker = page.locator("fieldset.picker")
    expect(picker.get_by_label(bjorn.code, exact=False)).to_be_checked()
    expect(picker.locator("input:checked")).to_have_count(1)


def test_a_name_typed_is_found_on_the_server_and_scheduled(app, page):
    """With more informants than the form lists, typing a name asks the server for them."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    app.config["PICKER_PAGE_SIZE"] = 3
    ase, bjorn, others = _informants()
    wanted = factories.make_informant(  # last by code, so not among the first shown
        factories.make_organisation("Zeta sykehus", "ZETA", "local"), name="Zacharias Ødegård")
    coordinator = factories.make_user(role="coordinator")
    version = factories.published_version(by=coordinator)
    log_in(page, coordinator)
    page.goto("/interviews/new")
    picker = page.locator("fieldset.picker")
    expect(picker.locator("[aria-live]")).to_have_text("Showing 3 of 11: type to search")
    expect(picker.get_by_text("Zacharias Ødegård")).to_have_count(0)
    page.get_by_label("Find an informant").fill("ødegå")
    expect(picker.locator("[aria-live]")).to_have_text("1 of 1 shown")
    picker.get_by_label(wanted.code, exact=False).check()
    page.get_by_label("Interviewers").select_option(str(coordinator.id))
    day = datetime.now(ZoneInfo("Europe/Oslo")).date() + timedelta(days=9)
    page.get_by_label("Date", exact=True).fill(day.strftime("%d.%m.%Y"))
    page.get_by_label("Starts at").fill("10:00")
    page.get_by_label("Mode").select_option("phone")
    page.get_by_label("Interview guide").select_option(str(version.id))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(day.strftime("%d.%m.%Y"))
    expect(page.get_by_text(wanted.code).first).to_be_visible()
    assert "d%C3%A5" not in page.url and "ødeg" not in page.url
