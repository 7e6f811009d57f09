from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField, TimeField)
from wtforms.validators import InputRequired, Optional

from ..forms import StudyDateField, options
from ..informants.models import Language
from .models import InterviewMode, InterviewStatus, TranscriptStatus


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class InterviewForm(FlaskForm):
    informant_ids = SelectMultipleField("Informants", coerce=int,
                                        description="Hold Ctrl (⌘ on a Mac) to choose several.")
    interviewer_ids = SelectMultipleField("Interviewers", coerce=int)
    start_date = StudyDateField("Date", validators=[InputRequired("Enter the date.")])
    start_time = TimeField("Starts at", validators=[InputRequired("Enter the time.")],
                           description="Local time in the study's time zone.")
    duration_minutes = IntegerField("Duration (minutes)", default=60,
                                    validators=[InputRequired("Enter the duration in minutes.")])
    mode = SelectField("Mode", choices=options((m.value, m.label) for m in InterviewMode))
    place = StringField("Place", description="Address and room, for interviews in person.")
    meeting_url = StringField("Meeting link", description="For video interviews (https://…).")
    guide_version_id = SelectField("Interview guide", coerce=_optional_int)
    language = SelectField("Invitation language",
                           choices=options((l.value, l.label) for l in Language))
    notes = TextAreaField("Internal notes", description="For the team only; never sent.")
    send_invites = BooleanField("Send calendar invitations now", default=True)
    submit = SubmitField("Save")


class InterviewFilterForm(FlaskForm):
    """The list's filters, sent by GET: none of them is personal data."""

    class Meta:
        csrf = False

    when = SelectField("When", validators=[Optional()], choices=options(
        [("upcoming", "Upcoming"), ("past", "Past"), ("all", "All")]))
    organisation = SelectField("Organisation", coerce=_optional_int, validators=[Optional()])
    role = SelectField("Role", coerce=_optional_int, validators=[Optional()])
    interviewer = SelectField("Interviewer", coerce=_optional_int, validators=[Optional()])
    status = SelectField("Status", validators=[Optional()], choices=options(
        [("", "Any status")] + [(s.value, s.label) for s in InterviewStatus]))
    date_from = StudyDateField("From", validators=[Optional()])
    date_to = StudyDateField("To", validators=[Optional()])


class CalendarForm(FlaskForm):
    class Meta:
        csrf = False

    view = SelectField("View", validators=[Optional()],
                       choices=options([("week", "Week"), ("month", "Month")]))
    date = StudyDateField("Date", validators=[Optional()])
    interviewer = SelectField("Interviewer", coerce=_optional_int, validators=[Optional()])


class ConductForm(FlaskForm):
    actual_start_date = StudyDateField("Date it took place",
                                  validators=[InputRequired("Enter the date.")])
    actual_start_time = TimeField("Actually started at",
                                  validators=[InputRequired("Enter the time.")],
                                  description="Local time in the study's time zone.")
    actual_duration_minutes = IntegerField(
        "Duration (minutes)", validators=[InputRequired("Enter the duration in minutes.")])
    present_interviewer_ids = SelectMultipleField(
        "Interviewers present", coerce=int,
        description="Hold Ctrl (⌘ on a Mac) to choose several.")
    submit = SubmitField("Mark conducted")


class NotesForm(FlaskForm):
    field_notes = TextAreaField("Field notes",
                                description="What happened: setting, atmosphere, anything not on "
                                            "the recording. Markdown.")
    reflexive_memo = TextAreaField("Reflexive memo",
                                   description="Your own part in the interview: assumptions, "
                                               "reactions, what you would ask differently. "
                                               "Markdown.")
    submit = SubmitField("Save notes")


class RecordingForm(FlaskForm):
    recording_location = StringField(
        "Where the recording is kept",
        description="For example the folder on the secure research storage. Never upload or "
                    "link the file itself.")
    recording_delete_by = StudyDateField("Delete by", validators=[Optional()],
                                    description="Leave empty for the study's retention period.")
    submit = SubmitField("Register recording")


class TranscriptForm(FlaskForm):
    transcript_status = SelectField("Transcript stage", choices=options(
        (s.value, s.label) for s in TranscriptStatus))
    note = StringField("Note", description="Optional, for example who transcribes.")
    submit = SubmitField("Save stage")
