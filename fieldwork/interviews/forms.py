from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Optional

from ..forms import (StudyDateField, StudyTimeField, coerce_id, coerce_optional_id, filter_select, free_text,
                     options)
from ..informants.models import Language
from .afterwards import MAX_NOTES_LENGTH
from .models import InterviewMode, InterviewStatus, TranscriptStatus


class InterviewForm(FlaskForm):
    # Any id is taken (no choices from every informant): the service refuses unknown ones.
    informant_ids = SelectMultipleField("Informants", coerce=coerce_id, validate_choice=False)
    informant_search = StringField("Find an informant",
                                   validators=[free_text("The search", max_length=200)])
    interviewer_ids = SelectMultipleField("Interviewers", coerce=coerce_id)
    start_date = StudyDateField("Date", validators=[InputRequired("Enter the date.")])
    start_time = StudyTimeField("Starts at", validators=[InputRequired("Enter the time.")],
                                description="Local time in the study's time zone.")
    duration_minutes = IntegerField("Duration (minutes)", default=60,
                                    validators=[InputRequired("Enter the duration in minutes.")])
    mode = SelectField("Mode", choices=options((m.value, m.label) for m in InterviewMode))
    place = StringField("Place", validators=[free_text("Place", max_length=300)],
                        description="Address and room, for interviews in person.")
    meeting_url = StringField("Meeting link", validators=[free_text("Meeting link", max_length=500)],
                              description="For video interviews (https://…).")
    guide_version_id = SelectField("Interview guide", coerce=coerce_optional_id)
    language = SelectField(
        "Language of the informants' emails", default="",
        choices=options([("", "Each informant's own language")] +
                        [(l.value, f"{l.label} for every informant") for l in Language]),
        description="Each informant normally gets every email in their own preferred language. "
                    "Choose one language only to override that for this interview; interviewers "
                    "always get theirs in their account language.")
    notes = TextAreaField("Internal notes",
                          validators=[free_text("Notes", max_length=10_000, multiline=True)],
                          description="For the team only; never sent.")
    send_invites = BooleanField("Send calendar invitations now", default=True)
    # Shown when the time goes against an interviewer's availability (working hours, dates
    # away, their own calendar): with a reason, the interview is scheduled anyway.
    availability_reason = StringField(
        "Reason for scheduling anyway",
        validators=[free_text("Reason for scheduling anyway", max_length=500)],
        description="For the audit log, for example \"agreed with the researcher by phone\".")
    submit = SubmitField("Save")


class InterviewFilterForm(FlaskForm):
    """The list's filters, sent by GET: none of them is personal data."""

    class Meta:
        csrf = False

    when = filter_select("When", validators=[Optional()], choices=options(
        [("upcoming", "Upcoming"), ("past", "Past"), ("all", "All")]))
    organisation = filter_select("Organisation", coerce=coerce_optional_id, validators=[Optional()])
    role = filter_select("Role", coerce=coerce_optional_id, validators=[Optional()])
    interviewer = filter_select("Interviewer", coerce=coerce_optional_id, validators=[Optional()])
    status = filter_select("Status", validators=[Optional()], choices=options(
        [("", "Any status")] + [(s.value, s.label) for s in InterviewStatus]))
    date_from = StudyDateField("From", validators=[Optional()])
    date_to = StudyDateField("To", validators=[Optional()])


class CalendarForm(FlaskForm):
    class Meta:
        csrf = False

    view = SelectField("View", validators=[Optional()],
                       choices=options([("week", "Week"), ("month", "Month"),
                                        ("list", "Week as a list")]))
    date = StudyDateField("Date", validators=[Optional()])
    interviewer = SelectField("Interviewer", coerce=coerce_optional_id, validators=[Optional()])


class ConductForm(FlaskForm):
    actual_start_date = StudyDateField("Date it took place",
                                       validators=[InputRequired("Enter the date.")])
    actual_start_time = StudyTimeField("Actually started at",
                                       validators=[InputRequired("Enter the time.")],
                                       description="Local time in the study's time zone.")
    actual_duration_minutes = IntegerField(
        "Duration (minutes)", validators=[InputRequired("Enter the duration in minutes.")])
    present_interviewer_ids = SelectMultipleField(
        "Interviewers present", coerce=coerce_id,
        description="Hold Ctrl (⌘ on a Mac) to choose several.")
    submit = SubmitField("Mark conducted")


def _notes(label):
    return free_text(label, max_length=MAX_NOTES_LENGTH, multiline=True)


class NotesForm(FlaskForm):
    field_notes = TextAreaField("Field notes", validators=[_notes("Field notes")],
                                description="What happened: setting, atmosphere, anything not on "
                                            "the recording. Markdown.")
    reflexive_memo = TextAreaField("Reflexive memo", validators=[_notes("Reflexive memo")],
                                   description="Your own part in the interview: assumptions, "
                                               "reactions, what you would ask differently. "
                                               "Markdown.")
    submit = SubmitField("Save notes")


class RecordingForm(FlaskForm):
    recording_location = StringField(
        "Where the recording is kept",
        validators=[free_text("Where the recording is kept", max_length=300)],
        description="For example the folder on the secure research storage. Never upload or "
                    "link the file itself.")
    recording_delete_by = StudyDateField("Delete by", validators=[Optional()],
                                    description="Leave empty for the study's retention period.")
    submit = SubmitField("Register recording")


class TranscriptForm(FlaskForm):
    transcript_status = SelectField("Transcript stage", choices=options(
        (s.value, s.label) for s in TranscriptStatus))
    note = StringField("Note", validators=[free_text("Note", max_length=500)],
                       description="Optional, for example who transcribes.")
    submit = SubmitField("Save stage")


class PickerSearchForm(FlaskForm):
    """The informant picker's search as you type (picker.js): the text, and the informants
    already ticked, whom the answer leaves out since they are shown already."""

    informant_search = StringField("Find an informant",
                                   validators=[free_text("The search", max_length=200)])
    informant_ids = SelectMultipleField("Informants", coerce=coerce_id, validate_choice=False)
