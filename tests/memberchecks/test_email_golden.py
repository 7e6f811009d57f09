"""The member-check request as the informant receives it, in bokmål and English: compared in
full with tests/golden/email/member_check_request.<language>.eml.txt (see
tests/calendar_and_mail/test_email_golden.py; FIELDWORK_UPDATE_GOLDEN=1 rewrites them)."""

import pytest

from fieldwork.memberchecks import services
from tests import factories
from tests.calendar_and_mail.test_email_golden import check_golden, to_informant
from tests.memberchecks.conftest import DEADLINE, HELD, add_quotes, held_interview


@pytest.mark.parametrize("language", ["nb", "en"])
def test_member_check_request(coordinator, outbox, language):
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org",
                                         language=language)
    factories.give_consent(informant, by=coordinator, now=factories.NOW)
    interview = held_interview(coordinator, [informant])
    add_quotes(interview, informant, coordinator, texts=["Only quote"])
    services.ask_informant(interview, informant, deadline=DEADLINE, by=coordinator, now=HELD)
    check_golden(f"member_check_request.{language}.eml.txt",
                 to_informant(outbox, informant, "member-check"))
