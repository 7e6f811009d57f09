"""Downloads follow the filters as they are shown, even when Filter was not pressed."""

import csv
import io
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from tests import factories
from tests.support.browser import log_in

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def _two_organisations(coordinator):
    vvht = factories.make_organisation("Vestre Viken HT", "VVHT", "local")
    vht = factories.make_organisation("Vestfold HT", "VHT", "local")
    radiologist = factories.make_role("Radiologist", "RAD")
    ase = factories.make_informant(vvht, radiologist, name="Åse Øvrebø")
    bjorn = factories.make_informant(vht, radiologist, name="Bjørn Berg")
    for hours, informant in enumerate((ase, bjorn)):
        factories.make_interview(by=coordinator, informants=[informant],
                                 start=NOW + timedelta(days=7, hours=3 * hours),
                                 now=NOW)
    return vvht, ase, bjorn


def _codes(download, column):
    rows = list(csv.DictReader(io.StringIO(download.path().read_text("utf-8-sig"), newline="")))
    return {row[column] for row in rows}


def test_interview_export_uses_the_organisation_chosen_but_not_yet_filtered(app, page):
    coordinator = factories.make_user(role="coordinator")
    vvht, ase, bjorn = _two_organisations(coordinator)
    log_in(page, coordinator)
    page.goto("/exports/")
    page.get_by_label("Interviews").select_option("all")
    page.get_by_label("Organisation").select_option(str(vvht.id))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV", exact=True).click()
    header = next(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    code_column = next(name for name in header if "code" in name.lower())
    assert _codes(download.value, code_column) == {ase.code}


def test_informant_export_uses_the_filters_on_screen(app, page):
    coordinator = factories.make_user(role="coordinator")
    vvht, ase, bjorn = _two_organisations(coordinator)
    log_in(page, coordinator)
    page.goto("/informants/")
    page.get_by_label("Organisation").select_option(str(vvht.id))
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    header = next(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    code_column = next(name for name in header if "code" in name.lower())
    assert _codes(download.value, code_column) == {ase.code}
    expect(page.get_by_label("Organisation")).to_have_value(str(vvht.id))
