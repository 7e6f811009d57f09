"""Calendar files that every client reads the same way (ICAL.md, items 1-11 and 14).

Each generated invitation, cancellation, .ics download and feed is read back by four parsers we did
not write (tests/support/ical_parsers.py); they must all see the same event. These tests are pure:
no app, no database.
"""

import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldwork.ical import (
    Event,
    Participant,
    build_cancel,
    build_event_file,
    build_feed,
    build_request,
    local_to_utc,
    new_uid,
    strip_control_characters,
)
from tests.support.ical_parsers import (
    PARSERS,
    parse_with_all,
    parse_with_ical,
    parse_with_libical,
    parse_with_vobject,
)

OSLO = ZoneInfo("Europe/Oslo")
STAMP = datetime(2026, 3, 20, 12, 0, 5, tzinfo=UTC)
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "ical"
ORGANIZER = Participant("studie@fieldwork.example", "Fieldwork-studien")
INFORMANT = Participant("informant@sykehus.example", "Åse Ødegård")
INTERVIEWER = Participant("intervjuer@fieldwork.example", "Intervjuer")
ATTENDEE_PARAMS = {
    "CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE",
}
BUILDERS = {
    "request": lambda event: build_request(event, ORGANIZER, stamp=STAMP),
    "cancel": lambda event: build_cancel(event, ORGANIZER, stamp=STAMP),
    "event file": lambda event: build_event_file(event, ORGANIZER, stamp=STAMP),
    "feed": lambda event: build_feed([event], name="Mine intervjuer", stamp=STAMP),
}
METHODS = {"request": "REQUEST", "cancel": "CANCEL", "event file": "PUBLISH", "feed": None}
# iTIP: REQUEST and CANCEL name the attendees, PUBLISH may not, and a feed keeps them private.
HAS_ATTENDEES = {"request": True, "cancel": True, "event file": False, "feed": False}
HAS_ORGANIZER = {"request": True, "cancel": True, "event file": True, "feed": False}


def make_event(**overrides):
    values = dict(
        uid="0f1e2d3c4b5a69788796a5b4c3d2e1f0@fieldwork.example",
        sequence=0,
        starts_at=datetime(2026, 4, 14, 10, 0, tzinfo=OSLO),
        ends_at=datetime(2026, 4, 14, 11, 30, tzinfo=OSLO),
        summary="Fieldwork-studien: intervju",
        location="Ullevål sykehus, bygg 2",
        description="Intervju om samhandling.\nTa med samtykkeskjema.",
        url="https://meet.example/abc-defg-hij",
        attendees=(INFORMANT, INTERVIEWER),
    )
    values.update(overrides)
    return Event(**values)


def physical_lines(data):
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def unfolded(data):
    """Logical lines, as text."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def properties(data, name):
    return [line for line in unfolded(data) if re.match(rf"{name}[;:]", line)]


def only_event(result):
    assert result["calendars"] == 1, result["parser"]
    assert len(result["events"]) == 1, result["parser"]
    return result["events"][0]


# --- Every parser sees the same event --------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_every_parser_reads_the_same_event(kind):
    event = make_event(sequence=3)
    results = parse_with_all(BUILDERS[kind](event))

    assert [r["parser"] for r in results] == list(PARSERS)
    for result in results:
        parsed = only_event(result)
        who = result["parser"]
        assert result["method"] == METHODS[kind], who
        assert result["timezones"] == 0, who
        assert result["errors"] == [], who  # libical's parse errors and iTIP restriction check
        assert parsed["uid"] == event.uid, who
        assert parsed["sequence"] == 3, who
        assert parsed["start"] == "20260414T080000Z", who
        assert parsed["end"] == "20260414T093000Z", who
        assert parsed["dtstamp"] == "20260320T120005Z", who
        assert parsed["summary"] == "Fieldwork-studien: intervju", who
        assert parsed["location"] == "Ullevål sykehus, bygg 2", who
        assert parsed["description"] == "Intervju om samhandling.\nTa med samtykkeskjema.", who
        assert parsed["url"] == "https://meet.example/abc-defg-hij", who
        assert parsed["status"] == ("CANCELLED" if kind == "cancel" else "CONFIRMED"), who
        expected = [INFORMANT.email, INTERVIEWER.email] if HAS_ATTENDEES[kind] else []
        assert parsed["attendees"] == expected, who
        assert parsed["organizer"] == (ORGANIZER.email if HAS_ORGANIZER[kind] else None), who


@pytest.mark.parametrize("kind", ["request", "cancel"])
def test_attendees_carry_the_parameters_clients_need_for_accept_and_decline(kind):
    data = BUILDERS[kind](make_event())

    for result in parse_with_all(data):
        assert only_event(result)["attendee_params"] == [
            {**ATTENDEE_PARAMS, "CN": "Åse Ødegård"},
            {**ATTENDEE_PARAMS, "CN": "Intervjuer"},
        ], result["parser"]
    # Item 4: bare mailto: addresses, never "Name <address>".
    for line in properties(data, "ATTENDEE") + properties(data, "ORGANIZER"):
        assert re.search(r":mailto:[^<>\s\"]+@[^<>\s\"]+$", line), line


def test_the_event_file_asks_nobody_to_reply():
    data = build_event_file(make_event(), ORGANIZER, stamp=STAMP)

    assert b"METHOD:PUBLISH\r\n" in data
    assert b"ATTENDEE" not in data and b"RSVP" not in data
    assert properties(data, "ORGANIZER") == [
        "ORGANIZER;CN=Fieldwork-studien:mailto:studie@fieldwork.example"]


def test_invitation_has_the_calendar_properties_of_item_5():
    data = build_request(make_event(), ORGANIZER, stamp=STAMP)
    lines = unfolded(data)

    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert "PRODID:-//fieldwork//interviews//EN" in lines
    assert "METHOD:REQUEST" in lines
    assert lines.count("BEGIN:VEVENT") == 1
    assert "BEGIN:VTIMEZONE" not in lines


# --- Reschedule and cancel (items 8 and 9) -----------------------------------------------------


def test_a_reschedule_keeps_the_uid_and_carries_the_new_sequence_and_stamp():
    first = make_event(sequence=0)
    moved = replace(first, sequence=1, starts_at=first.starts_at + timedelta(days=1),
                    ends_at=first.ends_at + timedelta(days=1))
    later = STAMP + timedelta(hours=2)

    before = build_request(first, ORGANIZER, stamp=STAMP)
    after = build_request(moved, ORGANIZER, stamp=later.astimezone(OSLO))

    assert properties(before, "SEQUENCE") == ["SEQUENCE:0"]
    assert properties(after, "SEQUENCE") == ["SEQUENCE:1"]
    assert properties(after, "DTSTAMP") == ["DTSTAMP:20260320T140005Z"]
    for result in parse_with_all(after):
        parsed = only_event(result)
        assert (parsed["uid"], parsed["sequence"]) == (first.uid, 1), result["parser"]
        assert parsed["start"] == "20260415T080000Z", result["parser"]


def test_a_cancellation_names_everyone_and_is_marked_cancelled():
    event = make_event(sequence=2)
    data = build_cancel(event, ORGANIZER, stamp=STAMP)

    assert properties(data, "METHOD") == ["METHOD:CANCEL"]
    assert properties(data, "STATUS") == ["STATUS:CANCELLED"]
    assert properties(data, "SEQUENCE") == ["SEQUENCE:2"]
    assert len(properties(data, "ATTENDEE")) == 2
    assert len(properties(data, "ORGANIZER")) == 1


def test_an_invitation_without_attendees_is_refused():
    with pytest.raises(ValueError, match="at least one attendee"):
        build_request(make_event(attendees=()), ORGANIZER, stamp=STAMP)


def test_a_cancelled_event_is_never_sent_as_an_invitation():
    with pytest.raises(ValueError, match="build_cancel"):
        build_request(make_event(cancelled=True), ORGANIZER, stamp=STAMP)


# --- Bytes and text (items 1-4) ----------------------------------------------------------------

LONG_NORWEGIAN = "Blåbærsyltetøy på Ærø og Øyer, " * 6


@pytest.mark.parametrize("kind", BUILDERS)
def test_lines_end_in_crlf_and_fold_at_75_octets_between_characters(kind):
    event = make_event(
        summary="Intervju " + "æøå" * 40,
        location=LONG_NORWEGIAN,
        description="Første linje.\n" + "ÆØÅ€𝄞" * 50,
        attendees=(Participant("informant@sykehus.example", "Ærlige Åsmund Øverli " * 4),),
    )
    data = BUILDERS[kind](event)

    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    lines = physical_lines(data)
    assert any(line.startswith(b" ") for line in lines), "nothing was long enough to fold"
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold inside a multi-byte character would not decode
    for result in parse_with_all(data):
        parsed = only_event(result)
        assert parsed["summary"] == event.summary, result["parser"]
        assert parsed["location"] == event.location.strip(), result["parser"]
        assert parsed["description"] == event.description, result["parser"]


@pytest.mark.parametrize("kind", BUILDERS)
@pytest.mark.parametrize("escape", ["\\", ";", ",", "\n"])
def test_a_fold_never_cuts_an_escape_in_two(kind, escape):
    """Wherever the 75-octet limit falls, the backslash of an escape stays with what it escapes:
    some clients read a backslash at the end of a piece as a literal one."""
    for offset in range(60, 75):
        text = "ø" * 3 + "x" * offset + escape + "Ærø" * 30
        data = BUILDERS[kind](make_event(summary=" ".join(text.split()) or "x",
                                         description=text, location=text))
        for line in physical_lines(data):
            assert len(line) <= 75 and not line.endswith(b"\\"), line
            line.decode("utf-8")
        for parse in (parse_with_ical, parse_with_vobject):
            parsed = only_event(parse(data))
            assert parsed["description"] == text.strip()


@given(text=st.text(max_size=300))
@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
def test_any_text_survives_folding_and_escaping(text):
    """Any Unicode text: CRLF only, short lines that decode, and the in-process parsers read
    back what strip_control_characters kept (in multi-line text) or the same on one line."""
    event = make_event(summary=text or "x", location=text, description=text)
    data = build_request(event, ORGANIZER, stamp=STAMP)

    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    for line in physical_lines(data):
        assert len(line) <= 75
        line.decode("utf-8")
    kept = strip_control_characters(text).strip()
    one_line = " ".join(kept.split())
    for parse in (parse_with_ical, parse_with_vobject):
        parsed = only_event(parse(data))
        assert parsed["description"] == (kept or None)
        assert parsed["location"] == (one_line or None)
        assert parsed["attendees"] == [INFORMANT.email, INTERVIEWER.email]


def test_commas_semicolons_backslashes_and_newlines_are_escaped():
    tricky = r"Rom 3; bygg 2, C:\Notes\n og \N"
    data = build_request(
        make_event(summary=tricky, location=tricky, description=tricky + "\nandre linje"),
        ORGANIZER, stamp=STAMP)

    escaped = r"Rom 3\; bygg 2\, C:\\Notes\\n og \\N"
    assert properties(data, "SUMMARY") == [f"SUMMARY:{escaped}"]
    assert properties(data, "LOCATION") == [f"LOCATION:{escaped}"]
    assert properties(data, "DESCRIPTION") == [rf"DESCRIPTION:{escaped}\nandre linje"]
    for result in parse_with_all(data):
        parsed = only_event(result)
        assert parsed["summary"] == tricky, result["parser"]
        assert parsed["location"] == tricky, result["parser"]
        assert parsed["description"] == tricky + "\nandre linje", result["parser"]


INJECTIONS = {
    "crlf attendee": "x\r\nATTENDEE:mailto:x@y",
    "lf attendee": "x\nATTENDEE:mailto:x@y",
    "end event": "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil",
    "bare end event": "END:VEVENT",
    "lone cr": "x\rATTENDEE:mailto:x@y",
    "line separator": "x\u2028ATTENDEE:mailto:x@y",
    "next line": "x\u0085ATTENDEE:mailto:x@y",
    "paragraph separator": "x\u2029END:VCALENDAR",
    "nul": "x\x00ATTENDEE:mailto:x@y",
    "quote": 'Kari "K" Nordmann";RSVP=FALSE:mailto:x@y',
    "param breakout": 'x:mailto:x@y\r\nATTENDEE;CN="y',
}


@pytest.mark.parametrize("payload", INJECTIONS.values(), ids=INJECTIONS.keys())
@pytest.mark.parametrize("kind", ["request", "cancel", "feed"])
def test_text_cannot_add_attendees_or_events(kind, payload):
    event = make_event(
        summary=payload, location=payload, description=payload,
        attendees=(Participant(INFORMANT.email, payload), INTERVIEWER),
    )
    data = BUILDERS[kind](event)

    assert unfolded(data).count("BEGIN:VEVENT") == 1
    assert unfolded(data).count("END:VEVENT") == 1
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2\x85|\xe2\x80[\xa8\xa9]", data)
    expected = [INFORMANT.email, INTERVIEWER.email] if HAS_ATTENDEES[kind] else []
    for result in parse_with_all(data):
        parsed = only_event(result)
        assert parsed["uid"] == event.uid, result["parser"]
        assert parsed["attendees"] == expected, result["parser"]
        assert result["errors"] == [], result["parser"]
        if HAS_ATTENDEES[kind]:
            params = parsed["attendee_params"][0]
            assert params["RSVP"] == "TRUE", result["parser"]
            assert '"' not in params["CN"] and "\n" not in params["CN"], result["parser"]


def test_quotes_are_removed_from_common_names():
    data = build_request(make_event(attendees=(Participant("a@b.example", 'Kari "K" Nordmann'),)),
                         ORGANIZER, stamp=STAMP)

    for result in parse_with_all(data):
        assert only_event(result)["attendee_params"][0]["CN"] == "Kari K Nordmann"


@pytest.mark.parametrize("text,expected", [
    ("a\r\nb", "a\nb"),
    ("a\rb", "a\nb"),
    ("a\u2028b\u2029c\u0085d", "a\nb\nc\nd"),
    ("a\x00b\x07c\x0bd\x1fe\x7ff", "abcdef"),
    ("tab\tand\nline", "tab\tand\nline"),
    ("æøå ÆØÅ", "æøå ÆØÅ"),
])
def test_strip_control_characters(text, expected):
    assert strip_control_characters(text) == expected


# --- Time zones (items 10 and 11) -------------------------------------------------------------


@pytest.mark.parametrize("day,utc_start", [
    (datetime(2026, 3, 29, 9, 0), "20260329T070000Z"),   # summer time began at 02:00 that night
    (datetime(2026, 10, 25, 9, 0), "20261025T080000Z"),  # and ended at 03:00 that night
])
def test_nine_oclock_in_oslo_on_the_days_the_clocks_change(day, utc_start):
    starts_at = local_to_utc(day, "Europe/Oslo")
    data = build_request(make_event(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)),
                         ORGANIZER, stamp=STAMP)

    assert b"VTIMEZONE" not in data and b"TZID" not in data
    for name in ("DTSTART", "DTEND", "DTSTAMP"):
        [line] = properties(data, name)
        assert re.fullmatch(rf"{name}:\d{{8}}T\d{{6}}Z", line), line
    for result in parse_with_all(data):
        assert only_event(result)["start"] == utc_start, result["parser"]
        assert result["timezones"] == 0, result["parser"]


def test_a_time_the_spring_change_skips_is_refused():
    with pytest.raises(ValueError, match="does not exist"):
        local_to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Oslo")


def test_a_time_the_autumn_change_repeats_is_its_first_occurrence():
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), OSLO) == datetime(2026, 10, 25, 0, 30,
                                                                         tzinfo=UTC)


def test_times_given_in_any_zone_are_written_in_utc():
    data = build_request(
        make_event(starts_at=datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("America/New_York")),
                   ends_at=datetime(2026, 6, 1, 17, tzinfo=UTC)),
        ORGANIZER, stamp=STAMP)

    assert properties(data, "DTSTART") == ["DTSTART:20260601T160000Z"]
    assert properties(data, "DTEND") == ["DTEND:20260601T170000Z"]


# --- Feeds (item 14) ---------------------------------------------------------------------------


def test_a_feed_names_itself_asks_for_hourly_refresh_and_lists_no_people():
    kept = make_event(uid="a" * 32 + "@fieldwork.example", summary="Intervju FW-017")
    cancelled = make_event(uid="b" * 32 + "@fieldwork.example", summary="Intervju FW-018",
                           sequence=4, cancelled=True)
    data = build_feed([kept, cancelled], name="Intervjuer, Fieldwork", stamp=STAMP)

    lines = unfolded(data)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert not properties(data, "METHOD")
    for word in (b"ATTENDEE", b"ORGANIZER", b"mailto:", b"@sykehus"):
        assert word not in data
    for result in parse_with_all(data):
        who = result["parser"]
        assert result["method"] is None, who
        # libical 3.0 would show an escaped comma in NAME as "\,": the label has none.
        assert result["properties"] == {
            "NAME": "Intervjuer Fieldwork", "X-WR-CALNAME": "Intervjuer Fieldwork",
            "REFRESH-INTERVAL": "PT1H", "X-PUBLISHED-TTL": "PT1H"}, who
        events = {e["uid"]: e for e in result["events"]}
        assert events[kept.uid]["status"] == "CONFIRMED", who
        assert events[cancelled.uid]["status"] == "CANCELLED", who
        assert events[cancelled.uid]["sequence"] == 4, who
        assert all(not e["attendees"] and e["organizer"] is None for e in events.values()), who


def test_an_empty_feed_is_still_a_calendar_every_parser_reads():
    for result in parse_with_all(build_feed([], name="Mine intervjuer", stamp=STAMP)):
        assert result["calendars"] == 1 and result["events"] == [], result["parser"]
        assert result["properties"]["NAME"] == "Mine intervjuer", result["parser"]


# --- Refused input -----------------------------------------------------------------------------

SECRET = "kari.nordmann"


@pytest.mark.parametrize("email", [
    f"{SECRET}@x.example\r\nATTENDEE:mailto:evil@x.example",
    f"{SECRET}@x.example\n",
    f"{SECRET}@x.example\r",
    f'"{SECRET}"@x.example',
    f"{SECRET} @x.example",
    f"Kari <{SECRET}@x.example>",
    f"mailto:{SECRET}@x.example",
    f"{SECRET}",
    f"{SECRET}@",
    "",
])
@pytest.mark.parametrize("role", ["attendee", "organizer"])
def test_an_address_that_is_not_bare_is_refused_without_naming_it(email, role):
    attendee = Participant(email, "Kari Nordmann")
    event = make_event(attendees=(attendee,) if role == "attendee" else ())
    organizer = attendee if role == "organizer" else ORGANIZER

    with pytest.raises(ValueError) as refused:
        build_request(event, organizer, stamp=STAMP)
    assert SECRET not in str(refused.value) and "Kari" not in str(refused.value)


@pytest.mark.parametrize("changes", [
    {"starts_at": datetime(2026, 4, 14, 10, 0)},
    {"ends_at": datetime(2026, 4, 14, 11, 0)},
    {"ends_at": datetime(2026, 4, 14, 10, 0, tzinfo=OSLO)},
    {"ends_at": datetime(2026, 4, 14, 9, 0, tzinfo=OSLO)},
    {"sequence": -1},
    {"uid": ""},
    {"uid": "abc\r\nATTENDEE:mailto:x@y"},
], ids=["naive start", "naive end", "zero length", "ends before start", "negative sequence",
        "empty uid", "uid with crlf"])
@pytest.mark.parametrize("kind", BUILDERS)
def test_impossible_events_are_refused(kind, changes):
    with pytest.raises(ValueError):
        BUILDERS[kind](make_event(**changes))


def test_a_stamp_without_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        build_request(make_event(), ORGANIZER, stamp=datetime(2026, 3, 20, 12, 0))


@pytest.mark.parametrize("url,kept", [
    ("https://meet.example/abc?pwd=x", True),
    ("http://meet.example/abc", True),
    ("javascript:alert(1)", False),
    ("ftp://files.example/a", False),
    ("https://meet.example/a\r\nATTENDEE:mailto:x@y", False),
    ('https://meet.example/"a', False),
    ("https://", False),
    ("meet.example/abc", False),
])
def test_only_http_links_become_the_url_property(url, kept):
    data = build_request(make_event(url=url), ORGANIZER, stamp=STAMP)

    assert properties(data, "URL") == ([f"URL:{url}"] if kept else [])
    assert len(properties(data, "ATTENDEE")) == 2


def test_new_uids_are_random_and_hold_nothing_but_the_domain():
    uids = {new_uid("fieldwork.example") for _ in range(1000)}

    assert len(uids) == 1000
    for uid in uids:
        assert re.fullmatch(r"[0-9a-f]{32}@fieldwork\.example", uid)  # 128 random bits
    with pytest.raises(ValueError):
        new_uid("bad domain\r\n")


# --- Golden files ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,name", [("request", "request.ics"), ("cancel", "cancel.ics"),
                                       ("feed", "feed.ics")])
def test_golden_files(kind, name):
    """The exact bytes, so that any change in what clients receive is a visible diff. Refresh
    with FIELDWORK_UPDATE_GOLDEN=1 after checking the new file by hand."""
    data = BUILDERS[kind](make_event(sequence={"request": 1, "cancel": 2, "feed": 1}[kind]))
    path = GOLDEN / name
    if os.environ.get("FIELDWORK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes()


# --- The harness itself can tell a bad file ----------------------------------------------------

REQUEST_WITHOUT_ORGANIZER = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "UID:x@y\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T100000Z\r\n"
    "DTEND:20260101T110000Z\r\nSUMMARY:x\r\nATTENDEE:mailto:a@b.example\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()


def test_libical_reports_a_request_that_breaks_itip_rules():
    errors = parse_with_libical(REQUEST_WITHOUT_ORGANIZER)["errors"]

    assert any("ORGANIZER" in error for error in errors), errors


def test_floating_times_are_reported_as_not_utc_by_every_parser():
    data = REQUEST_WITHOUT_ORGANIZER.replace(b"00Z\r\nDTEND", b"00\r\nDTEND").replace(
        b"00Z\r\nSUMMARY", b"00\r\nSUMMARY")
    for result in parse_with_all(data):
        assert only_event(result)["start"].startswith("not UTC"), result["parser"]
