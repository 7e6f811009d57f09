"""Personal calendar subscriptions: one secret, revocable URL per user.

Calendar clients poll a feed every few minutes to every hour, mostly to learn that nothing
changed. So a fetch first computes the feed's version from two aggregate queries and answers
304 when the client already holds it; only a changed feed is read (two Core queries with the
columns it shows, never the informants' identities) and written (fieldwork.ical).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select

from .. import audit, ical
from ..auth.models import User
from ..database import utcnow
from ..extensions import db
from ..informants.models import Informant
from .models import (CalendarFeed, Interview, InterviewMode, InterviewStatus, interview_informant,
                     interview_interviewer)

# How far back a feed reaches: enough for "what did I do last month", not the whole study.
FEED_HISTORY = timedelta(days=90)
# Part of every version: raise it when what the feed says about an interview changes, so that
# clients fetch the new wording instead of keeping the old one.
FEED_FORMAT = 1


@dataclass(frozen=True)
class OpenedFeed:
    """A feed a valid token opened: whose it is, and the version of what it holds now."""

    user_id: int
    version: str
    changed_at: datetime


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user):
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def reset_feed(user, *, by, now=None):
    """A new secret URL for `user`; the old one stops working at once. Returns the token, which
    is shown once and never stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)  # 256 bits
    existed = feed_of(user) is not None
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token), created_at=now))
    audit.record("calendar_feed.reset" if existed else "calendar_feed.create", by=by,
                 entity=user, now=now)
    db.session.commit()
    return token


def revoke_feed(user, *, by, now=None):
    now = now or utcnow()
    if db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id)).rowcount:
        audit.record("calendar_feed.revoke", by=by, entity=user, now=now)
    db.session.commit()


def open_feed(token, *, salt, now=None):
    """The feed this token opens for an enabled user, with its current version, or None.

    `salt` is what else the file depends on (the study's name, the app's address). The version
    is kept with the feed together with when it last changed (Last-Modified), in the same commit
    that records the fetch."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.is_active:
        return None
    version = content_version(user.id, salt=salt, now=now)
    if version != feed.version:
        # HTTP dates have whole seconds: a change must show as a later second than the last one,
        # or a client that fetched in that second would be told nothing changed.
        changed_at = now.replace(microsecond=0)
        if feed.changed_at is not None and changed_at <= feed.changed_at:
            changed_at = feed.changed_at + timedelta(seconds=1)
        feed.version, feed.changed_at = version, changed_at
    feed.last_fetched_at = now
    opened = OpenedFeed(user_id=user.id, version=feed.version, changed_at=feed.changed_at)
    db.session.commit()
    return opened


def _in_feed(user_id, now):
    """The ids of the interviews in the user's feed: theirs, not ended before the history window."""
    return (select(Interview.id)
            .join(interview_interviewer, interview_interviewer.c.interview_id == Interview.id)
            .where(interview_interviewer.c.user_id == user_id,
                   Interview.ends_at >= now - FEED_HISTORY))


def content_version(user_id, *, salt="", now=None):
    """A digest that changes whenever any event in the feed would: an interview added, dropped
    (also by leaving the history window), changed or cancelled, or an informant in it changed
    (their code).

    Every write to an interview sets its `updated_at`, and every write to an informant theirs;
    the count and the sums of ids catch an interview or informant leaving the feed and another
    coming in."""
    now = now or utcnow()
    ids = _in_feed(user_id, now).subquery()
    interviews = (select(func.count(), func.max(Interview.updated_at),
                         func.coalesce(func.sum(Interview.id), 0),
                         func.coalesce(func.sum(Interview.sequence), 0),
                         func.coalesce(func.sum(case(
                             (Interview.status == InterviewStatus.CANCELLED, 1), else_=0)), 0))
                  .where(Interview.id.in_(select(ids.c.id))))
    informants = (select(func.count(), func.max(Informant.updated_at),
                         func.coalesce(func.sum(Informant.id), 0))
                  .select_from(interview_informant)
                  .join(Informant, Informant.id == interview_informant.c.informant_id)
                  .where(interview_informant.c.interview_id.in_(select(ids.c.id))))
    row = (*db.session.execute(interviews).one(), *db.session.execute(informants).one())
    parts = [str(FEED_FORMAT), salt, *(
        value.isoformat() if isinstance(value, datetime) else str(value) for value in row)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


_FEED_MODES = {InterviewMode.IN_PERSON: "In person", InterviewMode.VIDEO: "Video",
               InterviewMode.PHONE: "Phone"}


def feed_file(user_id, *, name, base_url, now=None):
    """The feed itself: pseudonym codes, no names, no addresses, no other attendees, because
    calendar providers keep these feeds on their own servers."""
    now = now or utcnow()
    ids = _in_feed(user_id, now)
    rows = db.session.execute(
        select(Interview.id, Interview.uid, Interview.sequence, Interview.starts_at,
               Interview.ends_at, Interview.mode, Interview.place, Interview.status)
        .where(Interview.id.in_(ids)).order_by(Interview.starts_at, Interview.id)).all()
    codes = {}
    for interview_id, code in db.session.execute(
            select(interview_informant.c.interview_id, Informant.code)
            .join(Informant, Informant.id == interview_informant.c.informant_id)
            .where(interview_informant.c.interview_id.in_(ids)).order_by(Informant.code)):
        codes.setdefault(interview_id, []).append(code)
    base_url = base_url.rstrip("/")
    events = (ical.Event(
        uid=row.uid, sequence=row.sequence, starts_at=row.starts_at, ends_at=row.ends_at,
        summary=f"Interview {', '.join(codes.get(row.id, ()))}",
        # The feed's words are English whatever language the request happens to speak.
        location=row.place if row.mode is InterviewMode.IN_PERSON else _FEED_MODES[row.mode],
        description=f"{base_url}/interviews/{row.id}",
        cancelled=row.status is InterviewStatus.CANCELLED) for row in rows)
    return ical.build_feed(events, name=name, stamp=now)
