from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Optional

from ..forms import (StudyDateField, StudyTimeField, coerce_id, coerce_optional_id, filter_select, free_text,
                     options)
from ..informants.models import Language
from .afterwards import MAX_NOTES_LENGTH
from .models import InterviewMode, InterviewStatus, TranscriptStatus


def _choices(enum_class):
    """An enum's members as select options, their words in the page's language."""
    return options(enum_class.choices())


class InterviewForm(FlaskForm):
    # Any id is taken (no choices from every informant): the service refuses unknown ones.
    informant_ids = SelectMultipleField(_l("Informants"), coerce=coerce_id, validate_choice=False)
    informant_search = StringField(_l("Find an informant"),
                                   validators=[free_text(_l("The search"), max_length=200)])
    interviewer_ids = SelectMultipleField(_l("Interviewers"), coerce=coerce_id)
    start_date = StudyDateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    start_time = StudyTimeField(_l("Starts at"), validators=[InputRequired(_l("Enter the time."))],
                                description=_l("Local time in the study's time zone."))
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=60,
                                    validators=[InputRequired(_l("Enter the duration in minutes."))])
    mode = SelectField(_l("Mode"), choices=_choices(InterviewMode))
    place = StringField(_l("Place"), validators=[free_text(_l("Place"), max_length=300)],
                        description=_l("Address and room, for interviews in person."))
    meeting_url = StringField(_l("Meeting link"),
                              validators=[free_text(_l("Meeting link"), max_length=500)],
                              description=_l("For video interviews (https://…)."))
    guide_version_id = SelectField(_l("Interview guide"), coerce=coerce_optional_id)
    language = SelectField(
        _l("Language of the informants' emails"), default="",
        choices=options([("", _l("Each informant's own language"))] +
                        [(language.value, _l("%(language)s for every informant",
                                             language=Language.__labels__[language.value]))
                         for language in Language]),
        description=_l("Each informant normally gets every email in their own preferred language. "
                       "Choose one language only to override that for this interview; interviewers "
                       "always get theirs in their account language."))
    notes = TextAreaField(_l("Internal notes"),
                          validators=[free_text(_l("Notes"), max_length=10_000, multiline=True)],
                          description=_l("For the team only; never sent."))
    send_invites = BooleanField(_l("Send calendar invitations now"), default=True)
    # Shown when the time goes against an interviewer's availability (working hours, dates
    # away, their own calendar): with a reason, the interview is scheduled anyway.
    availability_reason = StringField(
        _l("Reason for scheduling anyway"),
        validators=[free_text(_l("Reason for scheduling anyway"), max_length=500)],
        description=_l("For the audit log, for example \"agreed with the researcher by phone\"."))
    submit = SubmitField(_l("Save"))


class InterviewFilterForm(FlaskForm):
    """The list's filters, sent by GET: none of them is personal data."""

    class Meta:
        csrf = False

    when = filter_select(_l("When"), validators=[Optional()], choices=options(
        [("upcoming", _l("Upcoming")), ("past", _l("Past")), ("all", _l("All"))]))
    organisation = filter_select(_l("Organisation"), coerce=coerce_optional_id,
                                 validators=[Optional()])
    role = filter_select(_l("Role"), coerce=coerce_optional_id, validators=[Optional()])
    interviewer = filter_select(_l("Interviewer"), coerce=coerce_optional_id,
                                validators=[Optional()])
    status = filter_select(_l("Status"), validators=[Optional()], choices=options(
        [("", _l("Any status"))] +
        InterviewStatus.choices()))
    date_from = StudyDateField(_l("From"), validators=[Optional()])
    date_to = StudyDateField(_l("To"), validators=[Optional()])


class CalendarForm(FlaskForm):
    class Meta:
        csrf = False

    view = SelectField(_l("View"), validators=[Optional()],
                       choices=options([("week", _l("Week")), ("month", _l("Month")),
                                        ("list", _l("Week as a list"))]))
    date = StudyDateField(_l("Date"), validators=[Optional()])
    interviewer = SelectField(_l("Interviewer"), coerce=coerce_optional_id, validators=[Optional()])


class ConductForm(FlaskForm):
    actual_start_date = StudyDateField(_l("Date it took place"),
                                       validators=[InputRequired(_l("Enter the date."))])
    actual_start_time = StudyTimeField(_l("Actually started at"),
                                       validators=[InputRequired(_l("Enter the time."))],
                                       description=_l("Local time in the study's time zone."))
    actual_duration_minutes = IntegerField(
        _l("Duration (minutes)"), validators=[InputRequired(_l("Enter the duration in minutes."))])
    present_interviewer_ids = SelectMultipleField(
        _l("Interviewers present"), coerce=coerce_id,
        description=_l("Hold Ctrl (⌘ on a Mac) to choose several."))
    submit = SubmitField(_l("Mark conducted"))


def _notes(label):
    return free_text(label, max_length=MAX_NOTES_LENGTH, multiline=True)


class NotesForm(FlaskForm):
    field_notes = TextAreaField(_l("Field notes"), validators=[_notes(_l("Field notes"))],
                                description=_l("What happened: setting, atmosphere, anything not "
                                               "on the recording. Markdown."))
    reflexive_memo = TextAreaField(_l("Reflexive memo"), validators=[_notes(_l("Reflexive memo"))],
                                   description=_l("Your own part in the interview: assumptions, "
                                                  "reactions, what you would ask differently. "
                                                  "Markdown."))
    submit = SubmitField(_l("Save notes"))


class RecordingForm(FlaskForm):
    recording_location = StringField(
        _l("Where the recording is kept"),
        validators=[free_text(_l("Where the recording is kept"), max_length=300)],
        description=_l("For example the folder on the secure research storage. Never upload or "
                       "link the file itself."))
    recording_delete_by = StudyDateField(
        _l("Delete by"), validators=[Optional()],
        description=_l("Leave empty for the study's retention period."))
    submit = SubmitField(_l("Register recording"))


class TranscriptForm(FlaskForm):
    transcript_status = SelectField(_l("Transcript stage"), choices=_choices(TranscriptStatus))
    note = StringField(_l("Note"), validators=[free_text(_l("Note"), max_length=500)],
                       description=_l("Optional, for example who transcribes."))
    submit = SubmitField(_l("Save stage"))


class PickerSearchForm(FlaskForm):
    """The informant picker's search as you type (picker.js): the text, and the informants
    already ticked, whom the answer leaves out since they are shown already."""

    informant_search = StringField(_l("Find an informant"),
                                   validators=[free_text(_l("The search"), max_length=200)])
    informant_ids = SelectMultipleField(_l("Informants"), coerce=coerce_id, validate_choice=False)
