"""Times are stored in UTC and shown in the study's time zone (Europe/Oslo unless configured)."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from .errors import DomainError


def study_zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value):
    return value.astimezone(study_zone()) if value is not None else None


def format_local(value, fmt="%d.%m.%Y %H:%M"):
    return to_local(value).strftime(fmt) if value is not None else ""


def format_local_date(value):
    return format_local(value, "%d.%m.%Y")



def local_to_utc(day, time_of_day):
    """The UTC instant of a wall-clock time in the study zone. A time that a daylight-saving
    change skips, or shows twice, is refused: guessing would put the interview an hour off."""
    zone = study_zone()
    naive = datetime.combine(day, time_of_day.replace(tzinfo=None))
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    when = f"{naive:%H:%M} on {naive:%d.%m.%Y}"
    if first.utcoffset() != second.utcoffset():
        # zoneinfo gives the two offsets around a change for a time that repeats or is skipped.
        if first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != naive:
            raise DomainError(
                f"{when} does not exist in {zone.key}: the clocks skip that hour for daylight "
                "saving time. Choose another time.", "start_time")
        raise DomainError(
            f"{when} happens twice in {zone.key}, because the clocks go back an hour for the end "
            "of daylight saving time. Choose a time outside that hour.", "start_time")
    try:
        return first.astimezone(timezone.utc)
    except OverflowError:  # the first or last day a datetime can hold
        raise DomainError(f"{naive:%d.%m.%Y} is outside the dates the app can handle.",
                          "start_time") from None


def where_on_local_days(column, first=None, last=None):
    """Conditions keeping `column` (a UTC instant) within local days `first` to `last`
    inclusive; either may be None. A local day is 23 or 25 hours long on daylight-saving days."""
    conditions = []
    if first:
        conditions.append(column >= local_to_utc(first, time(0)))
    if last:
        conditions.append(column < local_to_utc(last + timedelta(days=1), time(0)))
    return conditions
