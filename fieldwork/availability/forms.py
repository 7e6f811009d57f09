from flask_wtf import FlaskForm
from wtforms import (IntegerField, PasswordField, SelectField, SelectMultipleField, StringField,
                     SubmitField)
from wtforms.validators import InputRequired, Optional

from ..forms import StudyDateField, coerce_id, free_text, options
from ..interviews.models import InterviewMode
from .models import CalendarKind
from .services import GRID_MINUTES, WEEKDAY_FIELDS

_HOURS_HINT = "For example 09:00-11:30, 12:30-16:00. Leave empty for a day off."


def _day_field(name):
    return StringField(name.capitalize(), validators=[free_text(name.capitalize(), max_length=200)])


class WorkingHoursForm(FlaskForm):
    monday = _day_field("monday")
    tuesday = _day_field("tuesday")
    wednesday = _day_field("wednesday")
    thursday = _day_field("thursday")
    friday = _day_field("friday")
    saturday = _day_field("saturday")
    sunday = _day_field("sunday")
    submit = SubmitField("Save working hours")

    def day_fields(self):
        return [getattr(self, name) for name in WEEKDAY_FIELDS]


class DateAwayForm(FlaskForm):
    first_day = StudyDateField("First day away", validators=[InputRequired("Enter the date.")])
    last_day = StudyDateField("Last day away", validators=[Optional()],
                              description="Leave empty for a single day.")
    submit = SubmitField("Add dates away")


class CalendarForm(FlaskForm):
    kind = SelectField("Kind", choices=options((k.value, k.label) for k in CalendarKind))
    # Not free_text: its messages are fine, but the service checks the address without ever
    # repeating it, and the field is never filled back in.
    url = PasswordField("Address", description="The secret address in iCalendar format "
                        "(https://… or webcal://…), or the CalDAV calendar's address.")
    username = StringField("User name (CalDAV only)",
                           validators=[free_text("User name", max_length=200)])
    password = PasswordField("Password (CalDAV only)",
                             description="Left empty when changing a CalDAV calendar: the saved "
                                         "one is kept.")
    submit = SubmitField("Save calendar")


class FinderForm(FlaskForm):
    """The finder's question, sent by GET so the result can be bookmarked and reloaded; it
    carries ids and times only, no names."""

    class Meta:
        csrf = False

    # Any id is taken: the informants are checked by the service, so the page need not list
    # every informant as choices (the picker shows a page of them and searches the rest).
    informant = SelectMultipleField("Informants", coerce=coerce_id, validate_choice=False)
    # Only for the picker's search box, which picker.js sends on its own: never in the address.
    informant_search = StringField("Find an informant",
                                   validators=[free_text("The search", max_length=200)])
    interviewer = SelectMultipleField("Interviewers", coerce=coerce_id)
    need = SelectField("Interviewers needed", default="all", choices=options(
        [("all", "All of them"), ("any", "Any one of them")]))
    duration = IntegerField("Duration (minutes)", default=60,
                            validators=[InputRequired("Enter the duration in minutes.")])
    mode = SelectField("Mode", choices=options((m.value, m.label) for m in InterviewMode),
                       default=InterviewMode.VIDEO.value,
                       description="In person keeps the travel buffer free around it.")
    first_day = StudyDateField("From", validators=[InputRequired("Enter the first day.")])
    last_day = StudyDateField("To", validators=[InputRequired("Enter the last day.")])
    grid = SelectField("Start times every", default="30", choices=options(
        (str(m), f"{m} minutes") for m in GRID_MINUTES))
    notice = IntegerField("Notice (hours)", default=24,
                          validators=[InputRequired("Enter the notice in hours.")],
                          description="No time sooner than this from now.")
