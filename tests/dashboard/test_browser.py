"""In a real browser: the dashboard is the first page after login; a coordinator sets a target,
sees the progress chart, prints the page, and registers a document with themes."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import update

from fieldwork.extensions import db
from fieldwork.interviews.models import Interview, InterviewStatus
from tests import factories


def test_dashboard_targets_chart_print_and_a_document(app, page):
    local = factories.make_organisation(name="Vestre Viken HT", code="VVHT", level="local")
    radiologist = factories.make_role(name="Radiologist", code="RAD")
    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant(local, radiologist, status="agreed")
    interview = factories.make_interview(
        informants=[informant], by=coordinator, now=datetime(2026, 1, 1, tzinfo=timezone.utc),
        start=datetime(2026, 1, 14, 10, tzinfo=ZoneInfo("Europe/Oslo")), send_invites=False)
    db.session.execute(update(Interview).where(Interview.id == interview.id)
                       .values(status=InterviewStatus.CONDUCTED))
    db.session.commit()
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto("/login")
    page.get_by_label("Email address").fill(coordinator.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Sampling matrix")).to_be_visible()
    cell = page.locator("td.cell").first
    expect(cell).to_have_attribute("aria-label", "Radiologist at VVHT: target none, recruited 1, "
                                                 "consented 0, interviewed 1; small cell, fewer than 3 "
                                                 "interviewed: re-identification risk")
    expect(page.get_by_role("img", name="Interviews conducted, cumulative, per week")).to_be_visible()

    page.get_by_role("link", name="Edit targets").click()
    page.get_by_label("Radiologist at VVHT").fill("3")
    page.get_by_role("button", name="Save targets").click()
    expect(page.locator(".flash-success")).to_contain_text("Targets saved (1 changed)")
    expect(page.locator("td.cell").first).to_have_attribute(
        "aria-label", "Radiologist at VVHT: target 3, recruited 1, consented 0, interviewed 1; "
                     "small cell, fewer than 3 interviewed: re-identification risk")

    # On paper: no navigation, the date line instead, the chart still there.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".print-only")).to_be_visible()
    expect(page.locator("svg.progress-chart")).to_be_visible()
    expect(page.locator("svg.progress-chart polyline")).to_have_count(1)
    assert page.pdf(format="A4", landscape=True)[:4] == b"%PDF"
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Documents").click()
    page.get_by_role("link", name="Register document").click()
    page.get_by_label("Title").fill("One inhabitant – one record")
    page.get_by_label("Type").select_option("white-paper")
    page.get_by_label("Governance level").select_option("national")
    page.get_by_label("Reference or URL").fill("Meld. St. 9 (2012–2013)")
    page.get_by_label("Themes").fill("digitalisation, national coordination")
    page.get_by_label("Linked informants").fill(informant.code)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Document registered")
    expect(page.get_by_role("link", name="national coordination")).to_be_visible()
    page.get_by_role("link", name="national coordination").click()
    expect(page.get_by_role("link", name="One inhabitant – one record")).to_be_visible()
    assert problems == []  # nothing refused by the content security policy
