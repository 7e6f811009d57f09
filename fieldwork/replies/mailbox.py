"""The study mailbox over IMAP (the standard library's imaplib): list, fetch, move.

FIELDWORK_IMAP_URL names it: `imaps://user:pass@host:993/INBOX` (TLS from the start) or
`imap://user:pass@host:143/INBOX` (STARTTLS, required: the password never crosses the network in
clear). `?cafile=/path.pem` trusts a private certificate authority, `?timeout=30` sets seconds.
Errors are `MailboxError` with a short reason that holds neither the URL nor the password.
"""

import imaplib
import re
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

# Only messages whose structure holds a calendar are downloaded; the rest of the mailbox is
# never fetched, and nothing is marked read (BODY.PEEK).
_CALENDAR_IN_STRUCTURE = re.compile(rb'"(text)" "(calendar)"|"application" "ics"|\.ics"',
                                    re.IGNORECASE)
FETCH_BATCH = 200


class InvalidImapURL(ValueError):
    """FIELDWORK_IMAP_URL cannot be used; the message never repeats it."""


class MailboxError(Exception):
    """The mailbox could not be read or changed; `str()` is a short reason without secrets."""


@dataclass(frozen=True)
class ImapSettings:
    scheme: str
    host: str
    port: int
    username: str
    password: str
    folder: str
    cafile: str | None = None
    timeout: float = 30.0

    def __repr__(self):  # never the password, should the settings end up in a log
        return f"ImapSettings({self.scheme}://{self.host}:{self.port}/{self.folder})"


def parse_imap_url(url):
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        raise InvalidImapURL("FIELDWORK_IMAP_URL is not a valid URL (check the port)") from None
    scheme = parts.scheme.lower()
    if scheme not in ("imap", "imaps"):
        raise InvalidImapURL("FIELDWORK_IMAP_URL must start with imaps:// or imap://")
    if not parts.hostname:
        raise InvalidImapURL("FIELDWORK_IMAP_URL names no host")
    if not parts.username or parts.password is None:
        raise InvalidImapURL("FIELDWORK_IMAP_URL needs the mailbox's user and password")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - {"cafile", "timeout"})
    if unknown:
        raise InvalidImapURL(f"FIELDWORK_IMAP_URL: unknown option {unknown[0]!r} "
                             "(known: cafile, timeout)")
    try:
        timeout = float(options.get("timeout", "30"))
    except ValueError:
        timeout = 0
    if not 0 < timeout <= 600:
        raise InvalidImapURL("FIELDWORK_IMAP_URL: timeout must be a number of seconds (1 to 600)")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapSettings(scheme=scheme, host=parts.hostname,
                        port=port or (993 if scheme == "imaps" else 143),
                        username=unquote(parts.username), password=unquote(parts.password),
                        folder=folder, cafile=options.get("cafile") or None, timeout=timeout)


def quoted(name):
    """A mailbox name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    """One IMAP session on the configured folder; a context manager."""

    def __init__(self, settings):
        self.settings = settings
        self.imap = None

    def __enter__(self):
        s = self.settings
        try:
            context = ssl.create_default_context(cafile=s.cafile)
            if s.scheme == "imaps":
                self.imap = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=context,
                                              timeout=s.timeout)
            else:
                self.imap = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if "STARTTLS" not in self.imap.capabilities:
                    raise MailboxError("the server offers no STARTTLS; use imaps://")
                self.imap.starttls(ssl_context=context)
            self.imap.login(s.username, s.password)
            # Servers announce more after login (MOVE, UIDPLUS); imaplib keeps the first list.
            typ, data = self.imap.capability()
            if typ == "OK" and data and data[-1]:
                self.imap.capabilities = tuple(data[-1].decode().upper().split())
        except MailboxError:
            self._close()
            raise
        except imaplib.IMAP4.error:
            self._close()
            raise MailboxError("login refused by the IMAP server") from None
        except ssl.SSLError as error:
            self._close()
            raise MailboxError(f"TLS failed ({error.reason or type(error).__name__})") from None
        except (TimeoutError, OSError) as error:
            self._close()
            raise MailboxError(f"cannot reach the IMAP server ({type(error).__name__})") from None
        self._check(self.imap.select(quoted(s.folder)), "select the folder")
        return self

    def __exit__(self, *exc):
        self._close()

    def _close(self):
        if self.imap is None:
            return
        try:
            self.imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
        self.imap = None

    def _check(self, result, what):
        typ, _ = result
        if typ != "OK":
            raise MailboxError(f"could not {what}")
        return result[1]

    def ensure_folder(self, name):
        """Create `name` unless it exists (and subscribe to it, so mail programs show it)."""
        if self._exists(name):
            return False
        typ, _ = self.imap.create(quoted(name))
        if typ != "OK":
            if self._exists(name):  # another reader created it meanwhile
                return False
            raise MailboxError("could not create the done folder")
        self.imap.subscribe(quoted(name))
        return True

    def _exists(self, name):
        data = self._check(self.imap.list('""', quoted(name)), "list folders")
        return any(item for item in data if item)

    def calendar_uids(self):
        """UIDs of the messages whose MIME structure holds a calendar part, oldest first."""
        data = self._check(self.imap.uid("SEARCH", None, "UNDELETED"), "search the folder")
        uids = data[0].split() if data and data[0] else []
        found = []
        for start in range(0, len(uids), FETCH_BATCH):
            batch = b",".join(uids[start:start + FETCH_BATCH]).decode()
            data = self._check(self.imap.uid("FETCH", batch, "(UID BODYSTRUCTURE)"),
                               "read message structures")
            for item in _flatten(data):
                match = re.search(rb"UID (\d+)", item)
                if match and _CALENDAR_IN_STRUCTURE.search(item):
                    found.append(match.group(1).decode())
        return found

    def fetch(self, uid):
        """The message's bytes, without marking it read; None if it is gone."""
        data = self._check(self.imap.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch a message")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def move(self, uid, folder):
        """Move one message to `folder` (MOVE, RFC 6851; else COPY, flag and UID EXPUNGE). A
        message already gone (another reader moved it) is not an error."""
        if "MOVE" in self.imap.capabilities:
            typ, _ = self.imap.uid("MOVE", uid, quoted(folder))
        else:
            typ, _ = self.imap.uid("COPY", uid, quoted(folder))
            if typ == "OK":
                self._check(self.imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"),
                            "flag a moved message")
                if "UIDPLUS" in self.imap.capabilities:
                    self.imap.uid("EXPUNGE", uid)
                else:
                    self.imap.expunge()
        if typ != "OK" and self.fetch(uid) is not None:
            raise MailboxError("could not move a message to the done folder")


def _flatten(data):
    for item in data or ():
        if isinstance(item, tuple):
            yield b" ".join(i for i in item if isinstance(i, bytes))
        elif isinstance(item, bytes):
            yield item
