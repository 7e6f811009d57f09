"""At 1366 px (a common laptop) the wide pages fit: the sampling matrix with its All column, the
seven pipeline columns, and the audit log; pseudonym codes never break at their hyphens."""

import pytest

from tests import factories
from tests.support.browser import log_in

WIDE_PAGES = ["/", "/interviews/pipeline", "/audit/", "/informants/", "/consent/",
              "/interviews/"]


@pytest.fixture
def demo_admin(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return factories.make_user(role="admin", name="Ada Admin")


def test_wide_pages_fit_a_1366_pixel_screen(app, page, demo_admin):
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, demo_admin)
    for path in WIDE_PAGES:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, path
        codes = page.locator("main code").evaluate_all(
            "els => els.filter(e => e.getClientRects().length > 1).map(e => e.textContent)")
        assert codes == [], f"{path}: codes broken across lines: {codes}"
    page.goto("/")
    all_column = page.locator("table.matrix th.total")
    assert all_column.bounding_box()["x"] + all_column.bounding_box()["width"] <= 1366
    page.goto("/interviews/pipeline")
    last = page.locator(".pipeline-column").last
    assert last.bounding_box()["x"] + last.bounding_box()["width"] <= 1366


PHONE_PAGES = ["/", "/interviews/", "/interviews/new", "/interviews/calendar?view=week",
               "/interviews/calendar?view=month", "/interviews/pipeline", "/informants/",
               "/consent/", "/documents/", "/guides/", "/audit/", "/account"]


def test_pages_reflow_at_320_pixels_and_only_tables_scroll_sideways(app, page, demo_admin):
    """WCAG 1.4.10: at 320 CSS pixels nothing needs sideways scrolling except a table, which
    scrolls in its own box; long values (names, addresses, a UID) wrap."""
    from fieldwork.extensions import db
    from fieldwork.informants.models import Informant
    from fieldwork.interviews.models import Interview

    page.set_viewport_size({"width": 320, "height": 800})
    log_in(page, demo_admin)
    informant = db.session.query(Informant.id).order_by(Informant.id).first()[0]
    interview = db.session.query(Interview.id).order_by(Interview.id).first()[0]
    for path in PHONE_PAGES + [f"/informants/{informant}", f"/interviews/{interview}"]:
        page.goto(path)
        sticking_out = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1
                         && !e.closest('.table-wrap, .matrix-wrap, .pipeline'))
            .map(e => e.tagName)""")
        assert sticking_out == [], f"{path}: {sticking_out[:5]}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
