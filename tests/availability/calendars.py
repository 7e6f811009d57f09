"""iCalendar text as interviewers' calendar apps publish it, for the busy-time tests."""

from datetime import datetime, timezone

UTC = timezone.utc

# A zone given only by its VTIMEZONE, under a name no library knows, as Outlook writes them.
CUSTOM_ZONE = """BEGIN:VTIMEZONE
TZID:Fieldwork Test Zone
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""

SERIES = """BEGIN:VEVENT
UID:weekly-meeting@example.org
DTSTAMP:20260201T120000Z
DTSTART;TZID=Fieldwork Test Zone:20260310T100000
DTEND;TZID=Fieldwork Test Zone:20260310T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Fieldwork Test Zone:20260317T100000
SUMMARY:Secret board meeting
LOCATION:Room of secrets
ATTENDEE;CN=Somebody Private:mailto:private@example.org
END:VEVENT
BEGIN:VEVENT
UID:weekly-meeting@example.org
DTSTAMP:20260201T120000Z
RECURRENCE-ID;TZID=Fieldwork Test Zone:20260324T100000
DTSTART;TZID=Fieldwork Test Zone:20260324T130000
DTEND;TZID=Fieldwork Test Zone:20260324T140000
SUMMARY:Secret board meeting (moved)
END:VEVENT
"""

OTHERS = """BEGIN:VEVENT
UID:winter@example.org
DTSTAMP:20260201T120000Z
DTSTART;TZID=Europe/Oslo:20260305T090000
DTEND;TZID=Europe/Oslo:20260305T100000
SUMMARY:Dentist
END:VEVENT
BEGIN:VEVENT
UID:summer@example.org
DTSTAMP:20260201T120000Z
DTSTART;TZID=Europe/Oslo:20260401T090000
DURATION:PT1H
SUMMARY:Summer time meeting
END:VEVENT
BEGIN:VEVENT
UID:all-day@example.org
DTSTAMP:20260201T120000Z
DTSTART;VALUE=DATE:20260312
DTEND;VALUE=DATE:20260313
SUMMARY:Conference
END:VEVENT
BEGIN:VEVENT
UID:utc@example.org
DTSTAMP:20260201T120000Z
DTSTART:20260313T120000Z
DTEND:20260313T130000Z
SUMMARY:Call
END:VEVENT
BEGIN:VEVENT
UID:free@example.org
DTSTAMP:20260201T120000Z
DTSTART:20260306T080000Z
DTEND:20260306T160000Z
TRANSP:TRANSPARENT
SUMMARY:Working from home (shown as free)
END:VEVENT
BEGIN:VEVENT
UID:cancelled@example.org
DTSTAMP:20260201T120000Z
DTSTART:20260309T080000Z
DTEND:20260309T090000Z
STATUS:CANCELLED
SUMMARY:Called off
END:VEVENT
BEGIN:VEVENT
UID:long-ago@example.org
DTSTAMP:20200201T120000Z
DTSTART:20200309T080000Z
DTEND:20200309T090000Z
SUMMARY:Before the horizon
END:VEVENT
"""


def calendar(*bodies, zone=CUSTOM_ZONE):
    text = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//Calendar//EN\n" + zone
            + "".join(bodies) + "END:VCALENDAR\n")
    return text.replace("\n", "\r\n")


def events_of(text):
    """Each event of `text` on its own, as a CalDAV server keeps them (one UID per item)."""
    return {part.split("UID:", 1)[1].split("\n", 1)[0].split("@")[0]:
            "BEGIN:VEVENT" + part for part in text.split("BEGIN:VEVENT")[1:]}


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# What fieldwork should keep of SERIES and OTHERS, in UTC.
EXPECTED = [
    (utc(2026, 3, 5, 8), utc(2026, 3, 5, 9)),      # 09:00 Oslo winter time (+01:00)
    (utc(2026, 3, 10, 9), utc(2026, 3, 10, 10)),   # 10:00 in the custom zone, winter
    (utc(2026, 3, 11, 23), utc(2026, 3, 12, 23)),  # the all-day event: the whole day in Oslo
    (utc(2026, 3, 13, 12), utc(2026, 3, 13, 13)),  # given in UTC
    (utc(2026, 3, 24, 12), utc(2026, 3, 24, 13)),  # the occurrence moved to 13:00
    (utc(2026, 3, 31, 8), utc(2026, 3, 31, 9)),    # 10:00 again, now summer time (+02:00)
    (utc(2026, 4, 1, 7), utc(2026, 4, 1, 8)),      # 09:00 Oslo summer time, by DURATION
]
