"""fieldwork.mail: the messages it builds (parsed back as a mail client would), the templates it
renders, and the transports, against a real SMTP server on 127.0.0.1."""

import shutil
import ssl
import subprocess
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser

import icalendar
import pytest
from jinja2 import ChoiceLoader, DictLoader, TemplateNotFound

from config import TestConfig
from fieldwork import create_app, mail
from tests.conftest import require
from tests.support.smtp import SmtpSink

SENDER = ("coordinator@example.org", "AI i bildediagnostikk – forskergruppen")
RECIPIENT = ("kari.nordmann@example.org", "Kari Nordmann-Ås")
MESSAGE_ID = "<fw.0123456789abcdef0123456789abcdef@fieldwork.example.org>"


def make_calendar(method="REQUEST", summary="Intervju – kunstig intelligens i radiologi, Ålesund"):
    """A small invite built directly with icalendar (fieldwork.ical is someone else's module)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//fieldwork tests//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", "0f3c2a9e-7f1b-4a52-9d0e-7c1b2f6a3d41")
    event.add("dtstamp", datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc))
    event.add("dtstart", datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc))
    event.add("dtend", datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc))
    event.add("sequence", 0)
    event.add("summary", summary)
    event.add("organizer", "mailto:coordinator@example.org")
    event.add("attendee", "mailto:kari.nordmann@example.org",
              parameters={"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT",
                          "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"})
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()


def build(**overrides):
    values = dict(sender=SENDER, recipient=RECIPIENT, subject="Invitasjon: intervju om KI på røntgen",
                  text="Hei Kari,\n\nvelkommen til intervju 3. desember kl. 10.00.\n",
                  html="<p>Hei Kari,</p><p>velkommen til intervju 3. desember kl. 10.00.</p>",
                  message_id=MESSAGE_ID, date=datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc))
    values.update(overrides)
    return mail.build_message(**values)


def parse(raw):
    return BytesParser(policy=policy.default).parsebytes(raw)


# Building messages


def test_invite_has_the_layout_calendar_clients_need():
    calendar = make_calendar()
    message = parse(build(calendar=calendar, method="REQUEST"))

    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, invite = alternative.get_payload()
    assert [plain.get_content_type(), html.get_content_type(), invite.get_content_type()] == [
        "text/plain", "text/html", "text/calendar"]
    # The calendar part: method= as in the body, UTF-8, inline, and exactly the bytes given.
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_content_charset() == "utf-8"
    assert invite.get_content_disposition() is None
    assert invite.get_payload(decode=True) == calendar
    assert icalendar.Calendar.from_ical(invite.get_payload(decode=True))["METHOD"] == "REQUEST"
    # The same file once more as an attachment, for clients that only look at attachments.
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_param("name") == "invite.ics"
    assert attachment.get_payload(decode=True) == calendar
    # Only the top of the message says MIME-Version.
    assert all("MIME-Version" not in part for part in message.walk() if part is not message)


def test_text_parts_and_headers_survive_norwegian_letters():
    message = parse(build())
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_payload()
    text = plain.get_content().replace("\r\n", "\n")  # CRLF on the wire; clients show lines
    assert text == "Hei Kari,\n\nvelkommen til intervju 3. desember kl. 10.00.\n"
    assert "<p>Hei Kari,</p>" in html.get_content()
    assert message["Subject"] == "Invitasjon: intervju om KI på røntgen"
    assert message["From"].addresses[0].display_name == SENDER[1]
    assert message["From"].addresses[0].addr_spec == SENDER[0]
    assert message["To"].addresses[0].display_name == RECIPIENT[1]
    assert message["To"].addresses[0].addr_spec == RECIPIENT[0]
    assert message["Message-ID"] == MESSAGE_ID
    assert message["Date"].datetime == datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("length", [1, 60, 69, 70, 71, 120, 300])
def test_subjects_of_any_length_read_back_as_written_in_short_lines(length):
    """Short ASCII subjects go in as they are, longer ones are folded: either way a mail client
    reads the subject that was written, and no line of the Subject header passes 78 characters."""
    for words in ("Invitation to a research interview on AI in radiology, Tuesday ",
                  "Intervju på røntgen "):
        subject = (words * 20)[:length].strip() or "x"
        raw = build(subject=subject)
        assert parse(raw)["Subject"] == subject
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        lines = head.split("Subject: ", 1)[1].split("\r\n")
        folded = [lines[0]] + [line for line in lines[1:] if line.startswith(" ")]
        assert len("Subject: " + folded[0]) <= 78 and all(len(line) <= 78 for line in folded)


ADDRESSES = ["kari.nordmann@example.org", "ola+studie@sub.helse-vest.no", "_x@a.b.co",
             "x@localhost", "x@foo.test", "x@a.b.test", "x@example.arpa", "x@xn--bcher-kva.example",
             "a..b@example.org", ".a@example.org", "a.@example.org", "a@-x.org", "a@x-.org",
             "a@x.o", "a@x.123", "a" * 64 + "@example.org", "a" * 65 + "@example.org",
             "a@" + "b" * 63 + ".org", "a@" + "b" * 64 + ".org", "a@" + ("b" * 60 + ".") * 4 + "org",
             "Kari@Example.ORG", "a@ex_ample.org", "kåre@example.org", "a@bücher.example",
             '"kari nordmann"@example.org', "a@[127.0.0.1]", "a b@example.org", "@example.org"]


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_is_accepted_and_written_exactly_as_email_validator_says(address):
    """check_address skips email_validator for the common shape of address: for every address,
    common or not, the result must be what email_validator alone would give."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=False)
        expected = result.ascii_email or result.normalized
    except EmailNotValidError:
        expected = None
    if expected is None:
        with pytest.raises(mail.UnsafeHeader):
            mail.check_address("To", address)
    else:
        assert mail.check_address("To", address) == expected


def test_the_bytes_are_seven_bit_with_crlf_and_short_lines():
    """Any SMTP server takes them: no 8BITMIME or SMTPUTF8 needed, nothing over 998 octets."""
    raw = build(calendar=make_calendar(), method="REQUEST", text="ø" * 3000, html="<p>" + "å" * 3000)
    raw.decode("ascii")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_cancellation_carries_cancel_in_the_content_type():
    calendar = make_calendar("CANCEL")
    message = parse(build(calendar=calendar, method="CANCEL"))
    invite = message.get_payload()[0].get_payload()[2]
    assert invite.get_param("method") == "CANCEL"
    assert invite.get_payload(decode=True) == calendar


def test_no_attachment_when_asked():
    message = parse(build(calendar=make_calendar(), method="REQUEST", attachment_name=None))
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.get_payload()] == [
        "text/plain", "text/html", "text/calendar"]


@pytest.mark.parametrize("method", ["CANCEL", None, "request;x=y"])
def test_method_must_match_the_calendar(method):
    with pytest.raises(ValueError):
        build(calendar=make_calendar("REQUEST"), method=method)


def test_method_inside_an_event_does_not_count():
    """Only the VCALENDAR's own METHOD line decides, not text inside a component."""
    calendar = make_calendar().replace(b"SUMMARY:", b"X-NOTE:METHOD:CANCEL\r\nSUMMARY:")
    assert mail.calendar_method(calendar) == "REQUEST"
    assert mail.calendar_method(make_calendar().replace(b"METHOD:REQUEST\r\n", b"")) is None


def test_method_without_calendar_is_refused():
    with pytest.raises(ValueError):
        build(method="REQUEST")


def test_invites_are_not_marked_auto_submitted_and_no_list_headers():
    message = parse(build(calendar=make_calendar(), method="REQUEST"))
    assert "Auto-Submitted" not in message
    assert "List-Unsubscribe" not in message
    assert "Precedence" not in message


def test_auto_submitted_when_asked():
    assert parse(build(auto_submitted=True))["Auto-Submitted"] == "auto-generated"


INJECTIONS = [
    "Hello\r\nBcc: evil@attacker.example",
    "Hello\nBcc: evil@attacker.example",
    "Hello\rBcc: evil@attacker.example",
    "=?utf-8?q?Hello=0D=0ABcc:_evil@attacker.example?=",
    "Hello\u2028Bcc: evil@attacker.example",
    "Hello\x00evil",
]
FIELDS = {
    "Subject": lambda v: {"subject": v},
    "To": lambda v: {"recipient": (RECIPIENT[0], v)},
    "From": lambda v: {"sender": (SENDER[0], v)},
    "Reply-To": lambda v: {"reply_to": ("replies@example.org", v)},
    "Message-ID": lambda v: {"message_id": v},
    "X-Fieldwork-Purpose": lambda v: {"extra_headers": {"X-Fieldwork-Purpose": v}},
}


@pytest.mark.parametrize("header", FIELDS)
@pytest.mark.parametrize("value", INJECTIONS)
def test_header_injection_is_refused_naming_the_header_not_the_value(header, value):
    with pytest.raises(mail.UnsafeHeader) as caught:
        build(**FIELDS[header](value))
    assert header in str(caught.value)
    assert "evil" not in str(caught.value)


@pytest.mark.parametrize("address", ["kari@example.org\r\nBcc: evil@attacker.example",
                                     "not an address", "kari@", "kari@localhost",
                                     "kåri@example.org"])
def test_invalid_addresses_are_refused(address):
    with pytest.raises(mail.UnsafeHeader) as caught:
        build(recipient=(address, "Kari"))
    assert str(caught.value).startswith("To:")
    assert "evil" not in str(caught.value)


def test_extra_headers_cannot_replace_the_envelope_headers():
    for name in ("From", "bcc", "Content-Type", "Bad Name:"):
        with pytest.raises(mail.UnsafeHeader):
            build(extra_headers={name: "x"})
    assert parse(build(extra_headers={"X-Fieldwork-Purpose": "invite"}))["X-Fieldwork-Purpose"] == "invite"


def test_display_names_with_quotes_and_commas_stay_one_mailbox():
    message = parse(build(recipient=(RECIPIENT[0], 'Nordmann, Kari "KN" <boss@example.org>')))
    [address] = message["To"].addresses
    assert address.addr_spec == RECIPIENT[0]
    assert address.display_name == 'Nordmann, Kari "KN" <boss@example.org>'


# Rendering templates


@pytest.fixture
def plain_app():
    """An app context without a database: templates need only the app's configuration."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        yield app


SENT_AT = datetime(2026, 7, 1, 10, 30, tzinfo=timezone.utc)


def test_render_email_in_both_languages(plain_app):
    subject_nb, text_nb, html_nb = mail.render_email("delivery-check", "nb", sent_at=SENT_AT)
    subject_en, text_en, html_en = mail.render_email("delivery-check", "en", sent_at=SENT_AT)
    # Each language names the study in it (FIELDWORK_STUDY_NAME_NB, _EN).
    assert subject_nb == "Testmelding fra KI i bildediagnostikk"
    assert subject_en == "Test message from AI in image diagnostics"
    # Local time in the study's zone (summer time: UTC+2), written as each language writes it,
    # and the shared layout's footer.
    assert "1. juli 2026 kl. 12:30" in text_nb and "1 July 2026 at 12:30" in html_en
    assert "Svar på denne e-posten" in text_nb and "Reply to this email" in text_en
    assert '<html lang="nb">' in html_nb and f"<title>{subject_en}</title>" in html_en
    assert text_nb.endswith("\n") and not text_nb.startswith("\n")


def test_other_languages_fall_back_to_english(plain_app):
    assert mail.render_email("delivery-check", "de", sent_at=SENT_AT)[0].startswith("Test message")


def test_html_is_escaped_and_text_is_not(plain_app):
    plain_app.config["STUDY_NAME_EN"] = "Radiology & AI <study>"
    subject, text, html = mail.render_email("delivery-check", "en", sent_at=SENT_AT)
    assert subject == "Test message from Radiology & AI <study>"
    assert "Radiology & AI <study>" in text
    assert "Radiology &amp; AI &lt;study&gt;" in html and "<study>" not in html


def test_a_template_missing_in_norwegian_falls_back_to_english(plain_app):
    plain_app.jinja_env.loader = ChoiceLoader([DictLoader({
        "email/only-english.en.txt": '{% extends "email/_layout.txt" %}'
                                     "{% block subject %}English only{% endblock %}"
                                     "{% block body %}Body{% endblock %}",
        "email/only-english.en.html": "<p>{{ subject }}</p>",
    }), plain_app.jinja_env.loader])
    subject, text, html = mail.render_email("only-english", "nb")
    assert (subject, html) == ("English only", "<p>English only</p>")
    assert text.startswith("Body\n\n-- \n") and "Reply to this email" in text


def test_a_missing_template_is_an_error(plain_app):
    with pytest.raises(TemplateNotFound):
        mail.render_email("no-such-email", "nb")


# Mail URLs


@pytest.mark.parametrize("url, expected", [
    ("smtp://relay.example.org", dict(host="relay.example.org", port=25, starttls=False, timeout=10.0)),
    ("smtp://user:p%40ss@relay.example.org:587?starttls=true&timeout=5",
     dict(port=587, username="user", password="p@ss", starttls=True, timeout=5.0)),
    ("smtps://user:pass@relay.example.org", dict(scheme="smtps", port=465, starttls=False)),
    ("file:///var/tmp/mail", dict(scheme="file", directory="/var/tmp/mail")),
])
def test_mail_urls(url, expected):
    settings = mail.parse_mail_url(url)
    for key, value in expected.items():
        assert getattr(settings, key) == value


@pytest.mark.parametrize("url", [
    "", "smtpx://relay.example.org", "smtp://", "smtp://relay.example.org:notaport",
    "smtp://user:s3cret@relay.example.org?tls=yes", "smtp://relay.example.org?timeout=soon",
    "smtp://relay.example.org?starttls=maybe", "smtps://relay.example.org?starttls=true",
    "file://relative/dir", "smtp://user@relay.example.org", "smtp://relay.example.org?cafile=/nonexistent.pem",
])
def test_invalid_mail_urls_are_refused_without_showing_the_password(url):
    with pytest.raises(mail.InvalidMailURL) as caught:
        mail.parse_mail_url(url)
    assert "s3cret" not in str(caught.value)
    assert str(caught.value).startswith("FIELDWORK_MAIL_URL")


# Transports


def raw_message(n=1, recipient=RECIPIENT):
    return build(message_id=f"<fw.{n:032x}@fieldwork.example.org>", recipient=recipient)


def send(transport, raw, recipient=RECIPIENT[0]):
    transport.send(raw, sender=SENDER[0], recipient=recipient)


def test_smtp_sends_many_messages_over_one_connection(smtp_server):
    raws = [raw_message(n) for n in range(5)]
    with mail.open_transport(smtp_server.url) as transport:
        for raw in raws:
            send(transport, raw)
    assert [m.raw for m in smtp_server.messages] == raws
    assert all(m.mail_from == SENDER[0] and m.rcpt_tos == [RECIPIENT[0]] for m in smtp_server.messages)
    assert smtp_server.connections == 2  # the server's own start-up probe, and ours


def test_lines_starting_with_a_dot_and_unusual_addresses_arrive_intact(smtp_server):
    """The transport stuffs dots and brackets addresses itself (not through smtplib.data and
    quoteaddr): a body line of '.' or '.x' must not end the message early or lose its dot, and
    an address with a quoted local part still reaches the right mailbox."""
    raws = [build(text=".\n.. two dots\n.hidden\nend\n", html="<p>.</p>"),
            b"." + build(text="first line\n")]  # a first line that starts with a dot, too
    recipients = [RECIPIENT[0], '"kari nordmann"@example.org']
    with mail.open_transport(smtp_server.url) as transport:
        for raw, recipient in zip(raws, recipients):
            send(transport, raw, recipient=recipient)
    assert [m.raw for m in smtp_server.messages] == raws
    assert [m.rcpt_tos for m in smtp_server.messages] == [[r] for r in recipients]
    plain = parse(smtp_server.messages[0].raw).get_payload()[0].get_content()
    assert plain.replace("\r\n", "\n") == ".\n.. two dots\n.hidden\nend\n"


def test_nothing_connects_when_nothing_is_sent(smtp_server):
    with mail.open_transport(smtp_server.url):
        pass
    assert smtp_server.connections == 1


def test_4xx_is_temporary_and_the_connection_goes_on(smtp_server):
    smtp_server.reply_next("RCPT", "451 4.7.1 <kari.nordmann@example.org>: greylisted, try later")
    with mail.open_transport(smtp_server.url) as transport:
        with pytest.raises(mail.TemporaryFailure) as caught:
            send(transport, raw_message(1))
        send(transport, raw_message(2))
    assert caught.value.reason == "RCPT 451 4.7.1 <address>: greylisted, try later"
    assert not isinstance(caught.value, mail.ConnectionFailure)
    assert len(smtp_server.messages) == 1 and smtp_server.connections == 2


@pytest.mark.parametrize("stage, reply, failure", [
    ("MAIL", "451 4.3.0 Mailbox busy", mail.TemporaryFailure),
    ("RCPT", "550 5.1.1 <kari.nordmann@example.org>: Recipient address rejected: User unknown",
     mail.PermanentFailure),
    ("DATA", "451 4.3.0 Error: queue file write error", mail.TemporaryFailure),
    ("DATA", "554 5.7.1 Message rejected as spam (sent by kari.nordmann@example.org)",
     mail.PermanentFailure),
])
def test_replies_are_classified_and_reasons_carry_no_address(smtp_server, stage, reply, failure):
    smtp_server.reply_next(stage, reply)
    with mail.open_transport(smtp_server.url) as transport:
        with pytest.raises(failure) as caught:
            send(transport, raw_message())
    assert caught.value.reason.startswith(f"{stage} {reply[:3]}")
    assert "@" not in caught.value.reason and "kari" not in caught.value.reason
    assert smtp_server.messages == []


def test_server_down_is_a_connection_failure(smtp_server):
    smtp_server.stop()
    with mail.open_transport(smtp_server.url) as transport:
        with pytest.raises(mail.ConnectionFailure) as caught:
            send(transport, raw_message())
    assert caught.value.reason == "connection refused"


def test_a_dropped_connection_is_reopened_once_before_the_message_is_offered(smtp_server):
    with mail.open_transport(smtp_server.url) as transport:
        send(transport, raw_message(1))
        smtp_server.stop()  # the server goes away between two messages (restart, idle limit)
        smtp_server.start()
        send(transport, raw_message(2))
    assert smtp_server.message_ids() == [parse(raw_message(n))["Message-ID"] for n in (1, 2)]


def test_a_timeout_is_temporary():
    sink = SmtpSink(delay=3).start()
    try:
        with mail.open_transport(sink.url + "?timeout=0.5") as transport:
            with pytest.raises(mail.TemporaryFailure) as caught:
                send(transport, raw_message())
        assert "timed out" in caught.value.reason
    finally:
        sink.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login():
    sink = SmtpSink(login=("fieldwork", "correct horse")).start()
    try:
        with mail.open_transport(sink.url.replace("correct horse", "correct%20horse")) as transport:
            send(transport, raw_message())
        assert len(sink.messages) == 1
        wrong = f"smtp://fieldwork:wrong-s3cret@127.0.0.1:{sink.port}"
        with mail.open_transport(wrong) as transport:
            with pytest.raises(mail.ConnectionFailure) as caught:
                send(transport, raw_message(2))
        assert caught.value.reason.startswith("login refused: 535")
        assert "s3cret" not in caught.value.reason
    finally:
        sink.stop()


def test_starttls_required_but_not_offered(smtp_server):
    with mail.open_transport(smtp_server.url + "?starttls=true") as transport:
        with pytest.raises(mail.ConnectionFailure) as caught:
            send(transport, raw_message())
    assert "STARTTLS" in caught.value.reason
    assert smtp_server.messages == []


def test_implicit_tls_against_a_plain_server_fails_cleanly(smtp_server):
    with mail.open_transport(f"smtps://127.0.0.1:{smtp_server.port}?timeout=3") as transport:
        with pytest.raises(mail.ConnectionFailure):
            send(transport, raw_message())


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    require(shutil.which("openssl"), "openssl is not installed (Debian package openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_starttls_with_a_private_certificate_authority(certificate):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = SmtpSink(tls_context=context).start()
    try:
        with mail.open_transport(sink.url + f"?starttls=true&cafile={cert}") as transport:
            send(transport, raw_message())
        assert len(sink.messages) == 1
        # Without trusting that authority the certificate is refused, and nothing is sent.
        with mail.open_transport(sink.url + "?starttls=true") as transport:
            with pytest.raises(mail.ConnectionFailure) as caught:
                send(transport, raw_message(2))
        assert caught.value.reason.startswith("TLS failed")
        assert len(sink.messages) == 1
    finally:
        sink.stop()


def test_file_transport_writes_whole_eml_files_named_by_message_id(tmp_path):
    directory = tmp_path / "mail"
    raws = [raw_message(1), raw_message(2)]
    with mail.open_transport(f"file://{directory}") as transport:
        for raw in raws + raws[:1]:  # the first one retried: it replaces its own file
            send(transport, raw)
    files = sorted(directory.iterdir())
    assert len(files) == 2 and all(f.suffix == ".eml" for f in files)
    parsed = {parse(f.read_bytes())["Message-ID"] for f in files}
    assert parsed == {parse(r)["Message-ID"] for r in raws}
    assert all("@" not in f.name for f in files)


def test_file_transport_failure_is_temporary(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with mail.open_transport(f"file://{blocker}") as transport:
        with pytest.raises(mail.TemporaryFailure):
            send(transport, raw_message())


def test_dev_null_discards(tmp_path):
    with mail.open_transport("file:///dev/null") as transport:
        send(transport, raw_message())


def test_short_reason_strips_addresses_and_control_characters():
    reason = mail.short_reason("RCPT", 550, b"5.1.1 <a.b@example.org>... user c@d.no unknown\r\n" + b"x" * 400)
    assert "@" not in reason and "\r" not in reason and len(reason) <= 200
    assert reason.startswith("RCPT 550 5.1.1 <address>... user <address> unknown")
