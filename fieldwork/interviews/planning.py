"""Planning an interview: scheduling input checked and turned into a Plan, before anything is
written. Scheduling and rescheduling (services) and recording what happened (afterwards) share
these rules; every refusal is a DomainError naming the form field it concerns."""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from ..access import UserRole
from ..auth.models import User
from ..database import lock_rows
from ..errors import DomainError
from ..extensions import db
from ..guides.models import GuideVersion, VersionStatus
from ..informants.models import Informant, Language, RecruitmentStatus
from ..timeutil import format_local, local_to_utc
from ..validation import clean_text
from .models import (
    MAX_DURATION,
    MIN_DURATION,
    OPEN_STATUSES,
    Interview,
    InterviewMode,
    interview_informant,
    interview_interviewer,
)

# Users who may sit in an interview; analysts work with pseudonymised data only.
INTERVIEWER_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.RESEARCHER)
_MEETING_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


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
    language: Language | None  # for all informant emails; None: each their own
    notes: str
    # Availability warnings the coordinator overrode (fieldwork.availability.checks), and why.
    overridden: tuple = field(default=())
    override_reason: str = ""


def parse_ids(values, key):
    """The distinct ids chosen in a multiple-choice field, sorted."""
    try:
        return sorted({int(v) for v in values.get(key) or ()})
    except (TypeError, ValueError):
        raise DomainError(_("Choose from the list."), key) from None


def parse_minutes(value, key):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Enter the duration in minutes."), key) from None


def parse_duration(value, key, *, minimum):
    """Whole minutes between `minimum` and MAX_DURATION."""
    duration = parse_minutes(value, key)
    if not minimum <= duration <= MAX_DURATION:
        raise DomainError(_("The duration must be between %(minimum)s and %(maximum)s minutes.",
                            minimum=minimum, maximum=MAX_DURATION), key)
    return duration


def load_interviewers(ids, key, *, missing, require_enabled=True):
    """Users who may interview, by id; refuses anyone who cannot (analysts, and unless told
    otherwise disabled accounts)."""
    users = _load(User, ids, key, missing)
    for user in users:
        if user.role not in INTERVIEWER_ROLES or (require_enabled and not user.is_enabled):
            raise DomainError(_("%(name)s cannot interview: only active admins, coordinators "
                                "and researchers can.", name=user.name), key)
    return users


def _load(model, ids, field_name, missing):
    rows = db.session.scalars(select(model).where(model.id.in_(ids))).all() if ids else []
    if len(rows) != len(ids) or not ids:
        raise DomainError(missing, field_name)
    return tuple(sorted(rows, key=lambda row: row.id))


def _not_schedulable(informant):
    """Why an informant who may not be contacted cannot be put in an interview."""
    messages = {
        RecruitmentStatus.DECLINED: _("%(code)s has declined to take part, so they cannot be "
                                      "scheduled.", code=informant.code),
        RecruitmentStatus.WITHDRAWN: _("%(code)s has withdrawn from the study, so they cannot be "
                                       "scheduled.", code=informant.code),
        RecruitmentStatus.DO_NOT_CONTACT: _("%(code)s has asked not to be contacted, so they "
                                            "cannot be scheduled.", code=informant.code),
    }
    return messages.get(informant.status, _("%(code)s cannot be scheduled.", code=informant.code))


def clean_meeting(values):
    """(mode, place, meeting link) from `values`: an in-person interview needs a place, a video
    interview a link. Shared with offers, whose interviews are made from them."""
    try:
        mode = InterviewMode(values.get("mode"))
    except ValueError:
        raise DomainError(_("Choose how the interview takes place."), "mode") from None
    place = clean_text(values.get("place"), max_length=300, label=_("Place"))
    meeting_url = _clean_meeting_url(values.get("meeting_url"))
    if mode is InterviewMode.IN_PERSON and not place:
        raise DomainError(_("Enter where the interview takes place."), "place")
    if mode is InterviewMode.VIDEO and not meeting_url:
        raise DomainError(_("Enter the meeting link for a video interview."), "meeting_url")
    return mode, place, meeting_url


def _clean_meeting_url(value):
    value = clean_text(value, max_length=500, label=_("Meeting link"))
    if value and not _MEETING_URL.fullmatch(value):
        raise DomainError(_("The meeting link must be a web address starting with https://."),
                          "meeting_url")
    return value


def make_plan(values, *, now, current=None):
    """Check scheduling input (a form's data) and turn it into a Plan, or raise the first
    problem. `current` is the interview being rescheduled, if any.

    Everyone involved is locked first (informants, then interviewers, each in id order) and read
    afresh: of two requests booking the same person at once, the second waits for the first to
    commit and then sees its interview, and a withdrawal made meanwhile is seen too."""
    informant_ids = parse_ids(values, "informant_ids")
    interviewer_ids = parse_ids(values, "interviewer_ids")
    lock_rows(Informant, informant_ids)
    lock_rows(User, interviewer_ids)
    informants = _load(Informant, informant_ids, "informant_ids", _("Choose at least one informant."))
    interviewers = load_interviewers(interviewer_ids, "interviewer_ids",
                                     missing=_("Choose at least one interviewer."))
    for informant in informants:
        if not informant.status.may_be_contacted:
            raise DomainError(_not_schedulable(informant), "informant_ids")

    starts_at = values.get("starts_at")  # an instant chosen already (an offered time)
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        day, start_time = values.get("start_date"), values.get("start_time")
        if not isinstance(day, date) or not isinstance(start_time, time):
            raise DomainError(_("Enter the date and time the interview starts."), "start_date")
        starts_at = local_to_utc(day, start_time)
    if parse_minutes(values.get("duration_minutes"), "duration_minutes") <= 0:
        raise DomainError(_("The interview must end after it starts: enter a positive duration."),
                          "duration_minutes")
    duration = parse_duration(values.get("duration_minutes"), "duration_minutes",
                              minimum=MIN_DURATION)
    ends_at = starts_at + timedelta(minutes=duration)
    time_changed = current is None or starts_at != current.starts_at
    if time_changed and starts_at <= now:
        raise DomainError(_("The interview cannot start in the past."), "start_date")

    mode, place, meeting_url = clean_meeting(values)
    guide_version = guide_version_of(values.get("guide_version_id"), current)
    language = informant_language(values.get("language"))
    notes = clean_text(values.get("notes"), max_length=10000, label=_("Notes"), multiline=True)
    plan = Plan(informants, interviewers, starts_at, ends_at, mode, place, meeting_url,
                guide_version, language, notes)
    _check_overlaps(plan, exclude_id=current.id if current else None)
    return _check_availability(plan, values, current)


def _check_availability(plan, values, current):
    """Working hours, dates away and the interviewers' own busy times: warnings that a reason
    overrides. An edit that keeps the time, mode and interviewers is not warned about again."""
    from ..availability.checks import availability_conflicts

    if current is not None and (current.starts_at, current.ends_at, current.mode,
                                sorted(u.id for u in current.interviewers)) == (
            plan.starts_at, plan.ends_at, plan.mode, sorted(u.id for u in plan.interviewers)):
        return plan
    conflicts = availability_conflicts(plan.interviewers, plan.starts_at, plan.ends_at,
                                       in_person=plan.mode is InterviewMode.IN_PERSON)
    if not conflicts:
        return plan
    reason = clean_text(values.get("availability_reason"), max_length=500,
                        label=_("Reason for scheduling anyway"))
    if not reason:
        raise DomainError(" ".join([*(str(c.message) for c in conflicts),
                                    _("To schedule at this time anyway, give the reason here.")]),
                          "availability_reason")
    return replace(plan, overridden=tuple(conflicts), override_reason=reason)


def informant_language(value):
    """The language chosen for every informant's emails about the interview, or None: each
    informant reads their own (fieldwork.languages)."""
    if isinstance(value, Language) or value is None:
        return value
    if not value.strip():
        return None
    try:
        return Language(value.strip())
    except ValueError:
        raise DomainError(_("Choose a language for the informants' emails, or their own."),
                          "language") from None


def guide_version_of(value, current):
    try:
        version_id = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Choose the guide version to use."), "guide_version_id") from None
    version = db.session.scalar(select(GuideVersion).where(GuideVersion.id == version_id)
                                .options(selectinload(GuideVersion.guide)))
    keeps_current = current is not None and current.guide_version_id == version_id
    if version is None or not (version.status is VersionStatus.PUBLISHED or
                               (keeps_current and version.status is VersionStatus.RETIRED)):
        raise DomainError(_("Choose a published guide version: drafts and retired versions cannot "
                            "be used for new interviews."), "guide_version_id")
    return version


class TimeTaken(DomainError):
    """The time clashes with an interview someone in the plan already has."""


def open_interviews_near(starts_at, ends_at, informant_ids, user_ids, *, exclude_id=None):
    """Open interviews of these informants or interviewers that come within the travel buffer
    of `starts_at`..`ends_at`, with their people loaded: the candidates `clashes` judges."""
    buffer = timedelta(minutes=current_app.config["INTERVIEW_TRAVEL_BUFFER_MINUTES"])
    return db.session.scalars(
        select(Interview)
        .where(Interview.status.in_(OPEN_STATUSES),
               Interview.starts_at < ends_at + buffer,
               Interview.ends_at > starts_at - buffer,
               # Every interview lasts at most MAX_DURATION (checked on every save), so one
               # that ends after `starts_at - buffer` started after this: the index on
               # starts_at then reads a few hours, not every interview before the new one.
               Interview.starts_at > starts_at - buffer - timedelta(minutes=MAX_DURATION),
               Interview.id != (exclude_id or 0),
               or_(exists().where(interview_informant.c.interview_id == Interview.id,
                                  interview_informant.c.informant_id.in_(informant_ids)),
                   exists().where(interview_interviewer.c.interview_id == Interview.id,
                                  interview_interviewer.c.user_id.in_(user_ids))))
        .options(selectinload(Interview.informants), selectinload(Interview.interviewers))
        .order_by(Interview.starts_at)).all()


def clashes(starts_at, ends_at, mode, other):
    """The travel time kept around the two (a timedelta, maybe zero) when an interview from
    `starts_at` to `ends_at` in `mode` would clash with `other`; None when it would not."""
    buffer = timedelta(minutes=current_app.config["INTERVIEW_TRAVEL_BUFFER_MINUTES"])
    travel = buffer if InterviewMode.IN_PERSON in (mode, other.mode) else timedelta(0)
    if other.starts_at < ends_at + travel and other.ends_at > starts_at - travel:
        return travel
    return None


def _check_overlaps(plan, *, exclude_id=None):
    """Refuse a time when an interviewer or informant is already booked, counting a travel
    buffer before and after whichever of the two interviews is in person. Only sound with
    everyone in the plan locked, as `make_plan` does before calling it."""
    informant_ids = [i.id for i in plan.informants]
    user_ids = [u.id for u in plan.interviewers]
    for other in open_interviews_near(plan.starts_at, plan.ends_at, informant_ids, user_ids,
                                      exclude_id=exclude_id):
        travel = clashes(plan.starts_at, plan.ends_at, plan.mode, other)
        if travel is None:
            continue
        busy_users = [u.name for u in other.interviewers if u.id in user_ids]
        busy_informants = [i.code for i in other.informants if i.id in informant_ids]
        who, field_name = ((busy_users[0], "interviewer_ids") if busy_users
                           else (busy_informants[0], "informant_ids"))
        start, end = format_local(other.starts_at), format_local(other.ends_at, "%H:%M")
        if travel:
            message = _("%(who)s is already booked for an interview %(start)s–%(end)s, and "
                        "in-person interviews keep %(minutes)s minutes free around them for "
                        "travel.", who=who, start=start, end=end,
                        minutes=int(travel.total_seconds() // 60))
        else:
            message = _("%(who)s is already booked for an interview %(start)s–%(end)s.",
                        who=who, start=start, end=end)
        raise TimeTaken(message, field_name)
