"""Finding free times: when can these interviewers (all of them, or any one of a group) meet
these informants?

`find_free_times` is the rule itself, a pure function of plain values so that tests can try it
on any week (tests/availability/test_finder.py, with Hypothesis); `free_times` reads those
values from the database for it. The scheduling checks (fieldwork.availability.checks) use the
same helpers, so a time the finder offers is never one the scheduling form warns about.

Working hours are wall-clock times in the study's zone. A time is inside them when its start and
end fall in one range on the same local day and no daylight-saving change lies between the two:
the finder never offers a time the clocks jump across (at night, two nights a year), so a
"09:00–10:00" slot always lasts the hour it says. Start times are on a grid of wall-clock minutes
from local midnight (every 30 minutes: 09:00, 09:30 ...), whatever the offset that day; a time
that does not exist or happens twice in the zone is skipped, as the scheduling form refuses it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..interviews.models import (MAX_DURATION, OPEN_STATUSES, Interview, InterviewMode,
                                 interview_informant, interview_interviewer)
from ..timeutil import study_zone
from .models import BusyPeriod, DateAway, WorkingHours

MAX_DAYS = 62  # the longest date range searched at once


@dataclass(frozen=True)
class FreeTime:
    starts_at: datetime  # UTC
    ends_at: datetime
    interviewer_ids: tuple  # the interviewers free then (all of them when all are needed)


@dataclass(frozen=True)
class Booked:
    """An open interview as the finder sees it."""

    starts_at: datetime
    ends_at: datetime
    is_in_person: bool
    interviewer_ids: frozenset = frozenset()
    informant_ids: frozenset = frozenset()


@dataclass
class Availability:
    """One interviewer's week and exceptions: `hours` maps a weekday (0 Monday) to
    (start, end) wall-clock times; `away` holds (first, last) days; `busy` (start, end) UTC
    periods from their own calendar."""

    hours: dict = field(default_factory=dict)
    away: list = field(default_factory=list)
    busy: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# The rule

def inside_working_hours(starts_at, ends_at, hours, zone):
    """Whether [starts_at, ends_at) lies in one of the day's ranges (see the module's note)."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.utcoffset() != end.utcoffset() or start.date() != end.date():
        return False
    return any(begin <= start.time() and end.time() <= finish
               for begin, finish in hours.get(start.weekday(), ()))


def is_away(starts_at, ends_at, away, zone):
    first_day = starts_at.astimezone(zone).date()
    last_day = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    return any(first <= last_day and first_day <= last for first, last in away)


def clashes(starts_at, ends_at, begins, finishes, margin=timedelta(0)):
    """Whether [starts_at, ends_at) overlaps [begins, finishes) widened by `margin` each side."""
    return begins < ends_at + margin and finishes > starts_at - margin


def travel_margin(is_in_person, other_in_person, buffer):
    """In-person interviews keep the travel buffer free around them, against anything."""
    return buffer if (is_in_person or other_in_person) else timedelta(0)


def grid_starts(day, grid_minutes, zone):
    """The UTC instants of the grid's wall-clock times on a local day, leaving out times that
    do not exist or happen twice there."""
    starts = []
    for minute in range(0, 24 * 60, grid_minutes):
        wall = datetime.combine(day, time(minute // 60, minute % 60))
        first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
        if first.utcoffset() != second.utcoffset():
            continue  # happens twice (autumn) or is skipped (spring)
        starts.append(first.astimezone(timezone.utc))
    return starts


def is_free(starts_at, ends_at, availability, bookings, *, in_person, buffer, zone):
    """Whether an interviewer with this `availability` and these open interviews (`bookings`,
    each a Booked) can take [starts_at, ends_at)."""
    if not inside_working_hours(starts_at, ends_at, availability.hours, zone):
        return False
    if is_away(starts_at, ends_at, availability.away, zone):
        return False
    busy_margin = buffer if in_person else timedelta(0)
    if any(clashes(starts_at, ends_at, b, e, busy_margin) for b, e in availability.busy):
        return False
    return not any(clashes(starts_at, ends_at, other.starts_at, other.ends_at,
                           travel_margin(in_person, other.is_in_person, buffer))
                   for other in bookings)


def find_free_times(*, interviewers, informant_ids, bookings, need_all, duration, in_person,
                    first_day, last_day, grid_minutes, earliest, buffer, zone):
    """Free times from `first_day` to `last_day` (local days, both included).

    `interviewers` maps interviewer ids to their Availability; `bookings` are the open
    interviews of any of them or of the informants (`informant_ids`). With `need_all` a time
    is free when every interviewer is; otherwise when at least one is, and the FreeTime names
    those who are. No time starts before `earliest`."""
    ids = sorted(interviewers)
    by_interviewer, informant_bookings = defaultdict(list), []
    informant_ids = set(informant_ids)
    for booking in bookings:
        for user_id in booking.interviewer_ids:
            by_interviewer[user_id].append(booking)
        if booking.informant_ids & informant_ids:
            informant_bookings.append(booking)
    found = []
    day = first_day
    while day <= last_day:
        # Only what touches this day can clash with a time on it: each time is checked against
        # a few periods, not the whole range's (62 days of a busy diary are thousands).
        since = datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc) - buffer
        until = (datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                 .astimezone(timezone.utc) + duration + buffer)
        near = [b for b in informant_bookings if b.starts_at < until and b.ends_at > since]
        today = {user_id: (Availability(interviewers[user_id].hours, interviewers[user_id].away,
                                        [(b, e) for b, e in interviewers[user_id].busy
                                         if b < until and e > since]),
                           [b for b in by_interviewer[user_id]
                            if b.starts_at < until and b.ends_at > since])
                 for user_id in ids}
        for starts_at in grid_starts(day, grid_minutes, zone):
            ends_at = starts_at + duration
            if starts_at < earliest:
                continue
            if any(clashes(starts_at, ends_at, other.starts_at, other.ends_at,
                           travel_margin(in_person, other.is_in_person, buffer))
                   for other in near):
                continue
            free = tuple(user_id for user_id in ids
                         if is_free(starts_at, ends_at, *today[user_id], in_person=in_person,
                                    buffer=buffer, zone=zone))
            if free and (not need_all or len(free) == len(ids)):
                found.append(FreeTime(starts_at, ends_at, free))
        day += timedelta(days=1)
    return found


# ---------------------------------------------------------------------------------------------
# From the database

def load_availability(user_ids, *, since, until):
    """Each interviewer's Availability, with busy periods and absences touching [since, until)."""
    zone = study_zone()
    found = {user_id: Availability(hours=defaultdict(list)) for user_id in user_ids}
    for row in db.session.scalars(select(WorkingHours).where(WorkingHours.user_id.in_(user_ids))
                                  .order_by(WorkingHours.weekday, WorkingHours.starts)):
        found[row.user_id].hours[row.weekday].append((row.starts, row.ends))
    first_day, last_day = since.astimezone(zone).date(), until.astimezone(zone).date()
    for row in db.session.scalars(select(DateAway).where(
            DateAway.user_id.in_(user_ids), DateAway.last_day >= first_day,
            DateAway.first_day <= last_day)):
        found[row.user_id].away.append((row.first_day, row.last_day))
    for row in db.session.scalars(select(BusyPeriod).where(
            BusyPeriod.user_id.in_(user_ids), BusyPeriod.starts_at < until,
            BusyPeriod.ends_at > since).order_by(BusyPeriod.starts_at)):
        found[row.user_id].busy.append((row.starts_at, row.ends_at))
    return found


def load_bookings(*, interviewer_ids, informant_ids, since, until, exclude_id=None):
    """The open interviews of these people touching [since, until), as Booked values."""
    rows = db.session.scalars(
        select(Interview)
        .where(Interview.status.in_(OPEN_STATUSES), Interview.starts_at < until,
               Interview.ends_at > since, Interview.id != (exclude_id or 0),
               # Bounds the index walk on starts_at: see MAX_DURATION.
               Interview.starts_at > since - timedelta(minutes=MAX_DURATION),
               or_(exists().where(interview_informant.c.interview_id == Interview.id,
                                  interview_informant.c.informant_id.in_(informant_ids)),
                   exists().where(interview_interviewer.c.interview_id == Interview.id,
                                  interview_interviewer.c.user_id.in_(interviewer_ids))))
        .options(selectinload(Interview.informants), selectinload(Interview.interviewers))
        .order_by(Interview.starts_at)).all()
    return [Booked(row.starts_at, row.ends_at, row.mode is InterviewMode.IN_PERSON,
                   frozenset(u.id for u in row.interviewers),
                   frozenset(i.id for i in row.informants)) for row in rows]


def free_times(*, informant_ids, interviewer_ids, need_all, duration, mode, first_day, last_day,
               grid_minutes, min_notice, now):
    """The free times for these people (see `find_free_times`), read from the database:
    `duration` and `min_notice` are timedeltas, `mode` an InterviewMode, the days local."""
    zone = study_zone()
    buffer = timedelta(minutes=current_app.config["INTERVIEW_TRAVEL_BUFFER_MINUTES"])
    since = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(timezone.utc) - buffer
    until = (datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
             .astimezone(timezone.utc) + duration + buffer)
    return find_free_times(
        interviewers=load_availability(interviewer_ids, since=since, until=until),
        informant_ids=informant_ids,
        bookings=load_bookings(interviewer_ids=interviewer_ids, informant_ids=informant_ids,
                               since=since, until=until),
        need_all=need_all, duration=duration, in_person=mode is InterviewMode.IN_PERSON,
        first_day=first_day, last_day=last_day, grid_minutes=grid_minutes,
        earliest=now + min_notice, buffer=buffer, zone=zone)



