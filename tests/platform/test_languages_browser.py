"""In a real browser: a visitor switches the login page to bokmål, logs in, switches their
account to bokmål and schedules an interview without meeting an English word on the way."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from fieldwork.interviews.models import Interview
from fieldwork.extensions import db
from tests import factories
from tests.platform.test_languages import ENGLISH, visible_text


def nb(text):
    """The bokmål the pages show for `text`, from the catalog itself; it must be translated."""
    with force_locale("nb"):
        translated = gettext(text)
    assert translated != text, f"not translated: {text}"
    return translated


def assert_no_english(page):
    lang, text = visible_text(page.content())
    assert lang == "nb", page.url
    assert sorted(set(ENGLISH.findall(text))) == [], page.url


def test_switch_to_bokmal_and_schedule_an_interview(app, page):
    coordinator = factories.make_user(role="coordinator", name="Kari Nordmann", language="en")
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org")
    version = factories.published_version(by=coordinator)
    day = datetime.now(ZoneInfo("Europe/Oslo")).date() + timedelta(days=10)

    with app.test_request_context():
        words = {text: nb(text) for text in (
            "Log in", "Email address", "Password", "Log out", "Interviews",
            "Schedule interview", "Interviewers", "Date", "Starts at", "Mode", "Meeting link",
            "Interview guide", "Save", "Interview scheduled.")}

    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("nb")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    assert_no_english(page)

    page.get_by_label(words["Email address"]).fill(coordinator.email)
    page.get_by_label(words["Password"], exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name=words["Log in"]).click()
    # The account's own language counts once logged in: still English here.
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("link", name="Account").click()
    page.get_by_label("Language").select_option("nb")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator(".flash-success")).to_have_text("Språket ditt er lagret.")
    assert_no_english(page)

    page.get_by_role("navigation").get_by_role("link", name=words["Interviews"],
                                               exact=True).click()
    assert_no_english(page)
    page.get_by_role("link", name=words["Schedule interview"]).click()
    assert_no_english(page)
    page.locator("fieldset.picker").get_by_label(informant.code, exact=False).check()
    page.get_by_label(words["Interviewers"], exact=True).select_option(str(coordinator.id))
    page.get_by_label(words["Date"], exact=True).fill(day.strftime("%d.%m.%Y"))
    page.get_by_label(words["Starts at"], exact=True).fill("09:00")
    page.get_by_label(words["Mode"], exact=True).select_option("video")
    page.get_by_label(words["Meeting link"], exact=True).fill("https://meet.example.org/ai-study")
    page.get_by_label(words["Interview guide"], exact=True).select_option(str(version.id))
    page.get_by_role("button", name=words["Save"]).click()
    expect(page.locator(".flash-success")).to_contain_text(
        words["Interview scheduled."].rstrip("."))
    assert_no_english(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"{day:%d.%m.%Y} 09:00")
    assert db.session.scalar(db.select(db.func.count()).select_from(Interview)) == 1
