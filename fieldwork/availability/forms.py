from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (IntegerField, PasswordField, SelectField, SelectMultipleField, StringField,
                     SubmitField)
from wtforms.validators import InputRequired, Optional

from ..forms import StudyDateField, coerce_id, free_text, options
from ..interviews.models import InterviewMode
from .models import CalendarKind
from .services import GRID_MINUTES, WEEKDAY_FIELDS

_HOURS_HINT = _l("For example 09:00-11:30, 12:30-16:00. Leave empty for a day off.")


def _day_field(label):
    return StringField(label, validators=[free_text(label, max_length=200)])


class WorkingHoursForm(FlaskForm):
    monday = _day_field(_l("Monday"))
    tuesday = _day_field(_l("Tuesday"))
    wednesday = _day_field(_l("Wednesday"))
    thursday = _day_field(_l("Thursday"))
    friday = _day_field(_l("Friday"))
    saturday = _day_field(_l("Saturday"))
    sunday = _day_field(_l("Sunday"))
    submit = SubmitField(_l("Save working hours"))

    def day_fields(self):
        return [getattr(self, name) for name in WEEKDAY_FIELDS]


class DateAwayForm(FlaskForm):
    first_day = StudyDateField(_l("First day away"),
                               validators=[InputRequired(_l("Enter the date."))])
    last_day = StudyDateField(_l("Last day away"), validators=[Optional()],
                              description=_l("Leave empty for a single day."))
    submit = SubmitField(_l("Add dates away"))


class CalendarForm(FlaskForm):
    kind = SelectField(lazy_pgettext("calendar", "Kind"), choices=options(CalendarKind.choices()))
    # Not free_text: its messages are fine, but the service checks the address without ever
    # repeating it, and the field is never filled back in.
    url = PasswordField(_l("Address"), description=_l(
        "The secret address in iCalendar format (https://… or webcal://…), or the CalDAV "
        "calendar's address."))
    username = StringField(_l("User name (CalDAV only)"),
                           validators=[free_text(_l("User name"), max_length=200)])
    password = PasswordField(_l("Password (CalDAV only)"),
                             description=_l("Left empty when changing a CalDAV calendar: the "
                                            "saved one is kept."))
    submit = SubmitField(_l("Save calendar"))


class FinderForm(FlaskForm):
    """The finder's question, sent by GET so the result can be bookmarked and reloaded; it
    carries ids and times only, no names."""

    class Meta:
        csrf = False

    # Any id is taken: the informants are checked by the service, so the page need not list
    # every informant as choices (the picker shows a page of them and searches the rest).
    informant = SelectMultipleField(_l("Informants"), coerce=coerce_id, validate_choice=False)
    # Only for the picker's search box, which picker.js sends on its own: never in the address.
    informant_search = StringField(_l("Find an informant"),
                                   validators=[free_text(_l("The search"), max_length=200)])
    interviewer = SelectMultipleField(_l("Interviewers"), coerce=coerce_id)
    need = SelectField(_l("Interviewers needed"), default="all", choices=options(
        [("all", _l("All of them")), ("any", _l("Any one of them"))]))
    duration = IntegerField(_l("Duration (minutes)"), default=60,
                            validators=[InputRequired(_l("Enter the duration in minutes."))])
    mode = SelectField(_l("Mode"), choices=options(InterviewMode.choices()),
                       default=InterviewMode.VIDEO.value,
                       description=_l("In person keeps the travel buffer free around it."))
    first_day = StudyDateField(_l("From"), validators=[InputRequired(_l("Enter the first day."))])
    last_day = StudyDateField(_l("To"), validators=[InputRequired(_l("Enter the last day."))])
    grid = SelectField(_l("Start times every"), default="30", choices=options(
        (str(m), lazy_ngettext("%(num)d minute", "%(num)d minutes", m)) for m in GRID_MINUTES))
    notice = IntegerField(_l("Notice (hours)"), default=24,
                          validators=[InputRequired(_l("Enter the notice in hours."))],
                          description=_l("No time sooner than this from now."))
