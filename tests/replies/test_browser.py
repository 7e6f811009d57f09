"""The whole loop in a real browser: a coordinator schedules with invitations (over real SMTP),
the informant's calendar program declines into the study mailbox (a real Dovecot), the reader
runs, and the decline shows on the interview page and the dashboard; a proposed new time is then
accepted from the interview page."""

from datetime import datetime, time, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import icalendar
from playwright.sync_api import expect

from tests import factories
from tests.support.browser import log_in

from . import messages

OSLO = ZoneInfo("Europe/Oslo")


def test_a_decline_read_from_the_mailbox_shows_in_the_browser(app, page, smtp_server, runner,
                                                            mailbox):
    app.config["MAIL_URL"] = smtp_server.url
    coordinator = factories.make_user(role="coordinator", name="Kari Koordinator")
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org")
    version = factories.published_version(by=coordinator)
    day = datetime.now(OSLO).date() + timedelta(days=10)

    log_in(page, coordinator)
    page.get_by_role("link", name="Interviews").click()
    page.get_by_role("link", name="Schedule interview").click()
    page.locator("fieldset.picker").get_by_label(informant.code, exact=False).check()
    page.get_by_label("Interviewers").select_option(str(coordinator.id))
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Starts at").fill("09:00")
    page.get_by_label("Mode").select_option("video")
    page.get_by_label("Meeting link").fill("https://meet.example.org/ai-study")
    page.get_by_label("Interview guide").select_option(str(version.id))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Interview scheduled")
    interview_url = page.url
    expect(page.locator("table.answers")).to_contain_text("No answer yet")

    # The invitation the informant's calendar received gives the event's UID and SEQUENCE.
    smtp_server.wait_for(2, timeout=5)
    assert runner.invoke(args=["mail", "send-pending"]).exit_code == 0
    smtp_server.wait_for(2, timeout=15)
    [to_informant] = [m for m in smtp_server.messages if "ase@example.org" in m.rcpt_tos]
    mime = message_from_bytes(to_informant.raw, policy=policy.default)
    part = next(p for p in mime.walk() if p.get_content_type() == "text/calendar")
    [event] = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    uid, sequence = str(event["UID"]), int(event["SEQUENCE"])

    mailbox.append(messages.google(uid, sequence, "ase@example.org"))
    result = runner.invoke(args=["mail", "read-replies"])
    assert result.exit_code == 0 and "1 answers" in result.output, result.output

    page.goto(interview_url)
    expect(page.locator("table.answers tr.answer-declined")).to_contain_text(informant.code)
    expect(page.locator(".decline-alert")).to_contain_text(f"{informant.code} declined")
    expect(page.locator(".decline-alert").get_by_role("link", name="Reschedule")).to_be_visible()
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.locator("ul.declines")).to_contain_text(informant.code)

    # The informant proposes the next day instead; the coordinator accepts.
    proposed = datetime.combine(day + timedelta(days=1), time(13), tzinfo=OSLO)
    mailbox.append(messages.counter(uid, sequence, "ase@example.org", proposed,
                                    proposed + timedelta(hours=1)))
    assert runner.invoke(args=["mail", "read-replies"]).exit_code == 0
    page.goto(interview_url)
    expect(page.locator("li.proposal")).to_contain_text("13:00")
    page.get_by_role("button", name="Accept the new time").click()
    expect(page.locator(".flash-success")).to_contain_text("moved to the proposed time")
    expect(page.get_by_role("heading", level=1)).to_contain_text("13:00")
    # The new version starts without answers: the old decline was about the old time.
    expect(page.locator(".decline-alert")).to_have_count(0)
