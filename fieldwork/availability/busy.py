"""Busy times read from interviewers' own calendars: a private iCalendar address (what Outlook,
Google and Apple publish) or a CalDAV calendar.

Of each event only its start and end are kept, and only for opaque events: an event marked
free (TRANSP:TRANSPARENT) or cancelled blocks nothing. Recurring events are expanded here
(RRULE, RDATE, EXDATE and moved occurrences by RECURRENCE-ID) by recurring-ical-events, so the
finder and the scheduling checks only ever see plain periods. Times in a VTIMEZONE or as UTC are
read as they are; all-day events and floating times are days and times in the study's zone.

The address is a secret (anyone holding it reads the diary): it appears in no log line, error
message or audit event. Errors are our own sentences, never a library's, which may quote it."""

import http.client
import ipaddress
import logging
import socket
import time as clock
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, or_, select

from ..auth.models import User
from ..database import lock_rows
from ..extensions import db
from ..timeutil import study_zone
from .models import BusyCalendar, BusyPeriod, CalendarKind
from .sealing import Unreadable, unseal

log = logging.getLogger(__name__)

# How far ahead busy times are kept: the finder never looks further.
HORIZON_DAYS = 180
USER_AGENT = "fieldwork busy-time reader"


class ReadError(Exception):
    """Reading a calendar failed; `message` is safe to show and store (no address in it)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Source:
    kind: CalendarKind
    url: str
    username: str = ""
    password: str = ""
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Reading:
    """What one read found: the calendar's documents, or that it has not changed."""

    unchanged: bool
    etag: str | None = None
    last_modified: str | None = None
    documents: list = field(default_factory=list)
    periods: list | None = None


def address_hint(url):
    """What may be shown of a calendar address: its scheme and host, never its secret path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def normalise_address(url):
    """webcal:// (what calendar apps hand out) is https:// to everyone else."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    return url


# ---------------------------------------------------------------------------------------------
# From iCalendar text to periods

def busy_periods(documents, *, start, end, zone):
    """The merged busy periods (UTC start, end) that the iCalendar `documents` (bytes or str)
    show between `start` and `end`."""
    # Imported here: only the scheduler's reads need them, not every process that serves pages.
    import icalendar
    import recurring_ical_events

    periods = []
    for document in documents:
        try:
            calendar = icalendar.Calendar.from_ical(document)
        except ValueError:
            raise ReadError("The address did not give a calendar in iCalendar format.") from None
        try:
            occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).between(
                start, end)
        except Exception as error:  # noqa: BLE001  the library's own errors for broken rules
            log.info("busy times: a calendar's recurrences could not be read: %s",
                     type(error).__name__)
            raise ReadError("The calendar has a repeating event fieldwork cannot read.") from None
        for event in occurrences:
            if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
                continue
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                continue
            period = _period(event, zone)
            if period and period[1] > start and period[0] < end:
                periods.append(period)
    return merge(periods)


def _period(event, zone):
    begins = event.get("DTSTART")
    if begins is None:
        return None
    begins = begins.dt
    ends = event.get("DTEND")
    if ends is not None:
        ends = ends.dt
    elif event.get("DURATION") is not None:
        ends = begins + event["DURATION"].dt
    elif isinstance(begins, datetime):
        return None  # an instant blocks no time (RFC 5545 3.6.1)
    else:
        ends = begins + timedelta(days=1)
    starts_at, ends_at = _instant(begins, zone), _instant(ends, zone)
    return (starts_at, ends_at) if ends_at > starts_at else None


def _instant(value, zone):
    if not isinstance(value, datetime):  # a date: the day begins at midnight in the study zone
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:  # floating: read as the study's wall-clock time
        value = value.replace(tzinfo=zone)
    return value.astimezone(timezone.utc)


def merge(periods):
    """Sorted periods with overlapping and touching ones joined."""
    merged = []
    for starts_at, ends_at in sorted(periods):
        if merged and starts_at <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends_at))
        else:
            merged.append((starts_at, ends_at))
    return merged


# ---------------------------------------------------------------------------------------------
# Reading over the network

def check_host(url, *, allow_local):
    """Refuse an address on the server's own network (loopback, private ranges, link-local):
    whoever enters a calendar address makes the server fetch it, and it must not become a way
    to reach what only the server can reach."""
    if allow_local:
        return
    try:
        found = socket.getaddrinfo(urlsplit(url).hostname, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ReadError("The calendar server's name could not be found.") from None
    for *_, address in found:
        if not ipaddress.ip_address(address[0].split("%")[0]).is_global:
            raise ReadError("The address points into fieldwork's own network; calendars are "
                            "read only from servers on the internet.")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_local):
        self.allow_local = allow_local

    def redirect_request(self, request, fp, code, message, headers, new_url):
        if urlsplit(new_url).scheme not in ("http", "https"):
            raise ReadError("The calendar server sent fieldwork to an address it cannot read.")
        check_host(new_url, allow_local=self.allow_local)
        return super().redirect_request(request, fp, code, message, headers, new_url)


def read_ical(source, *, timeout, max_bytes, allow_local=False):
    """GET the address, conditionally on what the server said last time."""
    url = source.url
    if urlsplit(url).scheme not in ("http", "https"):
        raise ReadError("The address must start with https:// (or webcal://).")
    check_host(url, allow_local=allow_local)
    opener = urllib.request.build_opener(_CheckedRedirects(allow_local))
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = clock.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ReadError(_too_large(max_bytes))
            body = _read_limited(response, max_bytes, deadline, timeout)
            return Reading(False, response.headers.get("ETag"),
                           response.headers.get("Last-Modified"), [body])
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Reading(True, error.headers.get("ETag") or source.etag,
                           error.headers.get("Last-Modified") or source.last_modified)
        raise ReadError(_status_message(error.code)) from None
    except TimeoutError:
        raise ReadError(_timed_out(timeout)) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise ReadError(_timed_out(timeout)) from None
        raise ReadError("The calendar server could not be reached.") from None
    except (OSError, ValueError, http.client.HTTPException):
        raise ReadError("The calendar server could not be reached.") from None


def _read_limited(response, max_bytes, deadline, timeout):
    chunks, size = [], 0
    while True:
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            raise ReadError(_timed_out(timeout))
        # Each read waits at most `timeout` (the socket's); the deadline stops a server that
        # sends a byte now and then from keeping us longer than that in all.
        chunk = response.read1(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise ReadError(_too_large(max_bytes))
        chunks.append(chunk)


def read_caldav(source, *, start, end, timeout, max_bytes, allow_local=False):
    """The events of a CalDAV calendar between `start` and `end`, unless the collection's
    sync token (or CTag) says nothing changed since the last read."""
    import caldav
    from caldav.elements import dav

    if urlsplit(source.url).scheme not in ("http", "https"):
        raise ReadError("The address must start with https://.")
    check_host(source.url, allow_local=allow_local)
    try:
        client = caldav.DAVClient(url=source.url, username=source.username or None,
                                  password=source.password or None, timeout=timeout,
                                  enable_rfc6764=False)
        calendar = client.calendar(url=source.url)
        tag = None
        try:
            tag = calendar.get_property(dav.SyncToken())
        except Exception:  # noqa: BLE001  servers without sync tokens: read every time
            tag = None
        if tag and tag == source.etag:
            return Reading(True, tag)
        documents, size = [], 0
        for item in calendar.search(start=start, end=end, event=True, expand=False):
            data = item.data
            size += len(data.encode() if isinstance(data, str) else data)
            if size > max_bytes:
                raise ReadError(_too_large(max_bytes))
            documents.append(data)
        return Reading(False, tag, None, documents)
    except ReadError:
        raise
    except Exception as error:  # noqa: BLE001  the library's messages may quote the address
        name = type(error).__name__
        log.info("busy times: a CalDAV read failed: %s", name)
        if "Authoriz" in name or "401" in str(getattr(error, "reason", "")):
            raise ReadError("The CalDAV server refused the login: check the user name and "
                            "password.") from None
        if "NotFound" in name:
            raise ReadError("The CalDAV server has no calendar at this address.") from None
        if "Timeout" in name or isinstance(error, TimeoutError):
            raise ReadError(_timed_out(timeout)) from None
        raise ReadError("The CalDAV calendar could not be read.") from None


def _status_message(code):
    if code in (401, 403):
        return f"The calendar server refused access ({code}): check the address."
    if code in (404, 410):
        return f"The calendar server has no calendar at this address ({code})."
    return f"The calendar server answered with an error ({code})."


def _too_large(max_bytes):
    return (f"The calendar is larger than {max_bytes / 1_000_000:g} MB, the most fieldwork reads; "
            "publish a shorter period if your calendar app allows.")


def _timed_out(timeout):
    return f"The calendar server did not answer within {timeout} seconds."


# ---------------------------------------------------------------------------------------------
# Refreshing what is stored

def read_source(source, *, now, zone, timeout, max_bytes, allow_local=False):
    """One read of a calendar: a Reading whose `periods` is None when it had not changed."""
    start, end = now - timedelta(days=1), now + timedelta(days=HORIZON_DAYS)
    if source.kind is CalendarKind.CALDAV:
        reading = read_caldav(source, start=start, end=end, timeout=timeout, max_bytes=max_bytes,
                              allow_local=allow_local)
    else:
        reading = read_ical(source, timeout=timeout, max_bytes=max_bytes,
                            allow_local=allow_local)
    if not reading.unchanged:
        reading.periods = busy_periods(reading.documents, start=start, end=end, zone=zone)
    return reading


def refresh_calendar(calendar_id, *, now):
    """Read one interviewer's calendar and store what it says; returns "read", "unchanged" or
    "failed" (the error is stored on the calendar for its owner to see)."""
    calendar = db.session.get(BusyCalendar, calendar_id)
    if calendar is None:
        return None
    sealed, user_id = calendar.sealed_url, calendar.user_id
    # Once a day the whole calendar is read even if unchanged: the horizon moves on, and
    # occurrences of a repeating event come into it.
    fresh = calendar.read_at is not None and now - calendar.read_at < timedelta(days=1)
    try:
        source = Source(calendar.kind, unseal(calendar.sealed_url), calendar.username,
                        unseal(calendar.sealed_password),
                        calendar.etag if fresh else None, calendar.last_modified if fresh else None)
    except Unreadable:
        calendar.checked_at, calendar.error = now, (
            "The saved address can no longer be read (the app's secret key has changed): "
            "enter it again.")
        db.session.commit()
        return "failed"
    # No transaction stays open while a calendar server takes its time.
    db.session.commit()
    config = current_app.config
    try:
        reading = read_source(source, now=now, zone=study_zone(),
                              timeout=config["BUSY_FETCH_TIMEOUT_SECONDS"],
                              max_bytes=config["BUSY_MAX_BYTES"],
                              allow_local=config["BUSY_LOCAL_ADDRESSES"])
        error = ""
    except ReadError as failure:
        reading, error = None, failure.message
    # The owner may change or remove the calendar meanwhile: read it again under their lock.
    lock_rows(User, [user_id])
    calendar = db.session.scalar(select(BusyCalendar).where(BusyCalendar.id == calendar_id)
                                 .execution_options(populate_existing=True))
    if calendar is None or calendar.sealed_url != sealed:
        db.session.rollback()  # removed or replaced meanwhile: this read is of the old one
        return None
    calendar.checked_at, calendar.error = now, error
    if reading is None:
        log.info("busy times: calendar %s not read", calendar_id)
        db.session.commit()
        return "failed"
    calendar.etag, calendar.last_modified = reading.etag, reading.last_modified
    if not reading.unchanged:
        calendar.read_at = now
        store_periods(calendar.user_id, reading.periods)
    db.session.commit()
    return "unchanged" if reading.unchanged else "read"


def store_periods(user_id, periods):
    """Replace an interviewer's busy periods; no commit."""
    db.session.execute(delete(BusyPeriod).where(BusyPeriod.user_id == user_id))
    db.session.add_all(BusyPeriod(user_id=user_id, starts_at=s, ends_at=e) for s, e in periods)


def due_calendars(*, now):
    """Ids of the calendars not read for FIELDWORK_BUSY_REFRESH_MINUTES, longest waiting first."""
    interval = timedelta(minutes=current_app.config["BUSY_REFRESH_MINUTES"])
    return db.session.scalars(
        select(BusyCalendar.id)
        .where(or_(BusyCalendar.checked_at.is_(None), BusyCalendar.checked_at <= now - interval))
        .order_by(BusyCalendar.checked_at.is_not(None), BusyCalendar.checked_at,
                  BusyCalendar.id)).all()


def refresh_due_calendars(*, now):
    """What the scheduler runs: every calendar that is due, read once. Safe to run twice: a
    second run finds nothing due."""
    counts = {"read": 0, "unchanged": 0, "failed": 0}
    ids = due_calendars(now=now)
    db.session.commit()
    for calendar_id in ids:
        outcome = refresh_calendar(calendar_id, now=now)
        if outcome:
            counts[outcome] += 1
    return ", ".join(f"{name} {count}" for name, count in counts.items())
