"""Reading one email as a calendar answer: pure functions over the message's bytes.

A calendar program answers an invitation by email to the ORGANIZER (RFC 6047, iMIP): a
text/calendar part whose METHOD is REPLY (accepted, tentative, declined) or COUNTER (a proposed
new time). Where that part sits differs by program: Outlook sends it as the message's only
part or inside multipart/alternative, Google adds the same file as an `invite.ics` attachment
(application/ics), Apple Mail puts it inline, Thunderbird in multipart/mixed. Any position,
charset and transfer encoding is read here through the standard library's email parser, and
the calendar through icalendar.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses

from ..ical import strip_control_characters
from .models import AnswerStatus

ANSWER_METHODS = ("REPLY", "COUNTER")
MAX_COMMENT = 2000
_PARTSTAT = {"ACCEPTED": AnswerStatus.ACCEPTED, "TENTATIVE": AnswerStatus.TENTATIVE,
             "DECLINED": AnswerStatus.DECLINED}
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


class Malformed(ValueError):
    """A REPLY or COUNTER that cannot be read. The reason is short and quotes nothing of it."""


@dataclass(frozen=True)
class Answer:
    method: str              # REPLY or COUNTER
    uid: str
    sequence: int
    attendee: str            # the ATTENDEE's bare address, lower-case
    status: AnswerStatus | None  # REPLY: PARTSTAT; COUNTER: None
    comment: str
    stamp: datetime | None   # DTSTAMP, UTC
    starts_at: datetime | None = None  # COUNTER: the proposed time, UTC
    ends_at: datetime | None = None


@dataclass(frozen=True)
class ReadMessage:
    """`answer` for a readable REPLY/COUNTER; `problem` for an unreadable one; neither for a
    message that is not a calendar answer (ordinary mail, a forwarded invitation)."""

    message_id: str
    answer: Answer | None = None
    problem: str | None = None

    @property
    def is_answer(self):
        return self.answer is not None or self.problem is not None


def read_message(raw):
    """What `raw` (an RFC 5322 message as bytes) holds for the reader."""
    message = BytesParser(policy=policy.compat32).parsebytes(raw)
    message_id = _message_id(message.get("Message-ID"), raw)
    sender = _sender(message.get("From"))
    problem = None
    for part in message.walk():
        if part.is_multipart() or not _is_calendar(part):
            continue
        try:
            answer = _answer(_text_of(part), sender)
        except Malformed as error:
            problem = problem or str(error)
            continue
        if answer is not None:
            return ReadMessage(message_id, answer=answer)
    return ReadMessage(message_id, problem=problem)


def read_message_id(raw):
    """The Message-ID `read_message` gives `raw`, from its headers only."""
    from email.parser import BytesHeaderParser

    return _message_id(BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
                       .get("Message-ID"), raw)


def _message_id(value, raw):
    """The Message-ID, or one made from the message's bytes (a message without one is still
    recognised when read again)."""
    value = (value or "").strip()
    match = _MESSAGE_ID.search(value)
    if match:
        return match.group(0)
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@no-message-id>"


def _sender(value):
    addresses = getaddresses([value or ""])
    return addresses[0][1].strip().lower() if addresses and addresses[0][1] else ""


def _is_calendar(part):
    content_type = part.get_content_type()
    filename = (part.get_filename() or "").lower()
    return content_type in ("text/calendar", "application/ics") or filename.endswith(".ics")


def _text_of(part):
    """The part's text, with its transfer encoding and declared charset undone."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes) or not data.strip():
        raise Malformed("empty calendar part")
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("calendar part in an unknown or wrong charset") from None


def _answer(text, sender):
    """The Answer in an iCalendar text, None if it is not a REPLY or COUNTER."""
    import icalendar

    if not re.search(r"^METHOD\s*:\s*(REPLY|COUNTER)\s*$", text, re.IGNORECASE | re.MULTILINE):
        return None
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception:  # noqa: BLE001 (icalendar raises ValueError, KeyError, IndexError... on broken input)
        raise Malformed("calendar does not parse") from None
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method not in ANSWER_METHODS:
        return None
    events = calendar.walk("VEVENT")
    if not events:
        raise Malformed("no VEVENT")
    event = events[0]
    uid = str(event.get("UID", "")).strip()
    if not uid:
        raise Malformed("no UID")
    try:
        sequence = int(str(event.get("SEQUENCE", 0)).strip())
    except ValueError:
        raise Malformed("SEQUENCE is not a number") from None
    attendee, partstat = _attendee(event, sender)
    status = None
    if method == "REPLY":
        status = _PARTSTAT.get(partstat)
        if status is None:
            raise Malformed("REPLY without an answer (PARTSTAT)")
    starts_at = ends_at = None
    if method == "COUNTER":
        starts_at, ends_at = _proposed_time(event)
    return Answer(method=method, uid=uid, sequence=max(sequence, 0), attendee=attendee,
                  status=status, comment=_comment(event), stamp=_stamp(event),
                  starts_at=starts_at, ends_at=ends_at)


def _addresses(value):
    return value if isinstance(value, list) else [value] if value is not None else []


def bare_address(value):
    """`mailto:Ase@Example.org` -> `ase@example.org` (the scheme in any case, RFC 3986)."""
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _attendee(event, sender):
    """(address, PARTSTAT) of the one answering. A REPLY names one ATTENDEE (RFC 5546 3.2.3);
    some programs list everyone, with only the sender's own answer filled in."""
    attendees = [(bare_address(a), str(getattr(a, "params", {}).get("PARTSTAT", "")).upper())
                 for a in _addresses(event.get("ATTENDEE"))]
    attendees = [(address, partstat) for address, partstat in attendees if "@" in address]
    if not attendees:
        raise Malformed("no ATTENDEE")
    if len(attendees) == 1:
        return attendees[0]
    for attendee in attendees:
        if attendee[0] == sender:
            return attendee
    answered = [a for a in attendees if a[1] and a[1] != "NEEDS-ACTION"]
    if len(answered) == 1:
        return answered[0]
    raise Malformed("several ATTENDEEs and none is the sender")


def _comment(event):
    comments = [str(c) for c in _addresses(event.get("COMMENT"))]
    text = strip_control_characters("\n".join(comments)).strip()
    return text[:MAX_COMMENT]


def _utc(value, what):
    if isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    raise Malformed(f"{what} is not a time with a time zone")


def _stamp(event):
    try:
        value = event.decoded("DTSTAMP")
    except (KeyError, ValueError):
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # DTSTAMP is always UTC (RFC 5545 3.8.7.2)
    return value.astimezone(UTC) if isinstance(value, datetime) else None


def _proposed_time(event):
    try:
        start = event.decoded("DTSTART")
    except (KeyError, ValueError):
        raise Malformed("COUNTER without DTSTART") from None
    if isinstance(start, date) and not isinstance(start, datetime):
        raise Malformed("COUNTER proposes a whole day")
    starts_at = _utc(start, "DTSTART")
    try:
        if "DTEND" in event:
            ends_at = _utc(event.decoded("DTEND"), "DTEND")
        else:
            ends_at = starts_at + event.decoded("DURATION")
    except (KeyError, ValueError, TypeError):
        raise Malformed("COUNTER without DTEND or DURATION") from None
    if ends_at <= starts_at:
        raise Malformed("COUNTER ends before it starts")
    return starts_at, ends_at
