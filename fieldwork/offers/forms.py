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

    day = StudyDateField("Date", validators=[Optional()])
    start = StudyTimeField("Starts at", validators=[Optional()])


class OfferForm(FlaskForm):
    # Any id is taken (no choices from every informant): the service refuses unknown ones.
    informant_ids = SelectMultipleField("Informants", coerce=coerce_id, validate_choice=False)
    informant_search = StringField("Find an informant",
                                   validators=[free_text("The search", max_length=200)])
    interviewer_ids = SelectMultipleField("Interviewers", coerce=coerce_id,
                                          description="Hold Ctrl (⌘ on a Mac) to choose several.")
    need = RadioField("The interview needs", default=OfferNeed.ALL.value,
                      choices=options((n.value, n.label) for n in OfferNeed))
    duration_minutes = IntegerField("Duration (minutes)", default=60,
                                    validators=[InputRequired("Enter the duration in minutes.")])
    mode = SelectField("Mode", choices=options((m.value, m.label) for m in InterviewMode))
    place = StringField("Place", validators=[free_text("Place", max_length=300)],
                        description="Address and room, for interviews in person.")
    meeting_url = StringField("Meeting link",
                              validators=[free_text("Meeting link", max_length=500)],
                              description="For video interviews (https://…).")
    guide_version_id = SelectField("Interview guide", coerce=coerce_optional_id)
    language = SelectField(
        "Language of the offer", default="",
        choices=options([("", "Each informant's own language")] +
                        [(lang.value, f"{lang.label} for every informant") for lang in Language]),
        description="The email, the informant's page and the interview's emails.")
    times = SelectMultipleField("Times found", widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput())
    manual = FieldList(FormField(LocalTimeForm), label="Add times by hand",
                       min_entries=MANUAL_ROWS, max_entries=MANUAL_ROWS)
    expires_on = StudyDateField("Offer expires on",
                                validators=[InputRequired("Enter the date the offer expires.")])
    expires_time = StudyTimeField("at", validators=[Optional()],
                             description="Local time; empty: the end of that day.")
    # Shown when a time goes against an interviewer's availability: with a reason, offered.
    availability_reason = StringField(
        "Reason for offering anyway",
        validators=[free_text("Reason for offering anyway", max_length=500)],
        description="For the audit log, for example \"agreed with the researcher by phone\".")
    submit = SubmitField("Send offer")

    def local_starts(self):
        return [(entry.form.day.data, entry.form.start.data) for entry in self.manual]


class OfferFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = filter_select("Status", validators=[Optional()], choices=options(
        [("", "Any status")] + [(s.value, s.label) for s in OfferStatus]))


class BookForm(FlaskForm):
    slot = RadioField(coerce=coerce_id, validators=[InputRequired()])


class MessageForm(FlaskForm):
    message = TextAreaField(validators=[free_text("Message", max_length=2000, multiline=True)])
