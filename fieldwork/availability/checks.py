"""Availability as the scheduling form sees it: working hours, dates away and busy times from
the interviewers' own calendars are warnings, not refusals. The coordinator may know better (a
researcher who agreed to an evening interview), so the form says what is wrong and schedules
anyway once a reason is given; the reason goes to the audit log with the interview."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from ..timeutil import format_local, study_zone
from .finder import clashes, inside_working_hours, is_away, load_availability

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Conflict:
    user_id: int
    kind: str  # "hours", "away" or "busy"
    message: str

    def audit_entry(self):
        return {"user_id": self.user_id, "kind": self.kind}


def availability_conflicts(interviewers, starts_at, ends_at, *, in_person):
    """What speaks against these interviewers taking [starts_at, ends_at). An interviewer who
    has entered no working hours is not held to any."""
    zone = study_zone()
    buffer = timedelta(minutes=current_app.config["INTERVIEW_TRAVEL_BUFFER_MINUTES"])
    margin = buffer if in_person else timedelta(0)
    found = load_availability([u.id for u in interviewers], since=starts_at - margin - buffer,
                              until=ends_at + margin + buffer)
    conflicts = []
    for user in interviewers:
        availability = found[user.id]
        if any(availability.hours.values()) and not inside_working_hours(
                starts_at, ends_at, availability.hours, zone):
            conflicts.append(Conflict(user.id, "hours", f"{user.name} does not work then "
                                      f"({_hours_of_day(availability.hours, starts_at, zone)})."))
        if is_away(starts_at, ends_at, availability.away, zone):
            conflicts.append(Conflict(user.id, "away", f"{user.name} is away that day."))
        busy = [(b, e) for b, e in availability.busy if clashes(starts_at, ends_at, b, e, margin)]
        if busy:
            b, e = busy[0]
            why = (f", and in-person interviews keep {int(buffer.total_seconds() // 60)} minutes "
                   "free around them for travel") if margin else ""
            conflicts.append(Conflict(user.id, "busy", f"{user.name}'s own calendar shows them "
                                      f"busy {format_local(b)}–{format_local(e, '%H:%M')}{why}."))
    return conflicts


def _hours_of_day(hours, starts_at, zone):
    weekday = starts_at.astimezone(zone).weekday()
    ranges = hours.get(weekday, ())
    if not ranges:
        return f"no working hours on {WEEKDAYS[weekday]}s"
    return f"{WEEKDAYS[weekday]}s " + ", ".join(
        f"{b:%H:%M}–{e:%H:%M}" for b, e in ranges)
