"""iCalendar files: invitations, cancellations, refused proposals, the .ics download and calendar feeds.

The only module that writes iCalendar. Pure functions over plain data: callers pass what the file
needs (no request, user or config is read here) and get bytes back. It follows the project's notes
on what calendar clients need (ICAL.md: RFC 5545, 5546 and 7986 and the clients' quirks); "item N"
in comments refers to them.

Every time is written in UTC with `Z` and no VTIMEZONE (10): icalendar's generated VTIMEZONE puts
summer events an hour off in Thunderbird, and Outlook ignores it.

Invitations, updates, cancellations and the .ics download are built with icalendar's Calendar and
Event objects, one message at a time. The feed assembles its lines directly and has icalendar fold
them (`Contentline.to_ical`): through icalendar's objects a 2,000-interview feed spent most of its
time in content-line objects and time zone lookups for UTC times; written directly it is served
about three times as fast as Radicale serves the same events (README, "Performance"). Hand-written
is only what icalendar does not do right or fast: TEXT escaping (`_text`: icalendar turns a
literal backslash-N into a line break) and the UTC DATE-TIME (`_date_time`). A feed event has no
ORGANIZER or ATTENDEE, so no parameter is written by hand. The golden files hold the exact bytes
icalendar writes; the tests read every file back with four parsers we did not write.
"""

import functools
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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
    return _message("REQUEST", event, organizer, stamp, attendees=True)


def build_cancel(event: Event, organizer: Participant, *, stamp: datetime) -> bytes:
    """A cancellation (METHOD:CANCEL, STATUS:CANCELLED) naming the organizer and the attendees."""
    return _message("CANCEL", event, organizer, stamp, attendees=True, cancelled=True)


def build_declinecounter(event: Event, organizer: Participant, *, stamp: datetime) -> bytes:
    """The organizer's refusal of an attendee's proposed new time (METHOD:DECLINECOUNTER, RFC
    5546 3.2.8), naming only the proposer (`event.attendees`); the event keeps its time."""
    if len(event.attendees) != 1:
        raise ValueError("a DECLINECOUNTER names the one attendee who proposed")
    # No PARTSTAT or RSVP: nothing is asked of the proposer; their own answer stands.
    return _message("DECLINECOUNTER", event, organizer, stamp, attendees=True, ask=False)


def build_event_file(event: Event, organizer: Participant, *, stamp: datetime) -> bytes:
    """The .ics download (METHOD:PUBLISH): adds the interview to a calendar without asking anyone
    to reply. iTIP allows no ATTENDEE in PUBLISH, so the file lists none."""
    return _message("PUBLISH", event, organizer, stamp, attendees=False)


def _message(method, event, organizer, stamp, *, attendees, cancelled=None, ask=True):
    """One message built with icalendar's Calendar and Event objects (imported here, on first
    use, so that start-up does not load icalendar)."""
    import icalendar
    from icalendar.prop import vCalAddress

    starts_at, ends_at, cancelled = _checked(event, cancelled)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", _utc(stamp, "stamp"))
    vevent.add("dtstart", starts_at)
    vevent.add("dtend", ends_at)
    vevent.add("summary", _text_value(_single_line(event.summary)))
    location = _single_line(event.location)
    if location:
        vevent.add("location", _text_value(location))
    description = strip_control_characters(event.description).strip()
    if description:
        vevent.add("description", _text_value(description))
    url = _http_url(event.url)
    if url:
        vevent.add("url", url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    vevent.add("organizer", vCalAddress(_address(organizer)), parameters=_cn_parameter(organizer))
    if attendees:
        for attendee in event.attendees:
            # Item 6: the parameters every client needs to show Accept/Decline.
            asked = {"PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"} if ask else {}
            parameters = {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", **asked,
                          **_cn_parameter(attendee)}
            vevent.add("attendee", vCalAddress(_address(attendee)), parameters=parameters)
    calendar.add_component(vevent)
    # Unsorted keeps properties and parameters in the order written above; icalendar ends lines
    # in CRLF and folds at 75 octets between characters (item 1).
    return calendar.to_ical(sorted=False)


@functools.cache
def _text_type():
    """icalendar's TEXT type with plain RFC 5545 escaping, made on first use.

    icalendar's own escaping turns a literal backslash-N into a line break, so a note like
    `C:\\Notes` would lose its backslash; this type escapes with `_text` instead."""
    from icalendar.prop import vText

    class Text(vText):
        def to_ical(self) -> bytes:
            return _text(str(self)).encode()

    return Text


def _text_value(text):
    return _text_type()(text)


def _cn_parameter(participant):
    name = _cn_name(participant)
    return {"CN": name} if name else {}


def build_feed(events: Iterable[Event], *, name: str, stamp: datetime) -> bytes:
    """A subscription feed (item 14): no METHOD, a name, a one-hour refresh hint.

    Google and Microsoft fetch feeds on their servers, so the events carry no organizer and no
    attendees; cancelled events stay in the feed with STATUS:CANCELLED so that clients drop them.
    The name is a label: commas, semicolons and backslashes in it become spaces.
    """
    lines = _calendar_head(None)
    # libical 3.0 (Evolution) does not know NAME and shows its escapes (`\,`) as typed, so the
    # label keeps no character that needs one.
    name = _text(_single_line(re.sub(r"[\\;,]", " ", name)))
    lines += (f"NAME:{name}", f"X-WR-CALNAME:{name}",
              f"REFRESH-INTERVAL;VALUE=DURATION:{_duration(REFRESH)}", "X-PUBLISHED-TTL:PT1H")
    stamp = _stamp(stamp)
    for event in events:
        _feed_event(lines, event, stamp)
    return _serialize(lines)


def _text(value):
    """TEXT escaping (RFC 5545 3.3.11): backslash, ';', ',' and LF, nothing else.

    icalendar's own escaping first turned a literal backslash-N into a line break, so a note like
    `C:\\Notes` lost its backslash; this one does not."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _calendar_head(method):
    lines = ["BEGIN:VCALENDAR", f"PRODID:{_text(PRODID)}", "VERSION:2.0", "CALSCALE:GREGORIAN"]
    if method:
        lines.append(f"METHOD:{method}")
    return lines


def _checked(event, cancelled):
    """The event's UTC start and end and whether it is cancelled, after checking it."""
    starts_at = _utc(event.starts_at, "start")
    ends_at = _utc(event.ends_at, "end")
    if ends_at <= starts_at:
        raise ValueError("the event must end after it starts")
    if not isinstance(event.sequence, int) or event.sequence < 0:
        raise ValueError("SEQUENCE must be a whole number, 0 or more")
    _check_token(event.uid, "UID")
    return starts_at, ends_at, event.cancelled if cancelled is None else cancelled


def _feed_event(lines, event, stamp):
    starts_at, ends_at, cancelled = _checked(event, None)
    add = lines.append

    add("BEGIN:VEVENT")
    add(f"UID:{_text(event.uid)}")
    add(f"SEQUENCE:{event.sequence}")
    add(f"DTSTAMP:{stamp}")
    add(f"DTSTART:{_date_time(starts_at)}")
    add(f"DTEND:{_date_time(ends_at)}")
    add(f"SUMMARY:{_text(_single_line(event.summary))}")
    location = _single_line(event.location)
    if location:
        add(f"LOCATION:{_text(location)}")
    description = strip_control_characters(event.description).strip()
    if description:
        add(f"DESCRIPTION:{_text(description)}")
    url = _http_url(event.url)
    if url:
        add(f"URL:{url}")  # URI: checked to be printable ASCII, written as it is
    add("STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED")
    add("TRANSP:OPAQUE")
    add("END:VEVENT")


def _serialize(lines):
    """Each line folded (item 1) by icalendar's `Contentline.to_ical` and ended in CRLF.

    That is the folding icalendar applies to its own files (its public `foldline` is deprecated
    in icalendar 7). Most feed lines are short ASCII and need no folding, so they are encoded
    without it. icalendar is imported here, on first use, so that start-up does not load it."""
    from icalendar.parser import Contentline

    lines.append("END:VCALENDAR")
    return b"".join(
        (line.encode() if len(line) < 75 and line.isascii() else Contentline(line).to_ical())
        + b"\r\n"
        for line in lines
    )


def _duration(value):
    hours, seconds = divmod(int(value.total_seconds()), 3600)
    if not hours or seconds:
        raise ValueError("a refresh interval is a whole number of hours")
    return f"PT{hours}H"


def _stamp(value):
    return _date_time(_utc(value, "stamp"))


def _date_time(value):
    """A UTC DATE-TIME (item 10): `20260414T080000Z`."""
    return (f"{value.year:04d}{value.month:02d}{value.day:02d}T"
            f"{value.hour:02d}{value.minute:02d}{value.second:02d}Z")


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
    return f"mailto:{email}"


def _cn_name(participant):
    # Item 4: CN never holds '"' (it would end the quoted value) nor a line break.
    return _single_line(participant.name.replace('"', ""))


def _http_url(url):
    url = url.strip()
    if not url or not _URL.fullmatch(url):
        return ""
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def _check_token(value, what):
    if not value or not _URL.fullmatch(value):
        raise ValueError(f"{what} must be printable ASCII without spaces")
