import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select

from .. import audit
from ..access import UserRole
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..informants.models import Language
from ..validation import clean_email, clean_person_name
from . import throttle
from .models import User, UserSession
from .passwords import burn_time_for_unknown_account, hash_password, password_problem, verify_password

# Who acted in a failed or throttled login is unknown: the account is what was acted upon.
ANONYMOUS = "anonymous"
GENERIC_LOGIN_ERROR = _l("The email address or password is not correct.")
THROTTLED_LOGIN_ERROR = _l("Too many failed attempts. Wait a few minutes and try again.")


class LoginRefused(DomainError):
    pass


class LoginThrottled(LoginRefused):
    """Refused without checking the password: too soon after too many attempts. `retry_after`:
    seconds until a new attempt is counted."""

    def __init__(self, message, retry_after=1):
        super().__init__(message)
        self.retry_after = retry_after


class PasswordChangeThrottled(DomainError):
    pass


def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email, password, *, address, now=None):
    """The user these credentials belong to, or LoginRefused.

    The attempt is counted per address and per account before the password is checked, and
    committed at once, so that guesses sent in parallel (by other worker processes too) see it:
    the one exception to "one request, one transaction", because the count must stand whatever
    happens next. Every attempt is audited (logged in, failed, throttled) by the account's id
    alone; an unknown email leaves no trace of what was typed."""
    now = now or utcnow()
    config = current_app.config
    account_key = throttle.throttle_key("account", (email or "").strip().lower())
    address_key = throttle.throttle_key("address", address or "unknown")
    user = find_user_by_email(email or "")
    if not (throttle.claim_attempt(address_key, free=config["LOGIN_MAX_FAILURES_PER_ADDRESS"], now=now)
            and throttle.claim_attempt(account_key, free=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                                       now=now)):
        # No password hashing here: a refused attempt must stay cheap, or throttling would not
        # protect the server; every email is throttled alike, so timing reveals nothing.
        retry_after = throttle.seconds_to_wait([address_key, account_key], now)
        audit.record("auth.login_throttled", by=ANONYMOUS, entity=user, now=now)
        db.session.commit()
        raise LoginThrottled(THROTTLED_LOGIN_ERROR, retry_after)
    db.session.commit()
    if user is None:
        burn_time_for_unknown_account(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.is_active
    if not ok:
        throttle.forget_old(now)
        audit.record("auth.login_failed", by=ANONYMOUS, entity=user, now=now)
        db.session.commit()
        raise LoginRefused(GENERIC_LOGIN_ERROR)
    # The address's row first, then the account's, as the attempt was claimed: two logins to
    # one account from one address (a double click) would otherwise each lock a row the other
    # waits for, and PostgreSQL would end one of them with a deadlock.
    throttle.refund_address(address_key)
    throttle.forget_account(account_key)
    return user


def start_session(user, *, now=None):
    """Open a login session and return its token (kept in the signed session cookie)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])
    db.session.add(UserSession(token_hash=_hash_token(token), user=user, created_at=now,
                               expires_at=now + lifetime))
    db.session.execute(delete(UserSession).where(UserSession.expires_at < now))
    return token


def log_in(email, password, *, address, now=None):
    """Check the credentials, open a session and audit the login: (user, session token)."""
    now = now or utcnow()
    user = authenticate(email, password, address=address, now=now)
    token = start_session(user, now=now)
    audit.record("auth.login", by=user, entity=user, now=now)
    db.session.commit()
    return user, token


def user_for_session(user_id, token, *, now=None):
    """The active user owning this session token, or None when the session has ended."""
    if not token or not str(user_id).isdigit():
        return None
    now = now or utcnow()
    user = db.session.scalar(_user_for_session_statement(),
                             {"user_id": int(user_id), "token_hash": _hash_token(token), "now": now})
    return user if user is not None and user.is_active else None


@cache
def _user_for_session_statement():
    """Built once: every request runs it, and building it each time cost as much as running it."""
    return select(User).join(UserSession).where(
        User.id == bindparam("user_id"),
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.expires_at > bindparam("now"),
    )


def log_out(user, token, *, now=None):
    db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash_token(token or "")))
    audit.record("auth.logout", by=user, entity=user, now=now)
    db.session.commit()


def validate_new_password(password, *, email="", name=""):
    problem = password_problem(password, user_inputs=[email, *name.split()])
    if problem:
        raise DomainError(problem, field="new_password")


def change_password(user, current_password, new_password, *, now=None):
    """Set a new password and end every session of the user; returns a fresh session token."""
    now = now or utcnow()
    # The current-password check must not become an unthrottled way to guess the password (from
    # a session left open): it counts against the same account limit as logins, before checking.
    account_key = throttle.throttle_key("account", user.email)
    if not throttle.claim_attempt(account_key, now=now,
                                  free=current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        audit.record("auth.password_change_throttled", by=user, entity=user, now=now)
        db.session.commit()
        raise PasswordChangeThrottled(THROTTLED_LOGIN_ERROR, field="current_password")
    db.session.commit()
    if not verify_password(user.password_hash, current_password):
        audit.record("auth.password_change_failed", by=user, entity=user, now=now)
        db.session.commit()
        raise DomainError(_("The current password is not correct."), field="current_password")
    throttle.forget_account(account_key)
    if current_password == new_password:
        raise DomainError(_("Choose a password different from the current one."),
                          field="new_password")
    validate_new_password(new_password, email=user.email, name=user.name)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    token = start_session(user, now=now)
    audit.record("user.password_changed", by=user, entity=user, now=now)
    db.session.commit()
    return token


def create_user(email, name, role, password, *, by, expires_on=None, language=None, now=None):
    """A new account; `language` (of their email) is the study's unless given."""
    email = clean_email(email)
    name = clean_person_name(name, max_length=200, required=True, label=_l("Name"))
    try:
        role = UserRole(role)
    except ValueError:
        raise DomainError(_("Role must be one of: %(roles)s.",
                            roles=", ".join(r.value for r in UserRole)),
                          field="role") from None
    if find_user_by_email(email):
        raise DomainError(_("A user with this email address already exists."), field="email")
    language = clean_language(language) if language else Language(
        current_app.config["DEFAULT_LANGUAGE"])
    validate_new_password(password, email=email, name=name)
    user = User(email=email, name=name, role=role, password_hash=hash_password(password),
                expires_on=expires_on, language=language,
                created_at=now or utcnow(), password_changed_at=now or utcnow())
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", by=by, entity=user, after=user.audit_snapshot(), now=now)
    db.session.commit()
    return user


def deactivate_user(email, *, by, now=None):
    user = find_user_by_email(email)
    if user is None:
        raise DomainError("No user has this email address.", field="email")
    before = user.audit_snapshot()
    user.is_enabled = False
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit.record("user.deactivate", by=by, entity=user, before=before, after=user.audit_snapshot(),
                 now=now)
    db.session.commit()
    return user


def clean_language(value):
    """A language the app writes email in, or DomainError."""
    try:
        return value if isinstance(value, Language) else Language((value or "").strip())
    except ValueError:
        raise DomainError(f"Choose a language: {', '.join(choice.label for choice in Language)}.",
                          field="language") from None


def set_language(user, language, *, by, now=None):
    """Change the language `user` gets their email in (from their account page, or an admin's
    user management); audited. Returns the user."""
    language = clean_language(language)
    if user.language is language:
        return user
    before = user.audit_snapshot()
    user.language = language
    audit.record("user.update", by=by, entity=user, before=before, after=user.audit_snapshot(),
                 now=now)
    db.session.commit()
    return user


def list_users():
    return db.session.scalars(select(User).order_by(User.email)).all()
