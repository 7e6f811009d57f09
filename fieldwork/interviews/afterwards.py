"""After the interview: mark it conducted (with who was there and how long it took), keep field
notes and a reflexive memo, register where the recording is kept until its deletion deadline, and
move the transcript through its stages.

Each service commits once, with its audit event. The consent gates (fieldwork/consent/gates.py)
are checked before anything is written: no interview is marked conducted without participation
consent, and no recording is registered without recording consent.
"""

from datetime import date, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..consent.gates import require_participation_consent, require_recording_consent
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..informants.models import RecruitmentStatus
from ..timeutil import local_to_utc, to_local
from ..validation import clean_text
from .models import InterviewStatus, TranscriptStatus, TranscriptStatusChange
from .planning import load_interviewers, parse_duration, parse_ids
from .queries import get_interview_with_aftermath

# Planned, invited or confirmed: an interview can be held even if no invitation went out.
_CONDUCTABLE = (InterviewStatus.PLANNED, InterviewStatus.INVITED, InterviewStatus.CONFIRMED,
                InterviewStatus.CONDUCTED)
MAX_NOTES_LENGTH = 100_000
_RECRUITING = (RecruitmentStatus.IDENTIFIED, RecruitmentStatus.CONTACTED, RecruitmentStatus.AGREED)


def default_recording_deadline(*, now):
    """The day a recording registered now must be deleted by, counted in the study time zone."""
    return to_local(now).date() + timedelta(days=current_app.config["RECORDING_RETENTION_DAYS"])


def _text(values, key, label, max_length, *, multiline=False, required=False):
    try:
        return clean_text(values.get(key), max_length=max_length, label=label,
                          multiline=multiline, required=required)
    except DomainError as error:
        raise DomainError(error.message, key) from None


# What needs the interview conducted first, each as the whole sentence that refuses it.
_NOT_CONDUCTED = {
    "notes": _l("Mark the interview conducted before you write notes."),
    "recording": _l("Mark the interview conducted before you register a recording."),
    "transcript": _l("Mark the interview conducted before you track its transcript."),
}


def _require_conducted(interview, action):
    if interview.status is not InterviewStatus.CONDUCTED:
        raise NotAllowed(str(_NOT_CONDUCTED[action]))


def mark_conducted(interview, values=None, *, by, now=None):
    """Record that the interview took place: when it actually started, how long it lasted and
    which interviewers were there. Without `values` the scheduled start, duration and
    interviewers are taken as what happened. Saving again corrects what was recorded."""
    now = now or utcnow()
    interview = get_interview_with_aftermath(interview.id)
    values = values or {}
    if interview.status not in _CONDUCTABLE:
        raise NotAllowed(_("The interview is “%(status)s”, so it cannot be marked conducted.",
                           status=interview.status.label.lower()))
    if interview.starts_at > now:
        raise NotAllowed(_("An interview can be marked conducted only once it has started."))

    day, start_time = values.get("actual_start_date"), values.get("actual_start_time")
    if day is None and start_time is None:
        started_at = interview.actual_started_at or interview.starts_at
    elif isinstance(day, date) and isinstance(start_time, time):
        try:
            started_at = local_to_utc(day, start_time)
        except DomainError as error:
            raise DomainError(error.message, "actual_start_time") from None
    else:
        raise DomainError(_("Enter the date and time the interview actually started."),
                          "actual_start_date")
    if started_at > now:
        raise DomainError(_("The interview cannot have started in the future."), "actual_start_date")

    duration = values.get("actual_duration_minutes")
    if duration in (None, ""):
        duration = interview.actual_duration_minutes or interview.duration_minutes
    duration = parse_duration(duration, "actual_duration_minutes", minimum=1)

    present = _present_interviewers(values.get("present_interviewer_ids"), interview)
    # GDPR art. 6 and 7: nothing from an interview is kept without participation consent.
    require_participation_consent(interview.informants)

    before = interview.aftermath_snapshot()
    first_time = interview.status is not InterviewStatus.CONDUCTED
    interview.status = InterviewStatus.CONDUCTED
    interview.actual_started_at, interview.actual_duration_minutes = started_at, duration
    interview.present_interviewers = present
    interview.updated_at = now
    if first_time:
        interview.conducted_at = now
        _mark_interviewed(interview.informants, by=by, now=now)
    after = interview.aftermath_snapshot()
    if first_time:
        audit.record("interview.conduct", by=by, entity=interview, before=before, after=after,
                     now=now)
    elif not audit.record_update("interview.conduct", by=by, entity=interview, before=before,
                                 after=after, now=now):
        db.session.rollback()
        return interview
    db.session.commit()
    return interview


def _mark_interviewed(informants, *, by, now):
    """Informants still being recruited become "interviewed"; a later status (declined,
    withdrawn, do-not-contact) is the informant's own word and stays."""
    for informant in informants:
        if informant.status in _RECRUITING:
            before = informant.audit_snapshot()
            informant.status, informant.updated_at = RecruitmentStatus.INTERVIEWED, now
            audit.record_update("informant.update", by=by, entity=informant, before=before,
                                after=informant.audit_snapshot(), now=now)


def _present_interviewers(value, interview):
    if value is None:
        return list(interview.present_interviewers or interview.interviewers)
    key = "present_interviewer_ids"
    # An interviewer whose account was disabled since still was there.
    users = load_interviewers(parse_ids({key: value}, key), key, require_enabled=False,
                              missing=_("Choose at least one interviewer who was there."))
    return sorted(users, key=lambda u: u.name)


def update_notes(interview, values, *, by, now=None):
    """Field notes (what happened) and a reflexive memo (the interviewer's own part in it), both
    Markdown, shown rendered without any HTML or script of their own."""
    now = now or utcnow()
    interview = get_interview_with_aftermath(interview.id)
    _require_conducted(interview, "notes")
    field_notes = _text(values, "field_notes", _("Field notes"), MAX_NOTES_LENGTH, multiline=True)
    memo = _text(values, "reflexive_memo", _("Reflexive memo"), MAX_NOTES_LENGTH, multiline=True)
    before = interview.aftermath_snapshot()
    interview.field_notes, interview.reflexive_memo = field_notes, memo
    if audit.record_update("interview.notes", by=by, entity=interview, before=before,
                           after=interview.aftermath_snapshot(), now=now):
        interview.updated_at = now
        db.session.commit()
    else:
        db.session.rollback()
    return interview


def register_recording(interview, values, *, by, now=None):
    """Where the recording is kept (for example a folder on the secure research storage; never
    the file itself) and the day it must be deleted by, by default RECORDING_RETENTION_DAYS from
    today. Needs recording consent from every informant in the interview."""
    now = now or utcnow()
    interview = get_interview_with_aftermath(interview.id)
    _require_conducted(interview, "recording")
    if interview.recording_deleted_at is not None:
        raise NotAllowed(_("The recording has been deleted; it cannot be registered again."))
    location = _text(values, "recording_location", _("Where the recording is kept"), 300,
                     required=True)
    delete_by = values.get("recording_delete_by") or default_recording_deadline(now=now)
    if not isinstance(delete_by, date):
        raise DomainError(_("Enter the date the recording must be deleted by."),
                          "recording_delete_by")
    if delete_by < to_local(now).date():
        raise DomainError(_("The deletion deadline cannot be in the past."), "recording_delete_by")
    require_recording_consent(interview.informants)

    before = interview.aftermath_snapshot()
    interview.recording_location, interview.recording_delete_by = location, delete_by
    if not audit.record_update("interview.recording", by=by, entity=interview, before=before,
                               after=interview.aftermath_snapshot(), now=now):
        db.session.rollback()
        return interview
    interview.recording_registered_at, interview.recording_registered_by_id = now, _user_id(by)
    interview.updated_at = now
    db.session.commit()
    return interview


def mark_recording_deleted(interview, *, by, now=None):
    """The recording has been deleted from where it was kept; the deadline no longer applies."""
    now = now or utcnow()
    interview = get_interview_with_aftermath(interview.id)
    if not interview.has_recording:
        raise NotAllowed(_("There is no registered recording to mark as deleted."))
    before = interview.aftermath_snapshot()
    interview.recording_deleted_at = interview.updated_at = now
    audit.record("interview.recording_deleted", by=by, entity=interview,
                 before={"recording_deleted_at": before["recording_deleted_at"]},
                 after={"recording_deleted_at": now.isoformat(),
                        "recording_location": interview.recording_location}, now=now)
    db.session.commit()
    return interview


def set_transcript_status(interview, status, *, by, now=None, note=""):
    """Move the transcript to a stage (forward, or back when a step must be redone); each move is
    kept in the transcript's history with who made it and when."""
    now = now or utcnow()
    interview = get_interview_with_aftermath(interview.id)
    _require_conducted(interview, "transcript")
    try:
        status = TranscriptStatus(status)
    except ValueError:
        raise DomainError(_("Choose a transcript stage."), "transcript_status") from None
    note = _text({"note": note}, "note", _("Note"), 500)
    if status is interview.transcript_status:
        raise DomainError(_("The transcript is already at “%(stage)s”.",
                            stage=status.label.lower()), "transcript_status")
    before = {"transcript_status": interview.transcript_status.value}
    interview.transcript_status = status
    interview.transcript_updated_at, interview.transcript_updated_by_id = now, _user_id(by)
    interview.updated_at = now
    db.session.add(TranscriptStatusChange(interview_id=interview.id, status=status, changed_at=now,
                                          changed_by_id=_user_id(by), note=note))
    audit.record("interview.transcript", by=by, entity=interview, before=before,
                 after={"transcript_status": status.value, "note": note}, now=now)
    db.session.commit()
    return interview


def _user_id(by):
    return getattr(by, "id", None)  # None for the command line
