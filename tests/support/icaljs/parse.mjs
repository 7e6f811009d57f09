// Reads one iCalendar file on stdin and prints what ical.js (Thunderbird's parser) makes of it,
// as JSON, for tests/support/ical_parsers.py. A parse error exits non-zero with the message.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(0, "utf8");
let parsed = ICAL.parse(text);
// Several root components come back as a list of them; one comes back alone.
const roots = Array.isArray(parsed[0]) ? parsed : [parsed];

function time(prop) {
  if (!prop) return null;
  const value = prop.getFirstValue();
  return { utc: value.zone === ICAL.Timezone.utcTimezone, iso: value.toString() };
}

function address(prop) {
  const params = {};
  for (const name of ["cn", "cutype", "role", "partstat", "rsvp"]) {
    const value = prop.getParameter(name);
    if (value !== undefined && value !== null) params[name.toUpperCase()] = String(value);
  }
  return { value: prop.getFirstValue(), params };
}

function textOf(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
}

const calendars = roots.map((jcal) => {
  const calendar = new ICAL.Component(jcal);
  const properties = {};
  for (const prop of calendar.getAllProperties()) {
    properties[prop.name.toUpperCase()] = String(prop.getFirstValue());
  }
  return {
    name: calendar.name.toUpperCase(),
    properties,
    timezones: calendar.getAllSubcomponents("vtimezone").length,
    events: calendar.getAllSubcomponents("vevent").map((vevent) => ({
      uid: textOf(vevent, "uid"),
      sequence: vevent.getFirstPropertyValue("sequence"),
      dtstamp: time(vevent.getFirstProperty("dtstamp")),
      start: time(vevent.getFirstProperty("dtstart")),
      end: time(vevent.getFirstProperty("dtend")),
      summary: textOf(vevent, "summary"),
      location: textOf(vevent, "location"),
      description: textOf(vevent, "description"),
      url: textOf(vevent, "url"),
      status: textOf(vevent, "status"),
      organizer: vevent.getFirstProperty("organizer")
        ? address(vevent.getFirstProperty("organizer"))
        : null,
      attendees: vevent.getAllProperties("attendee").map(address),
    })),
  };
});

process.stdout.write(JSON.stringify({ calendars }));
