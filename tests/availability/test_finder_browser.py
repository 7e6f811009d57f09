"""Find a time in a browser: the coordinator ticks free times and offers them (a GET to the
offers page carrying the choice), or schedules one through the prefilled interview form."""

import re
from datetime import datetime, time, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from fieldwork.availability.models import WorkingHours
from fieldwork.extensions import db
from tests import factories
from tests.factories import OSLO
from tests.support.browser import log_in


def test_ticked_times_are_offered_and_one_is_scheduled(app, page):
    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant()
    day = datetime.now(OSLO).date() + timedelta(days=7)
    db.session.add(WorkingHours(user_id=coordinator.id, weekday=day.weekday(), starts=time(9),
                                ends=time(11)))
    db.session.commit()
    log_in(page, coordinator)
    page.goto(f"/informants/{informant.id}")
    page.get_by_role("link", name="Find a time").click()
    # Another informant found by name through the server, ticked, then left out again: the
    # name never reaches the address of this GET form.
    other = factories.make_informant(name="Zacharias Østby")
    page.get_by_label("Find an informant").fill("Zacharias")
    found = page.get_by_role("checkbox", name=re.compile(other.code))
    found.check()
    found.uncheck()
    page.get_by_label("From").fill(day.strftime("%d.%m.%Y"))
    page.get_by_label("To").fill(day.strftime("%d.%m.%Y"))
    page.get_by_label("Start times every").select_option("60")
    page.get_by_role("button", name="Find free times").click()
    expect(page.locator("#results")).to_have_text("2 free times")
    assert "Zacharias" not in page.url and "informant_search" not in page.url
    starts = [datetime.combine(day, time(h), tzinfo=OSLO).astimezone(timezone.utc)
              .strftime("%Y-%m-%dT%H:%M:%SZ") for h in (9, 10)]
    page.get_by_label("09:00–10:00").check()
    page.get_by_label("10:00–11:00").check()
    page.get_by_role("button", name="Offer selected times").click()
    page.wait_for_url("**/offers/new?**")
    query = parse_qs(urlsplit(page.url).query)
    assert "Zacharias" not in page.url
    assert query == {"informant": [str(informant.id)], "interviewer": [str(coordinator.id)],
                     "need": ["all"], "duration": ["60"], "mode": ["video"], "start": starts}
    # The offer form arrives with both times ticked: nothing to type but the meeting link.
    times = page.locator("#times input[type=checkbox]")
    expect(times).to_have_count(2)
    for n in range(2):
        expect(times.nth(n)).to_be_checked()
    page.go_back()
    page.get_by_role("link", name="Schedule at this time").first.click()
    expect(page.get_by_label("Date")).to_have_value(day.strftime("%d.%m.%Y"))
    expect(page.get_by_label("Starts at")).to_have_value("09:00")
