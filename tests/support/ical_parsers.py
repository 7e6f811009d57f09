"""Parse iCalendar bytes with parsers we did not write, and report what each one saw.

Four parsers, each from another project: `ical` (PyPI, strict), `vobject`, libical (the C library
behind Evolution, through GObject introspection in Debian's own Python, with its iTIP restriction
check) and ical.js (Thunderbird's parser, in Node). Each returns the same plain shape so that a
test can assert they all agree:

    {"parser": name, "calendars": 1, "method": "REQUEST" | None, "timezones": 0,
     "properties": {"NAME": ..., "X-WR-CALNAME": ..., "REFRESH-INTERVAL": "PT1H", ...},
     "events": [{"uid", "sequence", "dtstamp", "start", "end", "summary", "location",
                 "description", "url", "status", "organizer", "attendees", "attendee_params"}],
     "errors": [libical's X-LIC-ERROR messages, empty for the others]}

Times are "YYYYMMDDTHHMMSSZ" when the parser saw a UTC time and "not UTC: ..." otherwise;
addresses lose their "mailto:". A parser that is missing skips the test on a developer's machine
and fails it in CI (`require`); a parser that refuses the file raises.
"""

import contextlib
import fcntl
import functools
import json
import os
import re
import shutil
import subprocess
import threading
from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import require

ICALJS_DIR = Path(__file__).parent / "icaljs"
SYSTEM_PYTHON = "/usr/bin/python3"
CALENDAR_PROPERTIES = ("NAME", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL")
ATTENDEE_PARAMETERS = ("CUTYPE", "ROLE", "PARTSTAT", "RSVP", "CN")


def parse_with_all(data: bytes) -> list[dict]:
    """What every parser makes of `data`, in a fixed order."""
    return [parse(data) for parse in PARSERS.values()]


def parse_with_ical(data: bytes) -> dict:
    from ical.calendar_stream import IcsCalendarStream

    stream = IcsCalendarStream.from_ics(data.decode("utf-8"))
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    # `ical` keeps unknown properties as raw text; X- properties are TEXT by default (RFC 5545
    # 3.8.8.2), so they are unescaped here as the other parsers do.
    extras = {extra.name.upper(): _unescape(extra.value) for extra in calendar.extras}
    properties = {
        "NAME": calendar.name[0] if calendar.name else None,
        "X-WR-CALNAME": extras.get("X-WR-CALNAME"),
        "REFRESH-INTERVAL": _duration(calendar.refresh_interval),
        "X-PUBLISHED-TTL": extras.get("X-PUBLISHED-TTL"),
    }
    events = []
    for event in calendar.events:
        events.append({
            "uid": event.uid,
            "sequence": event.sequence,
            "dtstamp": _utc_text(event.dtstamp),
            "start": _utc_text(event.dtstart),
            "end": _utc_text(event.dtend),
            "summary": event.summary,
            "location": event.location,
            "description": event.description,
            "url": str(event.url) if event.url else None,
            "status": event.status.value if event.status else None,
            "organizer": _email(event.organizer.uri) if event.organizer else None,
            "attendees": [_email(a.uri) for a in event.attendees],
            "attendee_params": [_compact({
                "CUTYPE": a.user_type, "ROLE": a.role, "PARTSTAT": a.status,
                "RSVP": None if a.rsvp is None else str(a.rsvp).upper(), "CN": a.common_name,
            }) for a in event.attendees],
        })
    return _result("ical", len(stream.calendars), calendar.method, len(calendar.timezones),
                   properties, events)


def parse_with_vobject(data: bytes) -> dict:
    import vobject

    calendars = list(vobject.readComponents(data.decode("utf-8")))
    calendar = calendars[0]

    def value(component, name):
        return component.contents[name][0].value if name in component.contents else None

    properties = {name: value(calendar, name.lower()) for name in CALENDAR_PROPERTIES}
    events = []
    for event in calendar.contents.get("vevent", []):
        attendees = event.contents.get("attendee", [])
        events.append({
            "uid": value(event, "uid"),
            "sequence": _int(value(event, "sequence")),
            "dtstamp": _utc_text(value(event, "dtstamp")),
            "start": _utc_text(value(event, "dtstart")),
            "end": _utc_text(value(event, "dtend")),
            "summary": value(event, "summary"),
            "location": value(event, "location"),
            "description": value(event, "description"),
            "url": value(event, "url"),
            "status": value(event, "status"),
            "organizer": _email(value(event, "organizer")),
            "attendees": [_email(a.value) for a in attendees],
            "attendee_params": [
                {k: a.params[k][0] for k in ATTENDEE_PARAMETERS if k in a.params}
                for a in attendees
            ],
        })
    return _result("vobject", len(calendars), value(calendar, "method"),
                   len(calendar.contents.get("vtimezone", [])), properties, events)


def parse_with_libical(data: bytes) -> dict:
    require(_libical_available(), "libical is not installed (Debian packages gir1.2-ical-3.0 "
                                  "and python3-gi)")
    done = subprocess.run([SYSTEM_PYTHON, "-c", LIBICAL_SCRIPT], input=data,
                          capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise AssertionError(f"libical failed: {done.stderr.decode(errors='replace')}")
    return json.loads(done.stdout)


def parse_with_icaljs(data: bytes) -> dict:
    directory, reason = ensure_icaljs()
    require(directory is not None, reason)
    done = subprocess.run(["node", "parse.mjs"], cwd=directory, input=data,
                          capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise AssertionError(f"ical.js failed: {done.stderr.decode(errors='replace')}")
    parsed = json.loads(done.stdout)
    calendar = parsed["calendars"][0]
    events = []
    for event in calendar["events"]:
        events.append({
            "uid": event["uid"],
            "sequence": event["sequence"],
            "dtstamp": _js_time(event["dtstamp"]),
            "start": _js_time(event["start"]),
            "end": _js_time(event["end"]),
            "summary": event["summary"],
            "location": event["location"],
            "description": event["description"],
            "url": event["url"],
            "status": event["status"],
            "organizer": _email(event["organizer"]["value"]) if event["organizer"] else None,
            "attendees": [_email(a["value"]) for a in event["attendees"]],
            "attendee_params": [a["params"] for a in event["attendees"]],
        })
    properties = {name: calendar["properties"].get(name) for name in CALENDAR_PROPERTIES}
    return _result("ical.js", len(parsed["calendars"]), calendar["properties"].get("METHOD"),
                   calendar["timezones"], properties, events)


PARSERS = {
    "ical": parse_with_ical,
    "vobject": parse_with_vobject,
    "libical": parse_with_libical,
    "ical.js": parse_with_icaljs,
}

_npm_lock = threading.Lock()


@contextlib.contextmanager
def _across_processes(path):
    """An exclusive lock on `path`, so that xdist workers run `npm ci` one at a time."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@functools.cache
def ensure_icaljs():
    """(directory, None) once ical.js is installed there, or (None, why not).

    Runs `npm ci` once per test session when node_modules is missing (a fresh clone)."""
    if shutil.which("node") is None:
        return None, "Node.js is not installed (Debian package nodejs), needed for ical.js"
    with _npm_lock, _across_processes(ICALJS_DIR / ".npm-ci.lock"):
        if not (ICALJS_DIR / "node_modules" / "ical.js" / "package.json").exists():
            if shutil.which("npm") is None:
                return None, "npm is not installed (Debian package npm), needed for ical.js"
            done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ICALJS_DIR,
                                  capture_output=True, timeout=300, check=False,
                                  env={**os.environ, "NO_UPDATE_NOTIFIER": "1"})
            if done.returncode != 0:
                return None, f"npm ci failed in {ICALJS_DIR}: {done.stderr.decode()[-500:]}"
    return ICALJS_DIR, None


@functools.cache
def _libical_available():
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"
    return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True,
                          check=False).returncode == 0


def _result(parser, calendars, method, timezones, properties, events, errors=()):
    return {"parser": parser, "calendars": calendars, "method": method, "timezones": timezones,
            "properties": properties, "events": events, "errors": list(errors)}


def _utc_text(value):
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() != timedelta(0):
        return f"not UTC: {value!r}"
    return value.strftime("%Y%m%dT%H%M%SZ")


def _js_time(value):
    if value is None:
        return None
    if not value["utc"]:
        return f"not UTC: {value['iso']}"
    return datetime.fromisoformat(value["iso"].replace("Z", "+00:00")).strftime("%Y%m%dT%H%M%SZ")


def _duration(value):
    return "PT1H" if value == timedelta(hours=1) else (None if value is None else str(value))


def _email(uri):
    if uri is None:
        return None
    uri = str(uri)
    return uri[7:] if uri.lower().startswith("mailto:") else uri


def _unescape(text):
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


def _int(value):
    return None if value is None else int(value)


def _compact(params):
    return {k: v for k, v in params.items() if v is not None}


# Runs in Debian's Python (python3-gi is not in the virtualenv): parses stdin with libical, runs
# its iTIP restriction check (RFC 5546: which properties each METHOD requires or forbids) and
# prints the shape described at the top of this module, with every X-LIC-ERROR in "errors".
LIBICAL_SCRIPT = r'''
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I

ANY = I.ComponentKind.ANY_COMPONENT
text = sys.stdin.buffer.read().decode("utf-8")
root = I.Parser.parse_string(text)
if root is None:
    sys.exit("libical could not parse the file")
root.check_restrictions()

def children(component, kind=ANY):
    child = component.get_first_component(kind)
    while child is not None:
        yield child
        child = component.get_next_component(kind)

def properties(component, kind=I.PropertyKind.ANY_PROPERTY):
    prop = component.get_first_property(kind)
    while prop is not None:
        yield prop
        prop = component.get_next_property(kind)

def errors(component):
    found = [p.get_xlicerror() for p in properties(component, I.PropertyKind.XLICERROR_PROPERTY)]
    for child in children(component):
        found += errors(child)
    return found

def utc(component, kind):
    prop = component.get_first_property(kind)
    if prop is None:
        return None
    t = prop.get_value().get_datetime()
    value = "%04d%02d%02dT%02d%02d%02d" % (t.get_year(), t.get_month(), t.get_day(),
                                           t.get_hour(), t.get_minute(), t.get_second())
    return value + "Z" if t.is_utc() else "not UTC: " + value

def email(value):
    return value[7:] if value and value.lower().startswith("mailto:") else value

def text_of(component, kind, getter):
    prop = component.get_first_property(kind)
    return getattr(prop, getter)() if prop is not None else None

if root.isa() == I.ComponentKind.VCALENDAR_COMPONENT:
    calendars = [root]
else:
    calendars = list(children(root, I.ComponentKind.VCALENDAR_COMPONENT))
calendar = calendars[0]
props = {p.get_property_name(): p.get_value_as_string() for p in properties(calendar)}
method = calendar.get_first_property(I.PropertyKind.METHOD_PROPERTY)
events = []
for vevent in children(calendar, I.ComponentKind.VEVENT_COMPONENT):
    attendees = list(properties(vevent, I.PropertyKind.ATTENDEE_PROPERTY))
    organizer = vevent.get_first_property(I.PropertyKind.ORGANIZER_PROPERTY)
    status = vevent.get_first_property(I.PropertyKind.STATUS_PROPERTY)
    sequence = vevent.get_first_property(I.PropertyKind.SEQUENCE_PROPERTY)
    events.append({
        "uid": vevent.get_uid(),
        "sequence": sequence.get_sequence() if sequence is not None else None,
        "dtstamp": utc(vevent, I.PropertyKind.DTSTAMP_PROPERTY),
        "start": utc(vevent, I.PropertyKind.DTSTART_PROPERTY),
        "end": utc(vevent, I.PropertyKind.DTEND_PROPERTY),
        "summary": text_of(vevent, I.PropertyKind.SUMMARY_PROPERTY, "get_summary"),
        "location": text_of(vevent, I.PropertyKind.LOCATION_PROPERTY, "get_location"),
        "description": text_of(vevent, I.PropertyKind.DESCRIPTION_PROPERTY, "get_description"),
        "url": text_of(vevent, I.PropertyKind.URL_PROPERTY, "get_url"),
        "status": I.Property.status_to_string(status.get_status()) if status else None,
        "organizer": email(organizer.get_organizer()) if organizer is not None else None,
        "attendees": [email(a.get_attendee()) for a in attendees],
        "attendee_params": [
            {name: a.get_parameter_as_string(name)
             for name in ("CUTYPE", "ROLE", "PARTSTAT", "RSVP", "CN")
             if a.get_parameter_as_string(name) is not None}
            for a in attendees
        ],
    })
print(json.dumps({
    "parser": "libical",
    "calendars": len(calendars),
    "method": I.Property.method_to_string(method.get_method()) if method is not None else None,
    "timezones": calendar.count_components(I.ComponentKind.VTIMEZONE_COMPONENT),
    "properties": {name: props.get(name)
                   for name in ("NAME", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL")},
    "events": events,
    "errors": errors(root),
}))
'''
