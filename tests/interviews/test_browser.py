"""A coordinator in a real browser schedules, moves and cancels an interview; the invitations
arrive over real SMTP as one event: REQUEST 0, REQUEST 1, CANCEL 2, all with the same UID."""

from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import icalendar
from playwright.sync_api import expect

from tests import factories
from tests.support.browser import log_in


def test_schedule_reschedule_and_cancel(app, page, smtp_server, runner):
    app.config["MAIL_URL"] = smtp_server.url
    coordinator = factories.make_user(role="coordinator", name="Kari Koordinator")
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org")
    version = factories.published_version(by=coordinator)
    day = datetime.now(ZoneInfo("Europe/Oslo")).date() + timedelta(days=10)

    log_in(page, coordinator)

    page.get_by_role("link", name="Interviews").click()
    page.get_by_role("link", name="Schedule interview").click()
    page.locator("fieldset.picker").get_by_label(informant.code, exact=False).check()
    page.get_by_label("Interviewers").select_option(str(coordinator.id))
    page.get_by_label("Date").fill(day.strftime("%d.%m.%Y"))
    page.get_by_label("Starts at").fill("09:00")
    page.get_by_label("Mode").select_option("video")
    page.get_by_label("Meeting link").fill("https://meet.example.org/ai-study")
    page.get_by_label("Interview guide").select_option(str(version.id))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Interview scheduled")

    page.get_by_role("link", name="Reschedule or edit").click()
    page.get_by_label("Starts at").fill("13:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Interview saved")
    expect(page.get_by_role("heading", level=1)).to_contain_text("13:00")

    page.get_by_role("link", name="Cancel interview").click()
    page.get_by_role("button", name="Cancel interview").click()
    expect(page.locator(".flash-success")).to_contain_text("Interview cancelled")

    # Each response delivers its emails once closed, but Werkzeug's development server may hold
    # a response open while Chromium keeps its connection; what is still pending then goes out
    # with `mail send-pending`, as the scheduler would send it (never twice: see test_outbox).
    smtp_server.wait_for(6, timeout=5)
    assert runner.invoke(args=["mail", "send-pending"]).exit_code == 0
    smtp_server.wait_for(6, timeout=15)
    assert len(smtp_server.messages) == 6
    assert len(smtp_server.message_ids()) == 6
    to_informant = [m for m in smtp_server.messages if "ase@example.org" in m.rcpt_tos]
    events = []
    for message in to_informant:
        mime = message_from_bytes(message.raw, policy=policy.default)
        part = next(p for p in mime.walk() if p.get_content_type() == "text/calendar")
        calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        (event,) = calendar.walk("VEVENT")
        assert part.get_param("method") == str(calendar["METHOD"])
        events.append((str(calendar["METHOD"]), int(event["SEQUENCE"]), str(event["UID"])))
    assert sorted((sequence, method) for method, sequence, _ in events) == [
        (0, "REQUEST"), (1, "REQUEST"), (2, "CANCEL")]
    assert len({uid for _, _, uid in events}) == 1


def test_retry_a_failed_invitation_from_the_interview_page(app, page, smtp_server):
    """The mail server refused an invitation; the coordinator presses Retry and it arrives."""
    from sqlalchemy import select

    from fieldwork.extensions import db
    from fieldwork.outbox.models import OutboxMessage, OutboxStatus
    from fieldwork.outbox.services import dispatch_pending

    app.config["MAIL_URL"] = smtp_server.url
    coordinator = factories.make_user(role="coordinator", name="Kari Koordinator")
    interview = factories.make_interview(by=coordinator)
    smtp_server.reply_next("RCPT", "550 5.1.1 Mailbox unavailable")
    dispatch_pending()
    [failed] = db.session.scalars(select(OutboxMessage)
                                  .where(OutboxMessage.status == OutboxStatus.FAILED)).all()
    assert smtp_server.wait_for(1)

    log_in(page, coordinator)
    page.goto(f"/interviews/{interview.id}")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator(".flash-success")).to_contain_text("The email will be sent again.")

    assert smtp_server.wait_for(2), "the retried message did not arrive"
    assert smtp_server.messages[-1].message_id == failed.message_id
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).status is OutboxStatus.SENT
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
