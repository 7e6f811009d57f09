"""Golden files for the emails informants receive, in bokmål and English: the interview
invitation, update and cancellation (with their calendar), the consent request and the withdrawal
confirmation.

Each message is built by the service that sends it, at the frozen `now`, and compared in full
with tests/golden/email/<name>.<language>.eml.txt, a readable form of it: every header, then each
MIME part with its headers and its content decoded (quoted-printable and base64 undone, the
calendar shown as text). Only what is random in every message is masked, the same way each time:
the Date and Message-ID headers, the MIME boundaries, the event's UID and the tokens in personal
links. A changed word in a template therefore shows as a changed line in review. After checking a
change by hand, rewrite the files with FIELDWORK_UPDATE_GOLDEN=1.
"""

import os
import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from fieldwork.auth.services import set_language
from fieldwork.consent import services as consent
from fieldwork.interviews import queries
from fieldwork.interviews import services as interviews
from fieldwork.outbox.services import dispatch_pending
from tests import factories
from tests.factories import oslo

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "email"
LANGUAGES = ["nb", "en"]
START = oslo(2026, 3, 10, 10, 0)


def readable(raw):
    """The message as a person reviewing a change would read it, random values masked."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    boundaries = {}
    lines = []
    calendar = None

    def header_lines(part):
        for name, value in part.items():
            if name == "Date":
                value = "<date>"
            elif name == "Message-ID":
                value = "<message-id>"
            lines.append(f"{name}: {value}")

    def mask_boundary(part):
        boundary = part.get_boundary()
        if boundary is not None:
            boundaries.setdefault(boundary, f"<boundary-{len(boundaries) + 1}>")

    def walk(part, depth):
        nonlocal calendar
        mask_boundary(part)
        if depth:
            lines.append("")
            lines.append(f"{'=' * 8} part {'.'.join(map(str, depth))} {'=' * 8}")
        header_lines(part)
        if part.is_multipart():
            for number, inner in enumerate(part.iter_parts(), 1):
                walk(inner, (*depth, number))
            return
        lines.append("")
        content = part.get_content()
        if part.get_content_type() == "text/calendar":
            calendar = part.get_payload(decode=True)
        elif part.get_content_type() == "application/ics":
            if content == calendar:
                lines.append("(the same bytes as the text/calendar part)")
                return
            content = content.decode("utf-8")
        lines.extend(content.replace("\r\n", "\n").rstrip("\n").split("\n"))

    walk(message, ())
    text = "\n".join(lines) + "\n"
    for boundary, mask in boundaries.items():
        text = text.replace(boundary, mask)
    text = re.sub(r"^UID:.*$", "UID:<uid>", text, flags=re.MULTILINE)
    # Personal consent, withdrawal and member-check links: /c/<token>, /w/<token> and
    # /m/<token> (secrets.token_urlsafe).
    tokens = {}
    for token in re.findall(r"/[cwm]/([A-Za-z0-9_-]{43})", text):
        tokens.setdefault(token, f"<token-{len(tokens) + 1}>")
    for token, mask in tokens.items():
        text = text.replace(token, mask)
    return text


def check_golden(name, raw):
    """Compare with the golden file, or write it with FIELDWORK_UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    text = readable(raw)
    if os.environ.get("FIELDWORK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def to_informant(outbox, informant, purpose):
    [row] = [r for r in outbox.rows(purpose=purpose) if r.recipient_email == informant.email]
    return row.raw


@pytest.fixture
def invited(coordinator, now):
    """Schedule an interview with Åse Øvrebø, who reads `language`: her emails are in it
    without anyone choosing it for the interview."""

    def schedule(language):
        informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org",
                                             language=language)
        interview = factories.make_interview(
            informants=[informant], interviewers=[coordinator], start=START, by=coordinator,
            now=now, mode="video",
            meeting_url="https://meet.example.org/intervju-7")
        # The invitations went out (to nowhere), so a change is an update, not a new invitation.
        dispatch_pending(now=now)
        return informant, interview

    return schedule


@pytest.mark.parametrize("language", LANGUAGES)
def test_interview_invitation(invited, outbox, language):
    informant, _ = invited(language)
    check_golden(f"interview_invite.{language}.eml.txt", to_informant(outbox, informant, "invite"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_interview_update(invited, coordinator, outbox, now, language):
    informant, interview = invited(language)
    interview = queries.get_interview(interview.id)
    values = factories.interview_values(
        informants=interview.informants, interviewers=interview.interviewers,
        start=START + timedelta(hours=3), duration=90, mode="in-person",
        place="Ullevål sykehus, bygg 2", meeting_url="",
        guide_version=interview.guide_version)
    interviews.reschedule_interview(interview, values, by=coordinator,
                                    now=now + timedelta(days=1))
    check_golden(f"interview_update.{language}.eml.txt", to_informant(outbox, informant, "update"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_interview_cancellation(invited, coordinator, outbox, now, language):
    informant, interview = invited(language)
    interviews.cancel_interview(queries.get_interview(interview.id), by=coordinator,
                                now=now + timedelta(days=1))
    check_golden(f"interview_cancel.{language}.eml.txt", to_informant(outbox, informant, "cancel"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_consent_request(coordinator, outbox, now, language):
    factories.make_consent_form(language, by=coordinator, version_label="2026-1",
                                title="Informasjonsskriv" if language == "nb" else
                                "Information letter")
    informant = factories.make_informant(name="Åse Øvrebø", email="ase@example.org",
                                         language=language)
    consent.request_consent(informant, by=coordinator, now=now)
    check_golden(f"consent_request.{language}.eml.txt",
                 to_informant(outbox, informant, "consent-request"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_withdrawal_confirmation(invited, coordinator, outbox, now, language):
    informant, _ = invited(language)
    factories.make_consent_form(language, by=coordinator)
    factories.give_consent(informant, by=coordinator, now=now)
    consent.withdraw_consent(informant, by=coordinator, now=now + timedelta(days=2))
    check_golden(f"consent_withdrawn.{language}.eml.txt",
                 to_informant(outbox, informant, "consent-withdrawn"))


def test_interviewers_email_names_the_informants_the_guide_and_the_page(invited, coordinator,
                                                                          outbox):
    """Interviewers (whose roles see identities) get the codes and names, the guide version and
    a link to the interview page; the informant's email has none of it."""
    set_language(coordinator, "en", by=coordinator)
    informant, interview = invited("en")
    to_interviewer = outbox.messages(user_id=coordinator.id)[-1]
    text = to_interviewer.get_body(("plain",)).get_content()
    assert f"Informants: {informant.code} (Åse Øvrebø)" in text
    assert f"/interviews/{interview.id}" in text and "Interview guide: " in text
    mine = outbox.messages(informant_id=informant.id)[-1].get_body(("plain",)).get_content()
    assert "Interview page" not in mine and informant.code not in mine
