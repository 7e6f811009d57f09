from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (FieldList, Form, FormField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import (StudyDateField, StudyTimeField, coerce_id, coerce_optional_id, filter_select, free_text,
                     options)
from ..informants.models import Language
from ..interviews.models import InterviewMode
from .models import OfferNeed, OfferStatus

MANUAL_ROWS = 4


class LocalTimeForm(Form):
    """A time typed by hand: a date and a start in the study's time zone."""

    day = StudyDateField(_l("Date"), validators=[Optional()])
    start = StudyTimeField(_l("Starts at"), validators=[Optional()])


class OfferForm(FlaskForm):
    # Any id is taken (no choices from every informant): the service refuses unknown ones.
    informant_ids = SelectMultipleField(_l("Informants"), coerce=coerce_id, validate_choice=False)
    informant_search = StringField(_l("Find an informant"),
                                   validators=[free_text(_l("The search"), max_length=200)])
    interviewer_ids = SelectMultipleField(
        _l("Interviewers"), coerce=coerce_id,
        description=_l("Hold Ctrl (⌘ on a Mac) to choose several."))
    need = RadioField(_l("The interview needs"), default=OfferNeed.ALL.value,
                      choices=options(OfferNeed.choices()))
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), default=60,
        validators=[InputRequired(_l("Enter the duration in minutes."))])
    mode = SelectField(_l("Mode"), choices=options(InterviewMode.choices()))
    place = StringField(_l("Place"), validators=[free_text(_l("Place"), max_length=300)],
                        description=_l("Address and room, for interviews in person."))
    meeting_url = StringField(_l("Meeting link"),
                              validators=[free_text(_l("Meeting link"), max_length=500)],
                              description=_l("For video interviews (https://…)."))
    guide_version_id = SelectField(_l("Interview guide"), coerce=coerce_optional_id)
    language = SelectField(
        _l("Language of the offer"), default="",
        choices=options([("", _l("Each informant's own language"))] +
                        [(lang.value, _l("%(language)s for every informant",
                                         language=Language.__labels__[lang.value]))
                         for lang in Language]),
        description=_l("The email, the informant's page and the interview's emails."))
    times = SelectMultipleField(_l("Times found"), widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput())
    manual = FieldList(FormField(LocalTimeForm), label=_l("Add times by hand"),
                       min_entries=MANUAL_ROWS, max_entries=MANUAL_ROWS)
    expires_on = StudyDateField(
        _l("Offer expires on"), validators=[InputRequired(_l("Enter the date the offer expires."))])
    expires_time = StudyTimeField(
        lazy_pgettext("expires at a time", "at"), validators=[Optional()],
        description=_l("Local time; empty: the end of that day."))
    # Shown when a time goes against an interviewer's availability: with a reason, offered.
    availability_reason = StringField(
        _l("Reason for offering anyway"),
        validators=[free_text(_l("Reason for offering anyway"), max_length=500)],
        description=_l("For the audit log, for example \"agreed with the researcher by phone\"."))
    submit = SubmitField(_l("Send offer"))

    def local_starts(self):
        return [(entry.form.day.data, entry.form.start.data) for entry in self.manual]


class OfferFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = filter_select(_l("Status"), validators=[Optional()], choices=options(
        [("", _l("Any status"))] + OfferStatus.choices()))


class BookForm(FlaskForm):
    slot = RadioField(coerce=coerce_id, validators=[InputRequired()])


class MessageForm(FlaskForm):
    message = TextAreaField(validators=[free_text(_l("Message"), max_length=2000, multiline=True)])
