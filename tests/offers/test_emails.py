"""Golden files for the offer email in bokmål and English (see
tests/calendar_and_mail/test_email_golden.py for the readable form and FIELDWORK_UPDATE_GOLDEN)."""

import os
import re

import pytest

from tests import factories
from tests.calendar_and_mail.test_email_golden import GOLDEN, readable
from tests.offers.helpers import make_offers


@pytest.mark.parametrize("language", ["nb", "en"])
def test_offer_email(coordinator, researcher, outbox, now, language):
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org",
                                         language=language)
    make_offers(by=coordinator, now=now, informants=[informant], interviewers=[researcher])
    [row] = outbox.rows(purpose="offer")
    text = re.sub(r"/o/[A-Za-z0-9_-]{43}", "/o/<offer-token>", readable(row.raw))
    path = GOLDEN / f"offer.{language}.eml.txt"
    if os.environ.get("FIELDWORK_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
