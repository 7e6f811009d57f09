"""Interview reminders, sent a set time before each interview (FIELDWORK_REMINDER_HOURS).

`send_due_reminders` finds in the database what is due and is safe to run any number of times:
each (interview, SEQUENCE, attendee) gets one InterviewReminder row, unique, written in the same
transaction as its outbox message, so a repeated run sends nothing twice and a reschedule (a new
SEQUENCE) arms a new reminder. A reminder found only once its interview has started (the
scheduler was down) is recorded as expired and not sent: it would arrive too late to help.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import languages
from ..extensions import db
from ..interviews import invitations
from ..interviews.models import INVITED_STATUSES, Interview
from ..jobs.services import describe_error
from ..outbox import services as outbox
from .models import InterviewReminder, ReminderStatus

log = logging.getLogger(__name__)
PURPOSE = "reminder"


@dataclass
class ReminderReport:
    sent: int = 0
    expired: int = 0
    skipped: int = 0
    errors: int = 0

    def summary(self):
        text = f"sent {self.sent}, expired {self.expired}, skipped {self.skipped}"
        return text + (f", {self.errors} interview(s) failed" if self.errors else "")


def due_interviews(*, now):
    """Invited or confirmed interviews starting within the reminder window (or already started)
    whose current SEQUENCE has no reminder yet. Planned ones were never in anyone's calendar."""
    horizon = now + timedelta(hours=current_app.config["REMINDER_HOURS"])
    handled = exists().where(InterviewReminder.interview_id == Interview.id,
                             InterviewReminder.sequence == Interview.sequence)
    return db.session.scalars(
        select(Interview)
        .where(Interview.status.in_(INVITED_STATUSES), Interview.starts_at <= horizon, ~handled)
        .options(selectinload(Interview.informants), selectinload(Interview.interviewers))
        .order_by(Interview.starts_at, Interview.id)).all()


def send_due_reminders(*, now):
    """Queue every reminder that is due, and commit. Each interview is handled in a savepoint,
    so one that fails (or that another run has just handled) leaves the others be."""
    report = ReminderReport()
    for interview in due_interviews(now=now):
        counts = ReminderReport()
        try:
            with db.session.begin_nested():
                _remind(interview, counts, now=now)
        except IntegrityError:
            pass  # another run handled this interview at the same moment; its rows stand
        except Exception as error:
            report.errors += 1
            log.error("reminders: interview %s failed: %s", interview.id, describe_error(error))
        else:
            report.sent += counts.sent
            report.expired += counts.expired
            report.skipped += counts.skipped
    db.session.commit()
    return report


def _remind(interview, report, *, now):
    has_started = interview.starts_at <= now
    for informant in interview.informants:
        reachable = informant.email and informant.status.may_be_contacted
        _handle(interview, f"informant:{informant.id}", report, has_started=has_started,
                reachable=reachable, now=now,
                send=lambda i=informant: _queue(interview, (i.email, i.name),
                                                languages.for_informant(i, interview),
                                                is_informant=True, informant_id=i.id, now=now))
    for user in interview.interviewers:
        # In the language of everything else they receive (fieldwork.languages), as their
        # invitation was.
        _handle(interview, f"user:{user.id}", report, has_started=has_started,
                reachable=user.email and user.is_enabled, now=now,
                send=lambda u=user: _queue(interview, (u.email, u.name),
                                           languages.for_user(u), is_informant=False,
                                           user_id=u.id, now=now))
    db.session.flush()


def _handle(interview, recipient, report, *, has_started, reachable, send, now):
    message = None
    if has_started:
        status = ReminderStatus.EXPIRED
        report.expired += 1
    elif not reachable:
        status = ReminderStatus.SKIPPED
        report.skipped += 1
    else:
        message = send()
        status = ReminderStatus.SENT
        report.sent += 1
    db.session.add(InterviewReminder(
        interview_id=interview.id, sequence=interview.sequence, recipient=recipient,
        status=status, outbox_message_id=message.id if message else None, created_at=now))


def _queue(interview, recipient, language, *, is_informant, now, informant_id=None,
           user_id=None):
    details = invitations.message_details(interview, language)
    details.pop("language")
    return outbox.queue_rendered_email(
        "interview_reminder", language, recipient=recipient, purpose=PURPOSE, now=now,
        context={**details, "recipient_name": recipient[1], "is_informant": is_informant},
        sequence=interview.sequence, informant_id=informant_id, user_id=user_id,
        interview_id=interview.id)
