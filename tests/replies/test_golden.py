"""Golden files for the email a proposer gets when their proposed time is declined, in bokmål
and English, with its DECLINECOUNTER (see tests/calendar_and_mail/test_email_golden.py)."""

import pytest

from fieldwork.interviews.queries import get_interview
from fieldwork.outbox.services import dispatch_pending
from fieldwork.replies import proposals
from fieldwork.replies import services as replies
from tests import factories
from tests.calendar_and_mail.test_email_golden import START, check_golden
from tests.factories import oslo

from . import messages


@pytest.mark.parametrize("language", ["nb", "en"])
def test_proposal_declined(coordinator, outbox, now, language):
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org",
                                         language=language)
    interview = factories.make_interview(
        informants=[informant], interviewers=[coordinator], start=START, by=coordinator, now=now,
        mode="video", meeting_url="https://meet.example.org/intervju-7")
    dispatch_pending(now=now)
    replies.handle_message(messages.counter(interview.uid, 0, "ase@example.org",
                                            oslo(2026, 3, 11, 13), oslo(2026, 3, 11, 14)),
                           now=now)
    [proposal] = replies.open_proposals(get_interview(interview.id))
    proposals.decline_proposal(proposal, by=coordinator, now=now)
    [row] = outbox.rows(purpose="declinecounter")
    check_golden(f"counter_declined.{language}.eml.txt", row.raw)
