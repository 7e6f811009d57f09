"""Slowing down password guessing, per account and per address, across every worker process.

Each attempt is counted before the password is checked, by one atomic statement on the key's
row (INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING): of thirty guesses sent at once,
each gets its own count, and those that come too early get no row back and are refused without
hashing anything. After `free` attempts the key must wait before the next one, twice as long
each time (LOGIN_DELAY_SECONDS, doubling, at most LOGIN_MAX_DELAY_SECONDS): a slowdown, not a
lock, so five wrong guesses by anyone cannot keep an account's owner out for long (OWASP
Authentication Cheat Sheet, "Account Lockout"). No helper here commits.
"""

import hashlib
import hmac
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import UTCDateTime
from ..extensions import db
from .models import LoginThrottle


def throttle_key(kind, value):
    """`account:` or `address:` and a keyed hash of the value: never the value itself."""
    secret = current_app.config["SECRET_KEY"].encode()
    return kind + ":" + hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:64]


def delays():
    """The waits after the free attempts, doubling up to the cap: 10, 20, 40 ... 600 seconds."""
    config = current_app.config
    first, cap = config["LOGIN_DELAY_SECONDS"], config["LOGIN_MAX_DELAY_SECONDS"]
    waits = []
    while not waits or waits[-1] < cap:
        waits.append(min(first * 2 ** len(waits), cap))
    return waits


def claim_attempt(key, *, free, now):
    """Count an attempt for `key`; False when it comes before the key's next allowed time."""
    table = LoginThrottle.__table__
    since = now - timedelta(seconds=current_app.config["LOGIN_THROTTLE_WINDOW"])
    stale = table.c.last_attempt_at < since  # a quiet window starts the count again
    attempts = case((stale, 1), else_=table.c.attempts + 1)
    waits = delays()
    next_attempt_at = case(
        (attempts < free, None),
        *[(attempts == free + n, literal(now + timedelta(seconds=wait), UTCDateTime))
          for n, wait in enumerate(waits[:-1])],
        else_=literal(now + timedelta(seconds=waits[-1]), UTCDateTime))
    insert = (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert
    statement = (
        insert(LoginThrottle)
        .values(key=key, attempts=1, last_attempt_at=now,
                next_attempt_at=now + timedelta(seconds=waits[0]) if free <= 1 else None)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"attempts": attempts, "last_attempt_at": now, "next_attempt_at": next_attempt_at},
            where=or_(stale, table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now))
        .returning(table.c.attempts))
    return db.session.execute(statement).first() is not None


def seconds_to_wait(keys, now):
    """How long until every one of `keys` may be tried again (for Retry-After)."""
    latest = db.session.scalar(select(LoginThrottle.next_attempt_at)
                               .where(LoginThrottle.key.in_(keys))
                               .order_by(LoginThrottle.next_attempt_at.desc()).limit(1))
    return max(1, math.ceil((latest - now).total_seconds())) if latest and latest > now else 1


def forget_account(key):
    """A successful login: the account's count starts again."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def refund_address(key):
    """A successful login gives its address back the attempt, so people sharing one address (a
    hospital's network) are not slowed down by their own logins; it does not clear the count,
    or a guesser could reset it by logging into an account of their own."""
    db.session.execute(update(LoginThrottle)
                       .where(LoginThrottle.key == key, LoginThrottle.attempts > 0)
                       .values(attempts=LoginThrottle.attempts - 1)
                       .execution_options(synchronize_session=False))


def forget_old(now):
    """Rows idle for a day no longer count for anything; clearing them keeps the table small."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_attempt_at < now - timedelta(days=1)))
