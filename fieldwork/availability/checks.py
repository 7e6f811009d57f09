"""Availability as the scheduling form sees it: working hours, dates away and busy times from
the interviewers' own calendars are warnings, not refusals. The coordinator may know better (a
researcher who agreed to an evening interview), so the form says what is wrong and schedules
anyway once a reason is given; the reason goes to the audit log with the interview."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..timeutil import format_local, study_zone
from .finder import clashes, inside_working_hours, is_away, load_availability

# "does not work then (Tuesdays 09:00–12:00)": every such weekday, as the messages name them.
WEEKDAYS_PLURAL = (_l("Mondays"), _l("Tuesdays"), _l("Wednesdays"), _l("Thursdays"),
                   _l("Fridays"), _l("Saturdays"), _l("Sundays"))


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
            conflicts.append(Conflict(user.id, "hours",
                                      _outside_hours(user.name, availability.hours, starts_at,
                                                     zone)))
        if is_away(starts_at, ends_at, availability.away, zone):
            conflicts.append(Conflict(user.id, "away",
                                      _("%(name)s is away that day.", name=user.name)))
        busy = [(b, e) for b, e in availability.busy if clashes(starts_at, ends_at, b, e, margin)]
        if busy:
            b, e = busy[0]
            if margin:
                message = _("%(name)s's own calendar shows them busy %(start)s–%(end)s, and "
                            "in-person interviews keep %(minutes)s minutes free around them for "
                            "travel.", name=user.name, start=format_local(b),
                            end=format_local(e, "%H:%M"),
                            minutes=int(buffer.total_seconds() // 60))
            else:
                message = _("%(name)s's own calendar shows them busy %(start)s–%(end)s.",
                            name=user.name, start=format_local(b), end=format_local(e, "%H:%M"))
            conflicts.append(Conflict(user.id, "busy", message))
    return conflicts


def _outside_hours(name, hours, starts_at, zone):
    """"Rolf does not work then (Tuesdays 09:00–12:00).", or that he has none that day."""
    weekday = starts_at.astimezone(zone).weekday()
    ranges = hours.get(weekday, ())
    if not ranges:
        return _("%(name)s does not work then (no working hours on %(weekdays)s).", name=name,
                 weekdays=WEEKDAYS_PLURAL[weekday])
    return _("%(name)s does not work then (%(weekdays)s %(hours)s).", name=name,
             weekdays=WEEKDAYS_PLURAL[weekday],
             hours=", ".join(f"{b:%H:%M}–{e:%H:%M}" for b, e in ranges))
