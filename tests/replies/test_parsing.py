"""Reading one message as a calendar answer, without a mailbox or a database."""

from datetime import UTC, datetime

from fieldwork.replies.models import AnswerStatus
from fieldwork.replies.parsing import read_message

from . import messages

UID = "0123abcd@fieldwork.example.org"


def test_each_program_layout_is_read():
    for raw, status in ((messages.outlook(UID, 2, "per@example.org"), AnswerStatus.ACCEPTED),
                        (messages.google(UID, 2, "ase@example.org"), AnswerStatus.DECLINED),
                        (messages.apple(UID, 2, "liv@example.org"), AnswerStatus.TENTATIVE),
                        (messages.thunderbird(UID, 2, "ola@example.org"), AnswerStatus.DECLINED)):
        answer = read_message(raw).answer
        assert (answer.method, answer.uid, answer.sequence, answer.status) == \
            ("REPLY", UID, 2, status)
        assert answer.stamp == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_declared_charset_other_than_utf8_is_decoded():
    raw = messages.thunderbird(UID, 0, "ola@example.org", comment="Beklager, syk på mandag",
                               charset="windows-1252")
    assert read_message(raw).answer.comment == "Beklager, syk på mandag"


def test_the_mailto_scheme_and_address_in_any_case_become_one_bare_address():
    assert read_message(messages.outlook(UID, 0, "Per.Hansen@Example.ORG")).answer.attendee == \
        "per.hansen@example.org"


def test_a_counter_carries_the_proposed_time_in_utc():
    start = datetime(2026, 3, 29, 10, tzinfo=UTC)
    answer = read_message(messages.counter(UID, 1, "per@example.org", start,
                                           start.replace(hour=11))).answer
    assert (answer.method, answer.status) == ("COUNTER", None)
    assert (answer.starts_at, answer.ends_at) == (start, start.replace(hour=11))


def test_ordinary_mail_is_not_an_answer():
    read = read_message(messages.plain())
    assert not read.is_answer and read.message_id == "<plain-1@example.net>"


def test_a_broken_answer_is_malformed_with_a_reason_that_quotes_nothing():
    read = read_message(messages.malformed())
    assert read.answer is None and read.problem == "no VEVENT"


def test_a_message_without_message_id_gets_a_stable_one():
    raw = messages.apple(UID, 0, "liv@example.org").replace(
        b"Message-ID: <apple-1@icloud.example.net>\r\n", b"")
    first, second = read_message(raw), read_message(raw)
    assert first.message_id == second.message_id
    assert first.message_id.startswith("<sha256.") and first.answer is not None


def test_the_imap_url_is_checked_and_never_repeats_the_password():
    import pytest

    from fieldwork.replies.mailbox import InvalidImapURL, parse_imap_url

    settings = parse_imap_url("imaps://study%40example.org:p%3Ass@imap.example.org/Svar%20inn")
    assert (settings.scheme, settings.host, settings.port, settings.username,
            settings.password, settings.folder) == (
        "imaps", "imap.example.org", 993, "study@example.org", "p:ss", "Svar inn")
    assert parse_imap_url("imap://u:p@host").port == 143
    assert parse_imap_url("imap://u:p@host").folder == "INBOX"
    assert "p:ss" not in repr(settings)
    for url in ("smtp://u:secret-1@host", "imap://host/INBOX", "imaps://u:secret-1@host?tls=no",
                "imaps://u:secret-1@host:99999", "imaps://u:secret-1@host?timeout=0"):
        with pytest.raises(InvalidImapURL) as raised:
            parse_imap_url(url)
        assert "secret-1" not in str(raised.value)


def test_the_imap_url_is_a_secret_setting():
    from config import SETTING_BY_KEY

    assert SETTING_BY_KEY["IMAP_URL"].secret  # start-up errors and messages never show it
