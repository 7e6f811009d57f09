"""The only module that builds and sends email, and so one module (DESIGN.md) despite its length.

`build_message` turns validated parts into the bytes of one message (with a calendar invite if
given), `render_email` renders a template pair in the informant's language, and `open_transport`
opens the delivery channel named by FIELDWORK_MAIL_URL. Queuing, retries and who gets what live in
`fieldwork.outbox`; nothing else in the application talks SMTP.

Failures are reported as `TemporaryFailure` (try again later) or `PermanentFailure` (this message
will never be accepted), with short reasons that never contain an address: SMTP servers echo the
addresses they refuse, and these reasons end up in the database and in logs.
"""

import base64
import binascii
import functools
import hashlib
import os
import re
import secrets
import smtplib
import socket
import ssl
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy as email_policy
from email.header import Header
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from . import languages

LANGUAGES = languages.LANGUAGES
DEFAULT_LANGUAGE = "en"

# Headers that build_message writes itself; extra_headers may not replace them.
_OWN_HEADERS = {"from", "to", "cc", "bcc", "subject", "date", "message-id", "reply-to", "sender",
                "mime-version", "content-type", "content-transfer-encoding", "content-disposition",
                "auto-submitted"}
_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")
# Any control character (C0, DEL, C1) or Unicode line separator: a header value is one line of text.
_UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,128}@[A-Za-z0-9.-]{1,253}>")
_METHOD = re.compile(r"[A-Z][A-Z-]{0,31}")
_ATTACHMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class UnsafeHeader(ValueError):
    """A value meant for a header could break out of it (line break, control character, encoded
    word) or is not a valid address. The message names the header, never the value."""


class DeliveryFailure(Exception):
    """A message was not delivered. `reason` is short and holds no address or other personal data."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(DeliveryFailure):
    """Try again later: a 4xx reply, a timeout, a refused or dropped connection."""


class ConnectionFailure(TemporaryFailure):
    """The mail server could not be reached, or refused the login or TLS, before any message was
    offered: nothing about the message itself is wrong, and no other message would fare better."""


class PermanentFailure(DeliveryFailure):
    """A 5xx reply: the server will never accept this message for this recipient."""


class InvalidMailURL(ValueError):
    """FIELDWORK_MAIL_URL cannot be used. The message never contains the URL's password."""


# Building messages


def check_header(header, value):
    """The value, if it can go into header `header` as it is; UnsafeHeader otherwise.

    Line breaks would start a new header (injection). `=?` would let the value carry an encoded
    word that decodes to a line break in some readers (and, before Python 3.11.10, in the email
    package's own folding: CVE-2024-6923), so it is refused too, as are other control characters.
    """
    if not isinstance(value, str):
        raise UnsafeHeader(f"{header}: the value must be text")
    if _UNSAFE_CHARACTERS.search(value) or "=?" in value:
        raise UnsafeHeader(f"{header}: line breaks, control characters and '=?' are not allowed")
    return value


# The common shape of address, which email_validator would accept and return unchanged: a
# dot-atom of letters, digits and . _ + - before the @, and a lower-case ASCII domain of at
# least two labels ending in letters. Anything else (capitals in the domain, IDN, quoting,
# other characters) goes through email_validator itself.
_COMMON_ADDRESS = re.compile(
    r"(?=.{1,254}$)(?=[^@]{1,64}@)[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


@functools.cache
def _special_use_domains():
    from email_validator import SPECIAL_USE_DOMAIN_NAMES  # loaded on first use

    return tuple(SPECIAL_USE_DOMAIN_NAMES)


@functools.lru_cache(maxsize=1024)  # a change repeats its addresses (To, and the stored copy)
def check_address(header, address):
    """A syntactically valid address that needs no SMTPUTF8 (IDN domains in ASCII form)."""
    check_header(header, address)
    if _is_common(address):
        return address  # what email_validator returns for it, without its ~30 µs
    from email_validator import EmailNotValidError, validate_email  # loaded on first use

    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise UnsafeHeader(f"{header}: not a valid email address, or one with non-ASCII letters "
                           "before the @ (not supported)") from None
    return result.ascii_email or result.normalized


def _is_common(address):
    if not _COMMON_ADDRESS.fullmatch(address):
        return False
    domain = address.rpartition("@")[2]
    # Left to email_validator: IDNA labels ("xn--"), which it decodes and checks, and the
    # special-use domains it refuses (localhost, .test, ...).
    return "--" not in domain and not any(
        domain == name or domain.endswith("." + name) for name in _special_use_domains())


@functools.lru_cache(maxsize=1024)  # the sender is the same on every email
def _mailbox(header, pair):
    """`Name <address>` for a header: quoted when the name has specials, encoded (RFC 2047)
    when it is not ASCII."""
    address, name = pair
    address = check_address(header, address)
    name = check_header(header, (name or "").strip())
    if not name:
        return address
    if name.isascii():
        return formataddr((name, address))
    return f"{_encoded(header, name)} <{address}>"


def _encoded(header, value):
    """A header value folded at 78 columns, as encoded words only if it is not ASCII."""
    if value.isascii() and len(header) + 2 + len(value) <= 78:
        # What Header would return for it (nothing to fold or encode), without its ~20 µs of
        # splitting and measuring: most subjects are short and ASCII.
        return value
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, maxlinelen=78, header_name=header).encode(linesep="\r\n")


def calendar_method(calendar):
    """The METHOD of an iCalendar object given as bytes, upper-case, or None if it has none."""
    # Unfold (RFC 5545 3.1) and look at the VCALENDAR's own properties only.
    text = calendar.decode("utf-8")
    text = re.sub(r"\r?\n[ \t]", "", text)
    depth = 0
    for line in text.splitlines():
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            depth += 1
        elif upper.startswith("END:"):
            depth -= 1
        elif depth == 1 and re.match(r"METHOD[:;]", upper):
            return line.split(":", 1)[1].strip().upper()
    return None


def build_message(*, sender, recipient, subject, text, html, message_id, calendar=None,
                  method=None, attachment_name="invite.ics", reply_to=None, date=None,
                  extra_headers=None, auto_submitted=False):
    """The complete message as bytes (CRLF, 7-bit), ready for SMTP.

    `sender`, `recipient` and `reply_to` are (address, display name). With `calendar` (iCalendar
    bytes) the layout is the one calendar clients need (ICAL.md 12): multipart/mixed holding
    multipart/alternative (text/plain, text/html, text/calendar; method=...; charset=UTF-8) and
    the same file as an application/ics attachment, unless `attachment_name` is None. Without it,
    just multipart/alternative. `method` must equal the calendar's METHOD.

    `auto_submitted` adds `Auto-Submitted: auto-generated` (RFC 3834), which tells vacation
    responders not to answer. Use it for what the system sends on its own (reminders); leave it
    off invites and anything a person answers: an invite's reply is an RSVP, and an out-of-office
    answer to an invite is news the coordinator wants. No List-Unsubscribe: these are personal
    messages about one person's participation, not a mailing list.

    The message is assembled from parts encoded here (quoted-printable text, base64 calendar)
    rather than through `EmailMessage`, whose header parsing and refolding cost some 13 ms a
    message (issue 14); the calendar's parts are encoded once for all recipients of a change
    (`_calendar_parts`). Every header value is checked as before (`check_header`).
    """
    headers = [("From", _mailbox("From", sender)), ("To", _mailbox("To", recipient))]
    if reply_to is not None:
        headers.append(("Reply-To", _mailbox("Reply-To", reply_to)))
    headers.append(("Subject", _encoded("Subject", check_header("Subject", subject))))
    headers.append(("Date", _date_header(date or datetime.now(timezone.utc))))
    if not _MESSAGE_ID.fullmatch(check_header("Message-ID", message_id)):
        raise UnsafeHeader("Message-ID: must look like <local@domain>")
    headers.append(("Message-ID", message_id))
    if auto_submitted:
        headers.append(("Auto-Submitted", "auto-generated"))
    for name, value in (extra_headers or {}).items():
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _OWN_HEADERS:
            raise UnsafeHeader(f"{name[:64]!r}: not a header that may be added")
        headers.append((name, _encoded(name, check_header(name, value))))
    headers.append(("MIME-Version", "1.0"))

    alternatives = [_text_part("plain", text), _text_part("html", html)]
    if calendar is not None:
        inline, attachment = _calendar_parts(calendar, method, attachment_name)
        body = _multipart("alternative", [*alternatives, inline])
        if attachment is not None:
            body = _multipart("mixed", [body, attachment])
    elif method is not None:
        raise ValueError("method given without a calendar")
    else:
        body = _multipart("alternative", alternatives)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    raw = head.encode("ascii") + body  # ASCII: a 7-bit message needs no 8BITMIME or SMTPUTF8
    return raw


@functools.lru_cache(maxsize=16)  # the emails of one change share their time
def _date_header(date):
    return format_datetime(date.astimezone(timezone.utc))


def _text_part(subtype, text):
    # Encoded with bare LF line ends (a lone CR becomes =0D), which then become CRLF.
    data = text.replace("\r\n", "\n").encode("utf-8")
    return (f"Content-Type: text/{subtype}; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode() + \
        binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")


def _base64(data):
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _multipart(subtype, parts):
    # "=_" cannot occur in quoted-printable or base64 text, so the boundary never does either.
    boundary = f"=_fw_{secrets.token_hex(12)}"
    out = [f"Content-Type: multipart/{subtype};\r\n boundary=\"{boundary}\"\r\n\r\n".encode()]
    for part in parts:
        out += [f"--{boundary}\r\n".encode(), part,
                b"\r\n" if part.endswith(b"\r\n") else b"\r\n\r\n"]
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


@functools.lru_cache(maxsize=16)
def _calendar_parts(calendar, method, attachment_name):
    """(inline text/calendar part, application/ics attachment or None), checked and encoded
    once per calendar: every recipient of a change gets the same one."""
    if not isinstance(calendar, bytes):
        raise TypeError("calendar must be bytes")
    try:
        found = calendar_method(calendar)
    except UnicodeDecodeError:
        raise ValueError("the calendar is not UTF-8") from None
    if not method or not _METHOD.fullmatch(method):
        raise ValueError("a calendar needs its method (REQUEST, CANCEL, ...)")
    if found != method:
        raise ValueError(f"method {method} differs from the calendar's METHOD {found}")
    # base64, so that the part decodes to exactly these bytes (CRLF and folding intact).
    encoded = _base64(calendar)
    inline = (f"Content-Type: text/calendar; method=\"{method}\"; charset=\"UTF-8\"\r\n"
              "Content-Transfer-Encoding: base64\r\n\r\n").encode() + encoded
    attachment = None
    if attachment_name is not None:
        if not _ATTACHMENT_NAME.fullmatch(check_header("attachment name", attachment_name)):
            raise UnsafeHeader("attachment name: letters, digits, '.', '_' and '-' only")
        attachment = (f"Content-Type: application/ics; name=\"{attachment_name}\"\r\n"
                      f"Content-Disposition: attachment; filename=\"{attachment_name}\"\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n").encode() + encoded
    return inline, attachment


def header_message_id(raw):
    """The Message-ID of a raw message, or None."""
    headers = BytesHeaderParser(policy=email_policy.default).parsebytes(raw)
    value = headers.get("Message-ID")
    return str(value).strip() if value else None


# Templates


def render_email(name, language, **context):
    """(subject, text, html) from templates/email/<name>.<language>.txt and .html.

    The subject is the `{% block subject %}` of the .txt template, on one line: a block rather
    than a "Subject:" first line, so the text layout can wrap the body without the subject
    getting in the way, and the subject is never parsed out of rendered text. The HTML template
    gets it as `subject` (for <title>). HTML is autoescaped, text is not. Languages are "nb" and
    "en"; another language, or a template missing in the one asked for, falls back to English.
    Both templates extend email/_layout.txt and email/_layout.html, which define `body` (a .txt
    template that extends nothing would show its subject block in the body too).

    Rendered in the email's language (`force_locale`), whoever's page queued it: any `_()`,
    `|local` or `|number` in an email template speaks the recipient's language, not the
    language of the staff member's page.
    """
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    with force_locale(language):
        return _render_email(name, language, context)


def _render_email(name, language, context):
    environment = current_app.jinja_env
    try:
        text_template = environment.get_template(f"email/{name}.{language}.txt")
        html_template = environment.get_template(f"email/{name}.{language}.html")
    except TemplateNotFound:
        if language == DEFAULT_LANGUAGE:
            raise
        return render_email(name, DEFAULT_LANGUAGE, **context)  # in that language's locale
    values = {"study_name": languages.study_name(language),
              "timezone_name": current_app.config["TIMEZONE"],
              "base_url": current_app.config["BASE_URL"], **context, "language": language}
    if "subject" not in text_template.blocks:
        raise ValueError(f"email/{name}.{language}.txt has no subject block")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(values))).strip()
    text = text_template.render(values).strip() + "\n"
    html = html_template.render({**values, "subject": subject})
    return subject, text, html


# Transports


@dataclass(frozen=True)
class MailSettings:
    """What a FIELDWORK_MAIL_URL says, checked."""

    scheme: str
    host: str = ""
    port: int = 0
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0
    cafile: str | None = None
    directory: str | None = None


def parse_mail_url(url):
    """MailSettings for `url`, or InvalidMailURL with a message fit for a one-line error.

    smtp://user:pass@host:port?starttls=true&timeout=10, smtps://user:pass@host:port (TLS from
    the start), file:///absolute/directory (one .eml per message; file:///dev/null discards).
    `cafile=/path.pem` trusts a private certificate authority for TLS.
    """
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        raise InvalidMailURL("FIELDWORK_MAIL_URL is not a valid URL (check the port)") from None
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc or parts.query or not parts.path.startswith("/"):
            raise InvalidMailURL("FIELDWORK_MAIL_URL: a file URL is file:///absolute/directory")
        return MailSettings(scheme="file", directory=unquote(parts.path))
    if scheme not in ("smtp", "smtps"):
        raise InvalidMailURL("FIELDWORK_MAIL_URL must start with smtp://, smtps:// or file:///")
    if not parts.hostname:
        raise InvalidMailURL("FIELDWORK_MAIL_URL names no mail server host")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(options) - {"starttls", "timeout", "cafile"}
    if unknown:
        raise InvalidMailURL(f"FIELDWORK_MAIL_URL: unknown option {sorted(unknown)[0]!r} "
                             "(known: starttls, timeout, cafile)")
    starttls = options.get("starttls", "false").lower()
    if starttls not in ("true", "false", "1", "0", "yes", "no"):
        raise InvalidMailURL("FIELDWORK_MAIL_URL: starttls must be true or false")
    starttls = starttls in ("true", "1", "yes")
    if starttls and scheme == "smtps":
        raise InvalidMailURL("FIELDWORK_MAIL_URL: smtps:// is TLS already; starttls is for smtp://")
    try:
        timeout = float(options.get("timeout", "10"))
    except ValueError:
        timeout = 0
    if not 0 < timeout <= 600:
        raise InvalidMailURL("FIELDWORK_MAIL_URL: timeout must be a number of seconds (1 to 600)")
    cafile = options.get("cafile") or None
    if cafile and not os.path.isfile(cafile):
        raise InvalidMailURL("FIELDWORK_MAIL_URL: cafile does not name a readable file")
    if (parts.username is None) != (parts.password is None):
        raise InvalidMailURL("FIELDWORK_MAIL_URL: give both user and password, or neither")
    return MailSettings(
        scheme=scheme, host=parts.hostname, port=port or (465 if scheme == "smtps" else 25),
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        starttls=starttls, timeout=timeout, cafile=cafile)


def open_transport(url):
    """A Transport for FIELDWORK_MAIL_URL; use it as a context manager around many `send`s."""
    settings = parse_mail_url(url)
    if settings.scheme == "file":
        if settings.directory == os.devnull:
            return NullTransport()
        return FileTransport(settings.directory)
    return SMTPTransport(settings)


class Transport:
    """Delivers raw messages; one connection serves every message sent inside `with`."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, raw, *, sender, recipient):
        raise NotImplementedError

    def close(self):
        pass


class NullTransport(Transport):
    """file:///dev/null: accepts everything and keeps nothing (tests, demos)."""

    def send(self, raw, *, sender, recipient):
        pass


class FileTransport(Transport):
    """Writes each message to <directory>/<hash of its Message-ID>.eml, for development.

    The name comes from the Message-ID, so a retried message replaces its own file, and the file
    appears whole or not at all (written aside, then renamed).
    """

    def __init__(self, directory):
        self.directory = Path(directory)

    def path_for(self, raw):
        key = header_message_id(raw) or raw
        key = key.encode() if isinstance(key, str) else key
        return self.directory / (hashlib.sha256(key).hexdigest()[:32] + ".eml")

    def send(self, raw, *, sender, recipient):
        target = self.path_for(raw)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(raw)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise TemporaryFailure(f"cannot write the mail directory ({error.strerror})") from None


_ADDRESS_IN_TEXT = re.compile(r"<[^<>]*>|[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")


def short_reason(stage, code, text):
    """`stage code text`, at most 200 characters, with anything that looks like an address
    replaced: servers say things like `<kari@example.org>: Recipient address rejected`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = _ADDRESS_IN_TEXT.sub("<address>", text or "")
    text = " ".join(_UNSAFE_CHARACTERS.sub(" ", text).split())
    reason = " ".join(str(p) for p in (stage, code, text) if p not in (None, ""))
    return reason[:200]


class _Dropped(Exception):
    """The server closed a reused connection before taking the message: safe to reconnect."""


class SMTPTransport(Transport):
    """One SMTP connection, opened at the first `send` and reused for the next ones.

    If a reused connection turns out to be closed (servers drop idle clients and limit messages
    per connection), it reconnects once, but only when the server had not yet been offered the
    message, so a message is never sent twice by this class.
    """

    def __init__(self, settings):
        self.settings = settings
        self._smtp = None

    def _tls_context(self):
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _connect(self):
        s = self.settings
        smtp = None
        try:
            if s.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                        context=self._tls_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.starttls:
                if not smtp.has_extn("starttls"):
                    raise ConnectionFailure("the server offers no STARTTLS")
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if s.username is not None:
                smtp.login(s.username, s.password)
        except ConnectionFailure:
            _quietly_close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as error:
            _quietly_close(smtp)
            reason = short_reason("login refused:", error.smtp_code, error.smtp_error)
            raise ConnectionFailure(reason) from None
        except smtplib.SMTPResponseException as error:
            _quietly_close(smtp)
            reason = short_reason("connect:", error.smtp_code, error.smtp_error)
            raise ConnectionFailure(reason) from None
        except ssl.SSLError as error:
            _quietly_close(smtp)
            raise ConnectionFailure(f"TLS failed ({error.reason or type(error).__name__})") from None
        except (smtplib.SMTPException, OSError) as error:
            _quietly_close(smtp)
            raise ConnectionFailure(_os_reason(error)) from None
        self._smtp = smtp

    def send(self, raw, *, sender, recipient):
        reused = self._smtp is not None
        if not reused:
            self._connect()
        try:
            self._transaction(raw, sender, recipient)
        except _Dropped:
            self.close()
            if not reused:
                raise TemporaryFailure("the mail server closed the connection") from None
            self._connect()
            try:
                self._transaction(raw, sender, recipient)
            except _Dropped:
                self.close()
                raise TemporaryFailure("the mail server closed the connection") from None

    def _transaction(self, raw, sender, recipient):
        smtp = self._smtp
        stage = "MAIL"
        try:
            code, text = smtp.docmd("MAIL", f"FROM:{_angle_address(sender)}")
            if code == 421:
                raise _Dropped()
            self._check(stage, code, text, ok=(250,))
            stage = "RCPT"
            code, text = smtp.docmd("RCPT", f"TO:{_angle_address(recipient)}")
            self._check(stage, code, text, ok=(250, 251))
            stage = "DATA"
            code, text = smtp.docmd("DATA")
            if code != 354:
                raise smtplib.SMTPDataError(code, text)
            smtp.send(_dot_stuffed(raw))
            code, text = smtp.getreply()
            self._check(stage, code, text, ok=(250,), reset=False)
        except smtplib.SMTPServerDisconnected as error:
            if stage == "MAIL":
                raise _Dropped() from None
            self.close()
            # smtplib reports a reply that never came as a disconnection; say which it was.
            if isinstance(error.__context__, TimeoutError):
                raise TemporaryFailure(f"{stage}: timed out") from None
            raise TemporaryFailure(f"{stage}: the mail server closed the connection") from None
        except smtplib.SMTPDataError as error:  # the DATA command itself was refused
            self._check("DATA", error.smtp_code, error.smtp_error, ok=())
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TemporaryFailure(f"{stage}: {_os_reason(error)}") from None

    def _check(self, stage, code, text, *, ok, reset=True):
        if code in ok:
            return
        if reset:
            self._reset()
        reason = short_reason(stage, code, text)
        if 500 <= code < 600:
            raise PermanentFailure(reason)
        if code == 421:
            self.close()
        raise TemporaryFailure(reason)

    def _reset(self):
        try:
            self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self):
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            _quietly_close(smtp)


# An address as check_address returns most of them: for these, smtplib's quoteaddr (a full
# RFC 5322 parse, some 30 µs, twice a message) would only add the angle brackets.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9.-]{1,253}")


def _angle_address(address):
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


def _dot_stuffed(raw):
    """The DATA payload for `raw` (CRLF line ends, as build_message makes it): every line that
    starts with '.' gets another (RFC 5321 4.5.2), then the closing '.' line. What smtplib's
    `data` sends, by two byte replacements instead of a regular expression over the message."""
    if raw.startswith(b"."):
        raw = b"." + raw
    raw = raw.replace(b"\n.", b"\n..")
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw + b".\r\n"


def _quietly_close(smtp):
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass


def _os_reason(error):
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return "unknown host"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return type(error).__name__
