"""Interviews: schedule, reschedule, invite, confirm and cancel them.

Each public function here is one change and owns its transaction: it commits once, together with
its audit event and the emails it causes (outbox rows), and returns the interview. The emails go
out after the commit (fieldwork.outbox.delivery). Functions marked "no commit" are parts of a
larger change that their caller commits. The checks (fieldwork.interviews.planning) run before
anything is written.
"""

from flask_babel import gettext as _

from .. import audit
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from . import invitations
from .models import INVITED_STATUSES, Interview, InterviewStatus
from .planning import make_plan
from .queries import get_interview


def schedule_interview(values, *, by, now=None, send_invites=True):
    """A new interview; with `send_invites`, the invitations go out (SEQUENCE 0)."""
    interview = create_interview(values, by=by, now=now or utcnow(), send_invites=send_invites)
    db.session.commit()
    return interview


def create_interview(values, *, by, now, send_invites=True):
    """`schedule_interview` without the commit, for a caller whose change includes it (an
    informant booking an offered time). `by` may be a label for someone without an account."""
    plan = make_plan(values, now=now)
    interview = Interview(uid=invitations.new_uid(), sequence=0, status=InterviewStatus.PLANNED,
                          created_by_id=getattr(by, "id", None), created_at=now, updated_at=now)
    _apply(interview, plan)
    db.session.add(interview)
    db.session.flush()
    audit.record("interview.create", by=by, entity=interview, after=interview.audit_snapshot(),
                 now=now)
    _record_override(interview, plan, by=by, now=now)
    if send_invites:
        _invite(interview, by=by, now=now)
    return interview


def _apply(interview, plan):
    interview.informants = list(plan.informants)
    interview.interviewers = list(plan.interviewers)
    interview.starts_at, interview.ends_at = plan.starts_at, plan.ends_at
    interview.mode, interview.place, interview.meeting_url = plan.mode, plan.place, plan.meeting_url
    interview.guide_version_id = plan.guide_version.id
    interview.guide_version = plan.guide_version
    interview.language, interview.notes = plan.language, plan.notes


def _record_override(interview, plan, *, by, now):
    """Scheduling against an interviewer's availability, with the coordinator's reason; no
    commit. Which rule and whose, not the busy times themselves."""
    if plan.overridden:
        audit.record("interview.availability_override", by=by, entity=interview,
                     after={"reason": plan.override_reason,
                            "conflicts": [c.audit_entry() for c in plan.overridden]}, now=now)


def closed_message(status, action):
    """Why an interview no longer open (conducted, cancelled, no-show) refuses `action`
    ("changed" or "cancelled"), as one sentence in the page's language."""
    messages = {
        ("conducted", "changed"): _("A conducted interview cannot be changed."),
        ("cancelled", "changed"): _("A cancelled interview cannot be changed."),
        ("no-show", "changed"): _("A no-show interview cannot be changed."),
        ("conducted", "cancelled"): _("A conducted interview cannot be cancelled."),
        ("cancelled", "cancelled"): _("A cancelled interview cannot be cancelled."),
        ("no-show", "cancelled"): _("A no-show interview cannot be cancelled."),
    }
    return messages.get((status.value, action),
                        _("The interview is “%(status)s”, so it cannot be changed.",
                          status=status.label.lower()))


def _require_open(interview, action):
    if not interview.status.is_open:
        raise NotAllowed(closed_message(interview.status, action))


def _invite(interview, *, by, now):
    """Invitations to everyone on the interview (SEQUENCE as it stands); no commit."""
    recipients = invitations.attendees(interview)
    for recipient in recipients:
        _require_reachable(recipient)
    invitations.queue_request(interview, recipients, purpose="invite", by=by, now=now)
    interview.status = InterviewStatus.INVITED
    audit.record("interview.invite", by=by, entity=interview,
                 after={"sequence": interview.sequence, "status": interview.status.value,
                        "recipients": len(recipients)}, now=now)


def _require_reachable(recipient):
    if not recipient.email:
        raise DomainError(_("%(name)s has no email address, so no invitation can be sent. "
                            "Add one, or save without sending invitations.",
                            name=recipient.label), "informant_ids")


def send_invitations(interview, *, by, now=None):
    """Invite everyone to an interview saved without invitations."""
    now = now or utcnow()
    interview = get_interview(interview.id)
    if interview.status is not InterviewStatus.PLANNED:
        raise NotAllowed(_("Invitations for this interview have been sent already."))
    if interview.starts_at <= now:
        raise NotAllowed(_("The interview has started; invitations would come too late."))
    _invite(interview, by=by, now=now)
    db.session.commit()
    return interview


# What attendees see: a change to any of these must reach their calendars.
_VISIBLE_FIELDS = ("starts_at", "ends_at", "mode", "place", "meeting_url")


def reschedule_interview(interview, values, *, by, now=None):
    """Change an interview. Once invitations have gone out, a change attendees see raises the
    SEQUENCE and sends everyone the new version; someone added gets an invitation, someone
    removed a cancellation; a change to internal notes or the guide sends nothing."""
    interview, changed = update_interview(interview, values, by=by, now=now or utcnow())
    if changed:
        db.session.commit()
    else:
        db.session.rollback()
    return interview


def update_interview(interview, values, *, by, now):
    """`reschedule_interview` without the commit: (interview, whether anything changed)."""
    interview = get_interview(interview.id)
    _require_open(interview, "changed")
    plan = make_plan(values, now=now, current=interview)
    before = interview.audit_snapshot()
    old_attendees = {a.key: a for a in invitations.attendees(interview)}
    visible_before = [getattr(interview, name) for name in _VISIBLE_FIELDS]
    _apply(interview, plan)
    interview.updated_at = now
    new_attendees = {a.key: a for a in invitations.attendees(interview)}
    if interview.status in INVITED_STATUSES:
        moved = visible_before != [getattr(interview, name) for name in _VISIBLE_FIELDS]
        added = [a for key, a in new_attendees.items() if key not in old_attendees]
        removed = [a for key, a in old_attendees.items() if key not in new_attendees]
        if moved or added or removed:
            for recipient in added:
                _require_reachable(recipient)
            interview.sequence += 1
            if moved:
                kept = [a for key, a in new_attendees.items() if key in old_attendees]
                invitations.queue_request(interview, kept, purpose="update", by=by, now=now)
            invitations.queue_request(interview, added, purpose="invite", by=by, now=now)
            invitations.queue_cancel(interview, removed, by=by, now=now)
            if moved and interview.status is InterviewStatus.CONFIRMED:
                interview.status = InterviewStatus.INVITED  # the new time needs a new yes
    changed = audit.record_update("interview.update", by=by, entity=interview, before=before,
                                  after=interview.audit_snapshot(), now=now)
    if changed:
        _record_override(interview, plan, by=by, now=now)
    return interview, changed


def cancel_interview(interview, *, by, now=None):
    """Cancel an interview; everyone invited gets a cancellation that removes the event."""
    interview = cancel_open_interview(interview, by=by, now=now or utcnow())
    db.session.commit()
    return interview


def cancel_open_interview(interview, *, by, now):
    """`cancel_interview` without the commit, for a caller that cancels as part of a larger
    change (a withdrawal of consent) and commits once."""
    interview = get_interview(interview.id)
    _require_open(interview, "cancelled")
    before = interview.audit_snapshot()
    if interview.status in INVITED_STATUSES:
        interview.sequence += 1
        invitations.queue_cancel(interview, invitations.attendees(interview), by=by, now=now)
    interview.status = InterviewStatus.CANCELLED
    interview.cancelled_at = interview.updated_at = now
    audit.record("interview.cancel", by=by, entity=interview, before=before,
                 after=interview.audit_snapshot(), now=now)
    return interview


def remove_informant(interview, informant, *, by, now):
    """Take one informant off an interview that others still attend; no commit. Only they get a
    cancellation (naming only them), so the event stays in everyone else's calendar."""
    interview = get_interview(interview.id)
    _require_open(interview, "changed")
    before = interview.audit_snapshot()
    leaving = [a for a in invitations.attendees(interview) if a.informant_id == informant.id]
    interview.informants = [i for i in interview.informants if i.id != informant.id]
    if interview.status in INVITED_STATUSES and leaving:
        interview.sequence += 1
        invitations.queue_cancel(interview, leaving, by=by, now=now)
    interview.updated_at = now
    audit.record_update("interview.update", by=by, entity=interview, before=before,
                        after=interview.audit_snapshot(), now=now)
    return interview


def set_status(interview, status, *, by, now=None):
    """Confirmed (the informant said yes) or no-show (they did not come)."""
    now = now or utcnow()
    interview = get_interview(interview.id)
    allowed = {InterviewStatus.CONFIRMED: (InterviewStatus.INVITED,),
               InterviewStatus.NO_SHOW: (InterviewStatus.INVITED, InterviewStatus.CONFIRMED)}
    if interview.status not in allowed.get(status, ()):
        raise NotAllowed(_("The interview is “%(status)s”, so it cannot be marked “%(target)s”.",
                           status=interview.status.label.lower(), target=status.label.lower()))
    if status is InterviewStatus.NO_SHOW and interview.starts_at > now:
        raise NotAllowed(_("An interview can be marked as a no-show only once it has started."))
    before = {"status": interview.status.value}
    interview.status, interview.updated_at = status, now
    audit.record("interview.status", by=by, entity=interview, before=before,
                 after={"status": status.value}, now=now)
    db.session.commit()
    return interview


