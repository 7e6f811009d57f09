"""Personal calendar subscriptions: one secret, revocable URL per user."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from .. import audit
from ..auth.models import User
from ..database import utcnow
from ..extensions import db
from .models import CalendarFeed, Interview, interview_interviewer
from .queries import with_people

# How far back a feed reaches: enough for "what did I do last month", not the whole study.
FEED_HISTORY = timedelta(days=90)


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


def user_for_token(token, *, now=None):
    """The enabled user whose feed this token opens, or None."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.is_active:
        return None
    feed.last_fetched_at = now or utcnow()
    db.session.commit()
    return user


def feed_interviews(user, *, now=None):
    now = now or utcnow()
    return db.session.scalars(
        select(Interview).where(
            Interview.id.in_(select(interview_interviewer.c.interview_id)
                             .where(interview_interviewer.c.user_id == user.id)),
            Interview.ends_at >= now - FEED_HISTORY)
        .options(*with_people()).order_by(Interview.starts_at)).all()
