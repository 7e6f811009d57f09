"""Times are stored in UTC and shown in the study's time zone (Europe/Oslo unless configured)."""

import functools
import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_datetime
from babel.dates import get_day_names, get_month_names
from flask import current_app
from flask_babel import gettext as _

from .errors import DomainError


def study_zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value):
    return value.astimezone(study_zone()) if value is not None else None


# strftime's names are the C locale's (English); these come from Babel in the page's language.
_NAMED_FIELDS = re.compile(r"%[AaBb]")
# CLDR patterns for a moment written out in full, per language.
LONG_FORMATS = {"nb": "EEEE d. MMMM y 'kl.' HH:mm", "en": "EEEE d MMMM y 'at' HH:mm"}


@functools.cache
def babel_locale(code):
    """Babel's Locale for a language code, parsed once: Babel parses a code given as text again
    on every call, and a page writes hundreds of dates and numbers."""
    return Locale.parse(code)


@functools.cache
def _names(code):
    """{"%A": weekday names, "%a": ..., "%B": month names, "%b": ...} of a language."""
    locale = babel_locale(code)
    return {"%A": [get_day_names("wide", locale=locale)[d] for d in range(7)],
            "%a": [get_day_names("abbreviated", locale=locale)[d].rstrip(".") for d in range(7)],
            "%B": [None] + [get_month_names("wide", locale=locale)[m] for m in range(1, 13)],
            "%b": [None] + [get_month_names("abbreviated", locale=locale)[m].rstrip(".")
                            for m in range(1, 13)]}


def _page_language():
    from .i18n import current_language

    return current_language()


def format_local(value, fmt="%d.%m.%Y %H:%M"):
    """A UTC instant in the study's time zone, or a calendar date, in strftime's `fmt`; weekday
    and month names (%A %a %B %b) are the page language's."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    if _NAMED_FIELDS.search(fmt):
        names = _names(_page_language())
        index = {"%A": value.weekday(), "%a": value.weekday(), "%B": value.month,
                 "%b": value.month}
        fmt = _NAMED_FIELDS.sub(
            lambda match: names[match.group()][index[match.group()]].replace("%", "%%"), fmt)
    return value.strftime(fmt)


def format_local_date(value):
    return format_local(value, "%d.%m.%Y")


def format_long(value):
    """"tirsdag 10. mars 2026 kl. 10:00" / "Tuesday 10 March 2026 at 10:00", in the study's
    time zone and the page's language; a date alone is written without the time."""
    if value is None:
        return ""
    language = _page_language()
    pattern = LONG_FORMATS.get(language, LONG_FORMATS["en"])
    if not isinstance(value, datetime):
        pattern = pattern.split(" '")[0]
        value = datetime.combine(value, time(12))
    else:
        value = to_local(value)
    return babel_datetime(value, pattern, locale=babel_locale(language))


def local_to_utc(day, time_of_day):
    """The UTC instant of a wall-clock time in the study zone. A time that a daylight-saving
    change skips, or shows twice, is refused: guessing would put the interview an hour off."""
    zone = study_zone()
    naive = datetime.combine(day, time_of_day.replace(tzinfo=None))
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    names = {"time": f"{naive:%H:%M}", "day": f"{naive:%d.%m.%Y}", "zone": zone.key}
    if first.utcoffset() != second.utcoffset():
        # zoneinfo gives the two offsets around a change for a time that repeats or is skipped.
        if first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != naive:
            raise DomainError(_(
                "%(time)s on %(day)s does not exist in %(zone)s: the clocks skip that hour for "
                "daylight saving time. Choose another time.", **names), "start_time")
        raise DomainError(_(
            "%(time)s on %(day)s happens twice in %(zone)s, because the clocks go back an hour "
            "for the end of daylight saving time. Choose a time outside that hour.", **names),
            "start_time")
    try:
        return first.astimezone(timezone.utc)
    except OverflowError:  # the first or last day a datetime can hold
        raise DomainError(_("%(day)s is outside the dates the app can handle.", **names),
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
