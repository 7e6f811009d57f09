"""iCalendar files: invitations, cancellations, the .ics download and calendar feeds.

The only module that writes iCalendar. Pure functions over plain data: callers pass what the file
needs (no request, user or config is read here) and get bytes back. It follows the project's notes
on what calendar clients need (ICAL.md: RFC 5545, 5546 and 7986 and the clients' quirks); "item N"
in comments refers to them.

Every time is written in UTC with `Z` and no VTIMEZONE (10): icalendar's generated VTIMEZONE puts
summer events an hour off in Thunderbird, and Outlook ignores it.
"""

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from icalendar.prop import vCalAddress, vText

PRODID = "-//fieldwork//interviews//EN"
REFRESH = timedelta(hours=1)

# Item 2: C0 controls except TAB and LF, and DEL. Stricter parsers refuse a file with any of them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# NEL and the Unicode line and paragraph separators are line breaks some clients act on: they
# become LF, which the TEXT escaping then writes as \n.
_LINE_BREAK = re.compile("\r\n|[\r\x85\u2028\u2029]")
# Characters that never belong in a bare address; CR, LF and '"' would break out of the line.
_NOT_IN_ADDRESS = re.compile(r'[\s\x00-\x1f\x7f\x85\u2028\u2029"<>(),;:\\\[\]]')
_URL = re.compile(r"[!#-~]+")  # printable ASCII without space and '"'


@dataclass(frozen=True)
class Participant:
    """Someone in the ORGANIZER or ATTENDEE line: a bare address and an optional display name."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class Event:
    """One interview as the calendar sees it. `uid` and `sequence` are stored with the interview."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    attendees: tuple[Participant, ...] = ()
    cancelled: bool = False


def strip_control_characters(text: str) -> str:
    """Remove the control characters of item 2, keeping TAB and line breaks: CRLF, CR, NEL,
    U+2028 and U+2029 become LF."""
    return _CONTROL.sub("", _LINE_BREAK.sub("\n", text))


def new_uid(domain: str) -> str:
    """A random UID (128 bits) at the app's domain; it says nothing about the interview."""
    _check_token(domain, "UID domain")
    return f"{secrets.token_hex(16)}@{domain}"


def local_to_utc(local: datetime, zone: str | ZoneInfo) -> datetime:
    """The UTC time of a wall-clock time in `zone` (item 11).

    A time skipped by the spring change (02:30 on the last Sunday of March in Oslo) is refused;
    a time that occurs twice in autumn is the first occurrence (summer time).
    """
    if local.tzinfo is not None:
        raise ValueError("expected a wall-clock time without a time zone")
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    first = local.replace(tzinfo=zone, fold=0)
    # A skipped time does not survive the round trip through UTC.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise ValueError(
            f"{local:%d.%m.%Y %H:%M} does not exist in {zone.key}: the clocks are put forward "
            "that night; choose another time"
        )
    return first.astimezone(UTC)


def build_request(event: Event, organizer: Participant, *, stamp: datetime) -> bytes:
    """An invitation or an update (METHOD:REQUEST) for an email's text/calendar part."""
    if event.cancelled:
        raise ValueError("a cancelled event is sent with build_cancel, not as an invitation")
    if not event.attendees:
        raise ValueError("an invitation needs at least one attendee")  # iTIP: ATTENDEE 1+
    calendar = _calendar(method="REQUEST")
    calendar.add_component(_vevent(event, stamp, organizer=organizer, attendees=True))
    return _serialize(calendar)


def build_cancel(event: Event, organizer: Participant, *, stamp: datetime) -> bytes:
    """A cancellation (METHOD:CANCEL, STATUS:CANCELLED) naming the organizer and the attendees."""
    calendar = _calendar(method="CANCEL")
    calendar.add_component(
        _vevent(event, stamp, organizer=organizer, attendees=True, cancelled=True)
    )
    return _serialize(calendar)


def build_event_file(event: Event, organizer: Participant, *, stamp: datetime) -> bytes:
    """The .ics download (METHOD:PUBLISH): adds the interview to a calendar without asking anyone
    to reply. iTIP allows no ATTENDEE in PUBLISH, so the file lists none."""
    calendar = _calendar(method="PUBLISH")
    calendar.add_component(_vevent(event, stamp, organizer=organizer, attendees=False))
    return _serialize(calendar)


def build_feed(events: Iterable[Event], *, name: str, stamp: datetime) -> bytes:
    """A subscription feed (item 14): no METHOD, a name, a one-hour refresh hint.

    Google and Microsoft fetch feeds on their servers, so the events carry no organizer and no
    attendees; cancelled events stay in the feed with STATUS:CANCELLED so that clients drop them.
    The name is a label: commas, semicolons and backslashes in it become spaces.
    """
    calendar = _calendar(method=None)
    # libical 3.0 (Evolution) does not know NAME and shows its escapes (`\,`) as typed, so the
    # label keeps no character that needs one.
    name = _single_line(re.sub(r"[\\;,]", " ", name))
    calendar.add("name", _Text(name))
    calendar.add("x-wr-calname", _Text(name))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(_vevent(event, stamp, organizer=None, attendees=False))
    return _serialize(calendar)


class _Text(vText):
    """TEXT with plain RFC 5545 escaping.

    icalendar's own escaping first turns a literal backslash-N into a line break, so a note like
    `C:\\Notes` would lose its backslash; this one escapes backslash, ';', ',' and LF only.
    """

    def to_ical(self) -> bytes:
        escaped = (
            self.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )
        return escaped.encode(self.encoding)


def _calendar(method):
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def _vevent(event, stamp, *, organizer, attendees, cancelled=None):
    starts_at = _utc(event.starts_at, "start")
    ends_at = _utc(event.ends_at, "end")
    if ends_at <= starts_at:
        raise ValueError("the event must end after it starts")
    if not isinstance(event.sequence, int) or event.sequence < 0:
        raise ValueError("SEQUENCE must be a whole number, 0 or more")
    _check_token(event.uid, "UID")
    cancelled = event.cancelled if cancelled is None else cancelled

    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", _utc(stamp, "stamp"))
    vevent.add("dtstart", starts_at)
    vevent.add("dtend", ends_at)
    vevent.add("summary", _Text(_single_line(event.summary)))
    location = _single_line(event.location)
    if location:
        vevent.add("location", _Text(location))
    description = strip_control_characters(event.description).strip()
    if description:
        vevent.add("description", _Text(description))
    url = _http_url(event.url)
    if url:
        vevent.add("url", url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    if organizer is not None:
        vevent.add("organizer", _address(organizer), parameters=_cn(organizer))
    if attendees:
        for attendee in event.attendees:
            # Item 6: the parameters every client needs to show Accept/Decline.
            parameters = {
                "CUTYPE": "INDIVIDUAL",
                "ROLE": "REQ-PARTICIPANT",
                "PARTSTAT": "NEEDS-ACTION",
                "RSVP": "TRUE",
                **_cn(attendee),
            }
            vevent.add("attendee", _address(attendee), parameters=parameters)
    return vevent


def _serialize(calendar):
    # Unsorted keeps properties and parameters in the order written above, which reads naturally;
    # icalendar ends lines in CRLF and folds at 75 octets between characters (item 1).
    return calendar.to_ical(sorted=False)


def _utc(value, what):
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"the {what} time must be a datetime with a time zone")
    return value.astimezone(UTC).replace(microsecond=0)


def _single_line(text):
    return " ".join(strip_control_characters(text).split())


def _address(participant):
    email = participant.email
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or _NOT_IN_ADDRESS.search(email):
        # Item 4: only bare addresses; the message names no one.
        raise ValueError("a participant's email address is not a bare address")
    return vCalAddress(f"mailto:{email}")


def _cn(participant):
    # Item 4: CN never holds '"' (it would end the quoted value) nor a line break.
    name = _single_line(participant.name.replace('"', ""))
    return {"CN": name} if name else {}


def _http_url(url):
    url = url.strip()
    if not url or not _URL.fullmatch(url):
        return ""
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def _check_token(value, what):
    if not value or not _URL.fullmatch(value):
        raise ValueError(f"{what} must be printable ASCII without spaces")
