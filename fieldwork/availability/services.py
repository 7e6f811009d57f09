"""Changing an interviewer's availability, and searching free times for the finder page.

Each public change commits once with its audit event. The audit log says what changed in working
hours and dates away, and of a calendar only its kind and host: never its address."""

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from itertools import groupby, pairwise
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import audit
from ..auth.models import User
from ..database import lock_rows, utcnow
from ..errors import DomainError
from ..extensions import db
from ..interviews.models import InterviewMode
from ..interviews.planning import load_interviewers, parse_duration, parse_ids, MIN_DURATION
from ..informants.models import Informant
from ..timeutil import study_zone
from ..validation import clean_text
from . import busy
from .finder import MAX_DAYS, free_times
from .models import BusyCalendar, BusyPeriod, CalendarKind, DateAway, WorkingHours
from .sealing import seal

WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
GRID_MINUTES = (5, 10, 15, 20, 30, 60)
MAX_NOTICE_HOURS = 30 * 24
_RANGE = re.compile(r"\s*(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})\s*")


def _audit(action, user, *, by, now, before=None, after=None):
    audit.record(action, by=by, entity_type="availability", entity_id=user.id, before=before,
                 after=after, now=now)


# ---------------------------------------------------------------------------------------------
# Working hours

def parse_ranges(text, field_name):
    """"09:00-11:30, 12:00-16:00" as sorted (start, end) times; refuses overlapping ranges."""
    text = clean_text(text, max_length=200, label=_("Working hours"))
    ranges = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        match = _RANGE.fullmatch(part)
        if not match:
            raise DomainError(_("Write the hours as 09:00-11:30, several ranges separated by "
                                "commas."), field_name)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise DomainError(_("Use times from 00:00 to 23:59."), field_name)
        starts, ends = time(h1, m1), time(h2, m2)
        if ends <= starts:
            raise DomainError(_("Each range must end after it starts (ranges cannot run past "
                                "midnight)."), field_name)
        ranges.append((starts, ends))
    ranges.sort()
    for (_start, first_end), (second_start, _end) in pairwise(ranges):
        if second_start < first_end:
            raise DomainError(_("The ranges overlap; join them into one."), field_name)
    return ranges


def format_ranges(ranges):
    return ", ".join(f"{b:%H:%M}-{e:%H:%M}" for b, e in ranges)


def week_of(user_id):
    """The interviewer's working hours as {weekday: [(start, end), ...]}."""
    week = {day: [] for day in range(7)}
    for row in db.session.scalars(select(WorkingHours).where(WorkingHours.user_id == user_id)
                                  .order_by(WorkingHours.weekday, WorkingHours.starts)):
        week[row.weekday].append((row.starts, row.ends))
    return week


def _week_snapshot(week):
    return {WEEKDAY_FIELDS[day]: format_ranges(ranges) for day, ranges in week.items()}


def set_working_hours(user, values, *, by, now=None):
    """Replace the interviewer's weekly hours with those in `values` (one text per weekday)."""
    now = now or utcnow()
    week = {day: parse_ranges(values.get(name), name) for day, name in enumerate(WEEKDAY_FIELDS)}
    # Two saves at once must not both delete and then both insert: the second waits.
    lock_rows(User, [user.id])
    before = _week_snapshot(week_of(user.id))
    db.session.execute(delete(WorkingHours).where(WorkingHours.user_id == user.id))
    db.session.add_all(WorkingHours(user_id=user.id, weekday=day, starts=b, ends=e)
                       for day, ranges in week.items() for b, e in ranges)
    if audit.record_update("availability.hours", by=by, entity=_Entity(user.id), before=before,
                           after=_week_snapshot(week), now=now):
        db.session.commit()
    else:
        db.session.rollback()
    return user


@dataclass(frozen=True)
class _Entity:
    id: int
    audit_type: str = "availability"


# ---------------------------------------------------------------------------------------------
# Dates away

def dates_away(user_id, *, today):
    """Absences not yet over, soonest first."""
    return db.session.scalars(select(DateAway).where(DateAway.user_id == user_id,
                                                     DateAway.last_day >= today)
                              .order_by(DateAway.first_day, DateAway.id)).all()


def add_date_away(user, values, *, by, now=None):
    now = now or utcnow()
    first, last = values.get("first_day"), values.get("last_day") or values.get("first_day")
    if not isinstance(first, date):
        raise DomainError(_("Enter the first day away."), "first_day")
    if last < first:
        raise DomainError(_("The last day cannot be before the first."), "last_day")
    if (last - first).days > 366:
        raise DomainError(_("Enter at most a year at a time."), "last_day")
    away = DateAway(user_id=user.id, first_day=first, last_day=last)
    db.session.add(away)
    db.session.flush()
    _audit("availability.away_add", user, by=by, now=now,
           after={"id": away.id, "first_day": first.isoformat(), "last_day": last.isoformat()})
    db.session.commit()
    return away


def remove_date_away(away, *, by, now=None):
    now = now or utcnow()
    _audit("availability.away_remove", _Entity(away.user_id), by=by, now=now,
           before={"id": away.id, "first_day": away.first_day.isoformat(),
                   "last_day": away.last_day.isoformat()})
    db.session.delete(away)
    db.session.commit()


# ---------------------------------------------------------------------------------------------
# The interviewer's own calendar

def calendar_of(user_id):
    return db.session.scalar(select(BusyCalendar).where(BusyCalendar.user_id == user_id))


def set_busy_calendar(user, values, *, by, now=None):
    """Read busy times from this calendar from now on (replacing any other). The address is
    checked for form only; the first read (by the scheduler, or "Read now") tells whether it
    works."""
    now = now or utcnow()
    try:
        kind = CalendarKind(values.get("kind"))
    except ValueError:
        raise DomainError(_("Choose the kind of calendar."), "kind") from None
    # Not clean_text's message: it would be fine, but the address must never be echoed, and
    # a calendar address has no business holding spaces or control characters at all.
    url = busy.normalise_address(values.get("url") or "")
    parts = urlsplit(url)
    if (not url or len(url) > 2000 or parts.scheme not in ("http", "https")
            or not parts.hostname or re.search(r"[\s\x00-\x1f\x7f]", url)):
        raise DomainError(_("Enter the calendar's address, starting with https:// (or "
                            "webcal://)."), "url")
    username = clean_text(values.get("username"), max_length=200, label=_("User name"))
    password = values.get("password") or ""
    if len(password) > 500 or re.search(r"[\x00-\x1f\x7f]", password):
        raise DomainError(_("The password cannot be used."), "password")
    if kind is CalendarKind.ICAL and (username or password):
        raise DomainError(_("An iCalendar address needs no login: leave these empty."),
                          "username")
    lock_rows(User, [user.id])  # one calendar per interviewer, however many save at once
    calendar = calendar_of(user.id)
    before = _calendar_snapshot(calendar)
    if calendar is None:
        calendar = BusyCalendar(user_id=user.id, created_at=now)
        db.session.add(calendar)
    elif not password and kind is CalendarKind.CALDAV and calendar.kind is kind:
        password = None  # left empty: keep the saved one
    calendar.kind, calendar.sealed_url = kind, seal(url)
    calendar.username = username
    if password is not None:
        calendar.sealed_password = seal(password)
    calendar.address_hint = busy.address_hint(url)
    calendar.etag = calendar.last_modified = calendar.checked_at = calendar.read_at = None
    calendar.error = ""
    # Busy times of the calendar replaced are no longer the interviewer's.
    db.session.execute(delete(BusyPeriod).where(BusyPeriod.user_id == user.id))
    db.session.flush()
    _audit("availability.calendar_set", user, by=by, now=now, before=before,
           after=_calendar_snapshot(calendar))
    db.session.commit()
    return calendar


def _calendar_snapshot(calendar):
    if calendar is None:
        return None
    return {"kind": calendar.kind.value, "host": calendar.address_hint,
            "has_login": bool(calendar.username)}


def remove_busy_calendar(user, *, by, now=None):
    now = now or utcnow()
    lock_rows(User, [user.id])
    calendar = calendar_of(user.id)
    if calendar is None:
        return
    _audit("availability.calendar_remove", user, by=by, now=now,
           before=_calendar_snapshot(calendar))
    db.session.execute(delete(BusyPeriod).where(BusyPeriod.user_id == user.id))
    db.session.delete(calendar)
    db.session.commit()


def read_calendar_now(user, *, now=None):
    """Read the interviewer's calendar at once instead of waiting for the scheduler."""
    calendar = calendar_of(user.id) or _no_calendar()
    return busy.refresh_calendar(calendar.id, now=now or utcnow())


def _no_calendar():
    raise DomainError(_("There is no calendar to read."))


def busy_count(user_id, *, now):
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(BusyPeriod).where(
        BusyPeriod.user_id == user_id, BusyPeriod.ends_at > now))


# ---------------------------------------------------------------------------------------------
# Finding times

@dataclass(frozen=True)
class Search:
    informants: tuple
    interviewers: tuple
    need_all: bool
    duration: int  # minutes
    mode: InterviewMode
    days: list  # (local date, [FreeTime, ...]) for each day with free times
    without_hours: tuple  # interviewers who have entered no working hours

    @property
    def count(self):
        return sum(len(times) for _day, times in self.days)


def find_times(values, *, now):
    """The finder form's input checked and searched, or a DomainError naming the field."""
    informant_ids = parse_ids(values, "informant")
    interviewer_ids = parse_ids(values, "interviewer")
    informants = db.session.scalars(select(Informant).where(Informant.id.in_(informant_ids))
                                    .order_by(Informant.code)).all() if informant_ids else []
    if not informants or len(informants) != len(informant_ids):
        raise DomainError(_("Choose at least one informant."), "informant")
    interviewers = load_interviewers(interviewer_ids, "interviewer",
                                     missing=_("Choose at least one interviewer."))
    need = values.get("need")
    if need not in ("all", "any"):
        raise DomainError(_("Choose whether all the interviewers or any one of them must be "
                            "free."), "need")
    duration = parse_duration(values.get("duration"), "duration", minimum=MIN_DURATION)
    try:
        mode = InterviewMode(values.get("mode"))
    except ValueError:
        raise DomainError(_("Choose how the interview takes place."), "mode") from None
    first_day, last_day = values.get("first_day"), values.get("last_day")
    if not isinstance(first_day, date) or not isinstance(last_day, date):
        raise DomainError(_("Enter the first and last day to search."), "first_day")
    if last_day < first_day:
        raise DomainError(_("The last day cannot be before the first."), "last_day")
    if (last_day - first_day).days >= MAX_DAYS:
        raise DomainError(_("Search at most %(count)s days at a time.", count=MAX_DAYS),
                          "last_day")
    try:
        grid = int(values.get("grid"))
    except (TypeError, ValueError):
        grid = None
    if grid not in GRID_MINUTES:
        raise DomainError(_("Choose how far apart the start times are."), "grid")
    notice = values.get("notice")
    if not isinstance(notice, int) or not 0 <= notice <= MAX_NOTICE_HOURS:
        raise DomainError(_("Enter the notice in whole hours, from 0 to %(maximum)s.",
                            maximum=MAX_NOTICE_HOURS), "notice")
    found = free_times(informant_ids=informant_ids, interviewer_ids=interviewer_ids,
                       need_all=need == "all", duration=timedelta(minutes=duration), mode=mode,
                       first_day=first_day, last_day=last_day, grid_minutes=grid,
                       min_notice=timedelta(hours=notice), now=now)
    zone = study_zone()
    days = [(day, list(times)) for day, times in
            groupby(found, key=lambda t: t.starts_at.astimezone(zone).date())]
    with_hours = set(db.session.scalars(select(WorkingHours.user_id).where(
        WorkingHours.user_id.in_(interviewer_ids))))
    return Search(tuple(informants), interviewers, need == "all", duration, mode, days,
                  tuple(u for u in interviewers if u.id not in with_hours))
