"""axe-core, run in Chromium over every page each role can reach (found by following the links,
one page per kind of address), and over the informants' own pages at phone width: no serious or
critical violation of WCAG 2.1 AA anywhere."""

import re
from email import policy
from email.parser import BytesParser

import pytest
from axe_playwright_python.sync_playwright import Axe

from fieldwork.consent import services as consent
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.outbox.models import OutboxMessage
from tests import factories
from tests.support.browser import log_in

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}
# Links that download a file, leave the app, or change state by GET (logout).
NOT_PAGES = re.compile(r"logout|\.(csv|xlsx|ics|pdf|md|json)\b|/export|/evidence/|/static/|"
                       r"[?&]page=")
PERSONAL_LINK = re.compile(r"https?://[^\s\"<>]+(/[cw]/[A-Za-z0-9_-]{43})")

axe = Axe()


@pytest.fixture
def database(sqlite_template):
    """axe judges the markup, which is the same on either database: these run on SQLite only
    (every other page test runs on both)."""
    return "sqlite", sqlite_template


def serious_violations(page):
    result = axe.run(page, options=WCAG_AA)
    return [f"{v['id']} ({v['impact']}): {', '.join(n['target'][0] for n in v['nodes'][:3])}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


def crawl(page, start="/", limit=60):
    """Every page reachable by links from `start`, one per address pattern (ids ignored)."""
    seen, patterns, queue, problems = set(), set(), [start], {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        pattern = re.sub(r"\d+", "N", path)
        if pattern in patterns:
            continue
        patterns.add(pattern)
        seen.add(path)
        response = page.goto(path)
        if response is None or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        found = serious_violations(page)
        if found:
            problems[path] = found
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            href = href.split("#")[0]
            if href.startswith("/") and not NOT_PAGES.search(href):
                queue.append(href)
    return seen, problems


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("role", ["admin", "coordinator", "researcher", "analyst"])
def test_every_page_of_every_role_passes_axe(app, page, demo, role):
    log_in(page, factories.make_user(role=role))
    seen, problems = crawl(page)
    assert len(seen) >= (15 if role != "analyst" else 8), sorted(seen)
    assert problems == {}


def test_login_and_error_pages_pass_axe(app, page):
    page.goto("/login")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Log in").click()  # the form with its errors
    assert serious_violations(page) == []
    page.goto("/no-such-page")
    assert serious_violations(page) == []


def test_the_informants_pages_pass_axe_on_a_phone(app, browser, live_server, demo):
    coordinator = factories.make_user(role="coordinator")
    informant = None
    for candidate in db.session.scalars(db.select(Informant).order_by(Informant.id)).all():
        try:
            consent.request_consent(candidate, by=coordinator)
        except DomainError:  # already answered, withdrawn or without an address: the next
            db.session.rollback()
            continue
        informant = candidate
        break
    raw = db.session.scalars(db.select(OutboxMessage.raw).where(
        OutboxMessage.informant_id == informant.id).order_by(OutboxMessage.id.desc())).first()
    text = BytesParser(policy=policy.default).parsebytes(raw).get_body(("plain",)).get_content()
    links = sorted(set(PERSONAL_LINK.findall(text)))
    assert len(links) == 2, links
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        for path in links:
            phone.goto(path)
            assert serious_violations(phone) == [], path
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        phone.goto(links[0])
        phone.get_by_role("button").first.click()  # consent with nothing ticked: the errors
        assert phone.locator(".error, .flash-error").count() > 0
        assert serious_violations(phone) == []
    finally:
        context.close()
