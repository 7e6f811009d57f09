"""Interviews: schedule, reschedule, invite, confirm and cancel them, and find them again.

Each change commits once, together with its audit event and the emails it causes (outbox rows);
the emails are delivered after the commit. The checks run before anything is written, and every
refusal is a DomainError naming the form field it concerns.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..access import UserRole
from ..auth.models import User
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..guides.models import GuideVersion, VersionStatus, guide_target_role
from ..informants.models import Informant, Language, RecruitmentStatus
from ..timeutil import format_local, local_to_utc, where_on_local_days
from ..validation import clean_text
from . import invitations
from .models import (INVITED_STATUSES, OPEN_STATUSES, Interview, InterviewMode, InterviewStatus,
                     interview_informant, interview_interviewer)

# Users who may sit in an interview; analysts work with pseudonymised data only.
INTERVIEWER_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.RESEARCHER)
MIN_DURATION, MAX_DURATION = 10, 8 * 60
# Informants whose answer was no: scheduling them would mean contacting them again.
UNREACHABLE = {
    RecruitmentStatus.DECLINED: "has declined to take part",
    RecruitmentStatus.WITHDRAWN: "has withdrawn from the study",
    RecruitmentStatus.DO_NOT_CONTACT: "has asked not to be contacted",
}
_MEETING_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


@dataclass
class Change:
    """What a service did: the interview, and the emails it queued (delivered after commit)."""

    interview: Interview
    messages: list = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    """Validated scheduling input, before it touches an interview."""

    informants: tuple
    interviewers: tuple
    starts_at: datetime
    ends_at: datetime
    mode: InterviewMode
    place: str
    meeting_url: str
    guide_version: GuideVersion
    language: Language
    notes: str


# Reading


@dataclass
class InterviewFilter:
    upcoming: bool | None = True  # True: from now on; False: before now; None: all
    organisation_id: int | None = None
    role_id: int | None = None
    interviewer_id: int | None = None
    status: InterviewStatus | None = None
    date_from: date | None = None
    date_to: date | None = None


def _with_people():
    return (selectinload(Interview.informants).selectinload(Informant.organisation),
            selectinload(Interview.informants).selectinload(Informant.role),
            selectinload(Interview.interviewers),
            selectinload(Interview.guide_version).selectinload(GuideVersion.guide))


def interview_query(criteria, *, now=None):
    """Interviews matching the list's filters, with everyone on them loaded in a fixed number of
    queries whatever the page size."""
    now = now or utcnow()
    query = select(Interview).options(*_with_people())
    if criteria.upcoming is True:
        query = query.where(Interview.ends_at >= now).order_by(Interview.starts_at, Interview.id)
    else:
        if criteria.upcoming is False:
            query = query.where(Interview.ends_at < now)
        query = query.order_by(Interview.starts_at.desc(), Interview.id.desc())
    if criteria.organisation_id or criteria.role_id:
        informant_match = (select(interview_informant.c.interview_id)
                           .join(Informant, Informant.id == interview_informant.c.informant_id))
        if criteria.organisation_id:
            informant_match = informant_match.where(Informant.organisation_id == criteria.organisation_id)
        if criteria.role_id:
            informant_match = informant_match.where(Informant.role_id == criteria.role_id)
        query = query.where(Interview.id.in_(informant_match))
    if criteria.interviewer_id:
        query = query.where(Interview.id.in_(
            select(interview_interviewer.c.interview_id)
            .where(interview_interviewer.c.user_id == criteria.interviewer_id)))
    if criteria.status:
        query = query.where(Interview.status == criteria.status)
    return query.where(*where_on_local_days(Interview.starts_at, criteria.date_from,
                                            criteria.date_to))


def get_interview(interview_id):
    return db.session.scalar(select(Interview).where(Interview.id == interview_id)
                             .options(*_with_people()))


def interviews_between(starts_at, ends_at, *, interviewer_id=None):
    """Interviews that begin in [starts_at, ends_at), for the calendar pages."""
    query = (select(Interview).options(*_with_people())
             .where(Interview.starts_at >= starts_at, Interview.starts_at < ends_at)
             .order_by(Interview.starts_at, Interview.id))
    if interviewer_id:
        query = query.where(Interview.id.in_(
            select(interview_interviewer.c.interview_id)
            .where(interview_interviewer.c.user_id == interviewer_id)))
    return db.session.scalars(query).all()


def interviews_of_informant(informant_id):
    return db.session.scalars(
        select(Interview).join(interview_informant)
        .where(interview_informant.c.informant_id == informant_id)
        .options(*_with_people()).order_by(Interview.starts_at.desc())).all()


def interviewer_choices():
    users = db.session.scalars(select(User).where(User.role.in_(INTERVIEWER_ROLES),
                                                  User.is_enabled.is_(True))
                               .order_by(func.lower(User.name))).all()
    return [(u.id, u.name) for u in users]


def informant_choices():
    """Every informant who may still be asked, as (id, "CODE · name")."""
    rows = db.session.execute(
        select(Informant.id, Informant.code, Informant.name)
        .where(Informant.status.not_in(list(UNREACHABLE))).order_by(Informant.code)).all()
    return [(row.id, f"{row.code} · {row.name}") for row in rows]


def suggested_guide_version(informant):
    """The most recently published version of a guide aimed at the informant's role, if any."""
    return db.session.scalar(
        select(GuideVersion).where(
            GuideVersion.status == VersionStatus.PUBLISHED,
            GuideVersion.guide_id.in_(select(guide_target_role.c.guide_id)
                                      .where(guide_target_role.c.role_id == informant.role_id)))
        .order_by(GuideVersion.published_at.desc()).limit(1))


# Checking


def _ids(values, key):
    try:
        return sorted({int(v) for v in values.get(key) or ()})
    except (TypeError, ValueError):
        raise DomainError("Choose from the list.", key) from None


def _load(model, ids, field_name, missing):
    rows = db.session.scalars(select(model).where(model.id.in_(ids))).all() if ids else []
    if len(rows) != len(ids) or not ids:
        raise DomainError(missing, field_name)
    return tuple(sorted(rows, key=lambda row: row.id))


def _clean_meeting_url(value):
    value = clean_text(value, max_length=500, label="Meeting link")
    if value and not _MEETING_URL.fullmatch(value):
        raise DomainError("The meeting link must be a web address starting with https://.",
                          "meeting_url")
    return value


def make_plan(values, *, now, current=None):
    """Check scheduling input (a form's data) and turn it into a Plan, or raise the first
    problem. `current` is the interview being rescheduled, if any."""
    informants = _load(Informant, _ids(values, "informant_ids"), "informant_ids",
                       "Choose at least one informant.")
    interviewers = _load(User, _ids(values, "interviewer_ids"), "interviewer_ids",
                         "Choose at least one interviewer.")
    for user in interviewers:
        if user.role not in INTERVIEWER_ROLES or not user.is_enabled:
            raise DomainError(f"{user.name} cannot interview: only active admins, coordinators "
                              "and researchers can.", "interviewer_ids")
    for informant in informants:
        if informant.status in UNREACHABLE:
            raise DomainError(f"{informant.code} {UNREACHABLE[informant.status]}, so they cannot "
                              "be scheduled.", "informant_ids")

    day, start_time = values.get("start_date"), values.get("start_time")
    if not isinstance(day, date) or not isinstance(start_time, time):
        raise DomainError("Enter the date and time the interview starts.", "start_date")
    starts_at = local_to_utc(day, start_time)
    try:
        duration = int(values.get("duration_minutes"))
    except (TypeError, ValueError):
        raise DomainError("Enter the duration in minutes.", "duration_minutes") from None
    if duration <= 0:
        raise DomainError("The interview must end after it starts: enter a positive duration.",
                          "duration_minutes")
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise DomainError(f"The duration must be between {MIN_DURATION} and {MAX_DURATION} minutes.",
                          "duration_minutes")
    ends_at = starts_at + timedelta(minutes=duration)
    time_changed = current is None or starts_at != current.starts_at
    if time_changed and starts_at <= now:
        raise DomainError("The interview cannot start in the past.", "start_date")

    try:
        mode = InterviewMode(values.get("mode"))
    except ValueError:
        raise DomainError("Choose how the interview takes place.", "mode") from None
    place = clean_text(values.get("place"), max_length=300, label="Place")
    meeting_url = _clean_meeting_url(values.get("meeting_url"))
    if mode is InterviewMode.IN_PERSON and not place:
        raise DomainError("Enter where the interview takes place.", "place")
    if mode is InterviewMode.VIDEO and not meeting_url:
        raise DomainError("Enter the meeting link for a video interview.", "meeting_url")

    guide_version = _guide_version(values.get("guide_version_id"), current)
    try:
        language = Language(values.get("language") or informants[0].language.value)
    except ValueError:
        raise DomainError("Choose the invitation language.", "language") from None
    notes = clean_text(values.get("notes"), max_length=10000, label="Notes", multiline=True)
    plan = Plan(informants, interviewers, starts_at, ends_at, mode, place, meeting_url,
                guide_version, language, notes)
    _check_overlaps(plan, exclude_id=current.id if current else None)
    return plan


def _guide_version(value, current):
    try:
        version_id = int(value)
    except (TypeError, ValueError):
        raise DomainError("Choose the guide version to use.", "guide_version_id") from None
    version = db.session.scalar(select(GuideVersion).where(GuideVersion.id == version_id)
                                .options(selectinload(GuideVersion.guide)))
    keeps_current = current is not None and current.guide_version_id == version_id
    if version is None or not (version.status is VersionStatus.PUBLISHED or
                               (keeps_current and version.status is VersionStatus.RETIRED)):
        raise DomainError("Choose a published guide version: drafts and retired versions cannot "
                          "be used for new interviews.", "guide_version_id")
    return version


def _check_overlaps(plan, *, exclude_id=None):
    """Refuse a time when an interviewer or informant is already booked, counting a travel
    buffer before and after whichever of the two interviews is in person."""
    buffer = timedelta(minutes=current_app.config["INTERVIEW_TRAVEL_BUFFER_MINUTES"])
    informant_ids = [i.id for i in plan.informants]
    user_ids = [u.id for u in plan.interviewers]
    candidates = db.session.scalars(
        select(Interview)
        .where(Interview.status.in_(OPEN_STATUSES),
               Interview.starts_at < plan.ends_at + buffer,
               Interview.ends_at > plan.starts_at - buffer,
               Interview.id != (exclude_id or 0),
               or_(exists().where(interview_informant.c.interview_id == Interview.id,
                                  interview_informant.c.informant_id.in_(informant_ids)),
                   exists().where(interview_interviewer.c.interview_id == Interview.id,
                                  interview_interviewer.c.user_id.in_(user_ids))))
        .options(selectinload(Interview.informants), selectinload(Interview.interviewers))
        .order_by(Interview.starts_at)).all()
    for other in candidates:
        travel = buffer if InterviewMode.IN_PERSON in (plan.mode, other.mode) else timedelta(0)
        if not (other.starts_at < plan.ends_at + travel and other.ends_at > plan.starts_at - travel):
            continue
        busy_users = [u.name for u in other.interviewers if u.id in user_ids]
        busy_informants = [i.code for i in other.informants if i.id in informant_ids]
        who, field_name = ((busy_users[0], "interviewer_ids") if busy_users
                           else (busy_informants[0], "informant_ids"))
        slot = f"{format_local(other.starts_at)}–{format_local(other.ends_at, '%H:%M')}"
        why = (f", and in-person interviews keep {int(travel.total_seconds() // 60)} minutes free "
               "around them for travel") if travel else ""
        raise DomainError(f"{who} is already booked for an interview {slot}{why}.", field_name)


# Changing


def schedule_interview(values, *, by, now=None, send_invites=True):
    """A new interview; with `send_invites`, the invitations go out (SEQUENCE 0)."""
    now = now or utcnow()
    plan = make_plan(values, now=now)
    interview = Interview(uid=invitations.new_uid(), sequence=0, status=InterviewStatus.PLANNED,
                          created_by_id=by.id if by else None, created_at=now, updated_at=now)
    _apply(interview, plan)
    db.session.add(interview)
    db.session.flush()
    audit.record("interview.create", by=by, entity=interview, after=interview.audit_snapshot(),
                 now=now)
    change = Change(interview)
    if send_invites:
        _invite(change, by=by, now=now)
    db.session.commit()
    return change


def _apply(interview, plan):
    interview.informants = list(plan.informants)
    interview.interviewers = list(plan.interviewers)
    interview.starts_at, interview.ends_at = plan.starts_at, plan.ends_at
    interview.mode, interview.place, interview.meeting_url = plan.mode, plan.place, plan.meeting_url
    interview.guide_version_id = plan.guide_version.id
    interview.guide_version = plan.guide_version
    interview.language, interview.notes = plan.language, plan.notes


def _require_open(interview, action):
    if not interview.status.is_open:
        raise NotAllowed(f"A {interview.status.label.lower()} interview cannot be {action}.")


def _invite(change, *, by, now):
    interview = change.interview
    for recipient in invitations.attendees(interview):
        _require_reachable(recipient)
    change.messages += invitations.queue_request(interview, invitations.attendees(interview),
                                                 purpose="invite", by=by, now=now)
    interview.status = InterviewStatus.INVITED
    audit.record("interview.invite", by=by, entity=interview,
                 after={"sequence": interview.sequence, "status": interview.status.value,
                        "recipients": len(change.messages)}, now=now)


def _require_reachable(recipient):
    if not recipient.email:
        raise DomainError(f"{recipient.label} has no email address, so no invitation can be sent. "
                          "Add one, or save without sending invitations.", "informant_ids")


def send_invitations(interview, *, by, now=None):
    """Invite everyone to an interview saved without invitations."""
    now = now or utcnow()
    interview = get_interview(interview.id)
    if interview.status is not InterviewStatus.PLANNED:
        raise NotAllowed("Invitations for this interview have been sent already.")
    if interview.starts_at <= now:
        raise NotAllowed("The interview has started; invitations would come too late.")
    change = Change(interview)
    _invite(change, by=by, now=now)
    db.session.commit()
    return change


# What attendees see: a change to any of these must reach their calendars.
_VISIBLE_FIELDS = ("starts_at", "ends_at", "mode", "place", "meeting_url")


def reschedule_interview(interview, values, *, by, now=None):
    """Change an interview. Once invitations have gone out, a change attendees see raises the
    SEQUENCE and sends everyone the new version; someone added gets an invitation, someone
    removed a cancellation; a change to internal notes or the guide sends nothing."""
    now = now or utcnow()
    interview = get_interview(interview.id)
    _require_open(interview, "changed")
    plan = make_plan(values, now=now, current=interview)
    before = interview.audit_snapshot()
    old_attendees = {a.key: a for a in invitations.attendees(interview)}
    visible_before = [getattr(interview, name) for name in _VISIBLE_FIELDS]
    _apply(interview, plan)
    interview.updated_at = now
    new_attendees = {a.key: a for a in invitations.attendees(interview)}
    change = Change(interview)
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
                change.messages += invitations.queue_request(interview, kept, purpose="update",
                                                             by=by, now=now)
            change.messages += invitations.queue_request(interview, added, purpose="invite",
                                                         by=by, now=now)
            change.messages += invitations.queue_cancel(interview, removed, by=by, now=now)
            if moved and interview.status is InterviewStatus.CONFIRMED:
                interview.status = InterviewStatus.INVITED  # the new time needs a new yes
    if audit.record_update("interview.update", by=by, entity=interview, before=before,
                           after=interview.audit_snapshot(), now=now):
        db.session.commit()
    else:
        db.session.rollback()
    return change


def cancel_interview(interview, *, by, now=None):
    """Cancel an interview; everyone invited gets a cancellation that removes the event."""
    change = cancel_open_interview(interview, by=by, now=now or utcnow())
    db.session.commit()
    return change


def cancel_open_interview(interview, *, by, now):
    """`cancel_interview` without the commit, for a caller that cancels as part of a larger
    change (a withdrawal of consent) and commits once."""
    interview = get_interview(interview.id)
    _require_open(interview, "cancelled")
    before = interview.audit_snapshot()
    change = Change(interview)
    if interview.status in INVITED_STATUSES:
        interview.sequence += 1
        change.messages += invitations.queue_cancel(interview, invitations.attendees(interview),
                                                    by=by, now=now)
    interview.status = InterviewStatus.CANCELLED
    interview.cancelled_at = interview.updated_at = now
    audit.record("interview.cancel", by=by, entity=interview, before=before,
                 after=interview.audit_snapshot(), now=now)
    return change


def remove_informant(interview, informant, *, by, now):
    """Take one informant off an interview that others still attend; no commit. Only they get a
    cancellation (naming only them), so the event stays in everyone else's calendar."""
    interview = get_interview(interview.id)
    _require_open(interview, "changed")
    before = interview.audit_snapshot()
    change = Change(interview)
    leaving = [a for a in invitations.attendees(interview) if a.informant_id == informant.id]
    interview.informants = [i for i in interview.informants if i.id != informant.id]
    if interview.status in INVITED_STATUSES and leaving:
        interview.sequence += 1
        change.messages += invitations.queue_cancel(interview, leaving, by=by, now=now)
    interview.updated_at = now
    audit.record_update("interview.update", by=by, entity=interview, before=before,
                        after=interview.audit_snapshot(), now=now)
    return change


def mark_conducted(interview, *, by, now=None):
    """The interview took place as scheduled; see `afterwards.mark_conducted`, which records
    what actually happened and refuses it without every informant's participation consent."""
    from .afterwards import mark_conducted as record_conducted  # it builds on this module

    return Change(record_conducted(interview, by=by, now=now))


def set_status(interview, status, *, by, now=None):
    """Confirmed (the informant said yes) or no-show (they did not come)."""
    now = now or utcnow()
    interview = get_interview(interview.id)
    allowed = {InterviewStatus.CONFIRMED: (InterviewStatus.INVITED,),
               InterviewStatus.NO_SHOW: (InterviewStatus.INVITED, InterviewStatus.CONFIRMED)}
    if interview.status not in allowed.get(status, ()):
        raise NotAllowed(f"A {interview.status.label.lower()} interview cannot be marked "
                         f"{status.label.lower()}.")
    if status is InterviewStatus.NO_SHOW and interview.starts_at > now:
        raise NotAllowed("An interview can be marked as a no-show only once it has started.")
    before = {"status": interview.status.value}
    interview.status, interview.updated_at = status, now
    audit.record("interview.status", by=by, entity=interview, before=before,
                 after={"status": status.value}, now=now)
    db.session.commit()
    return Change(interview)


# The calendar pages


def calendar_weeks(view, day):
    """The weeks (lists of seven dates, Monday first) a week or month page shows around `day`,
    and the UTC instants they span, for the query."""
    if view == "month":
        first = day.replace(day=1)
        start = first - timedelta(days=first.weekday())
        following = (first + timedelta(days=32)).replace(day=1)
        end = following + timedelta(days=(7 - following.weekday()) % 7)
    else:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    weeks = [days[n:n + 7] for n in range(0, len(days), 7)]
    return weeks, local_to_utc(start, time(0)), local_to_utc(end, time(0))
