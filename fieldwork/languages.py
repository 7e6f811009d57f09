"""Which language an email to a person is written in, and the study's names in that language.

One rule for every email (invitations, updates, cancellations, reminders, consent requests and
follow-ups, receipts, withdrawal confirmations):

- an informant reads their own preferred language, unless the coordinator chose one language
  for an interview's informant emails (`Interview.language`, shown wherever the interview is);
  that choice covers only the emails about that interview;
- a member of the team reads their account language (`User.language`).

Dates and times in an email are written the way its language writes them ("4. desember 2026
kl. 14:30", "4 December 2026 at 14:30"), in the study's time zone.

The study name and the organizer name (the sender's display name and the invite's ORGANIZER CN)
are configured per language (FIELDWORK_STUDY_NAME_NB, FIELDWORK_ORGANIZER_NAME_EN, ...), so a
bokmål email never carries the English name.
"""

from datetime import datetime

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from flask import current_app

from .informants.models import Language
from .timeutil import babel_locale, to_local

LANGUAGES = tuple(language.value for language in Language)


def _value(language):
    return language.value if isinstance(language, Language) else language


def _known(language):
    """A language emails are written in; English for any other, as `mail.render_email` does."""
    language = _value(language)
    return language if language in LANGUAGES else "en"


def label(language):
    """The language's name for pages (English, Norwegian (bokmål)); an unknown value as is."""
    try:
        return Language(_value(language)).label
    except ValueError:
        return str(language)


def default_language():
    """The study's language: new accounts get their email in it until their owner chooses."""
    return current_app.config["DEFAULT_LANGUAGE"]


def for_informant(informant, interview=None):
    """The language of an email to `informant`, about `interview` if it is one."""
    chosen = interview.language if interview is not None else None
    return _value(chosen or informant.language)


def for_user(user):
    """The language of an email to a member of the team: their account's."""
    return _value(user.language) or default_language()


def study_name(language):
    return current_app.config[f"STUDY_NAME_{_known(language).upper()}"]


def organizer_name(language):
    """The display name beside ORGANIZER_EMAIL, in `language`; the study name if none is set."""
    language = _known(language)
    return current_app.config[f"ORGANIZER_NAME_{language.upper()}"] or study_name(language)


# Babel patterns (CLDR): day-first in both languages, as the app's pages write dates.
DATE_FORMAT = {"nb": "d. MMMM y", "en": "d MMMM y"}
WHEN_FORMAT = {"nb": "d. MMMM y 'kl.' HH:mm", "en": "d MMMM y 'at' HH:mm"}


def format_date(day, language):
    """A calendar date as an email in `language` writes it."""
    language = _known(language)
    return babel_date(day, DATE_FORMAT[language], locale=babel_locale(language))


def format_local(value, pattern, language):
    """A date, or a UTC instant in the study's time zone, in a CLDR `pattern` ("EEEE dd.MM.y")
    with the weekday and month names of `language`."""
    if value is None:
        return ""
    language = _known(language)
    if isinstance(value, datetime):
        return babel_datetime(to_local(value), pattern, locale=babel_locale(language))
    return babel_date(value, pattern, locale=babel_locale(language))


def format_when(instant, language):
    """A UTC instant as an email in `language` writes it, in the study's time zone."""
    if instant is None:
        return ""
    language = _known(language)
    return babel_datetime(to_local(instant), WHEN_FORMAT[language], locale=babel_locale(language))
