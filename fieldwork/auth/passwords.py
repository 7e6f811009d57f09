"""Password hashing (argon2id) and the password policy."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

from ..i18n import current_language

MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn scores 0-4; below 3 means guessable within hours offline (common words, dates, patterns).
MIN_STRENGTH = 3
# zxcvbn refuses (ValueError) anything longer, and its matching gets slow on long input; the
# first 72 characters of a passphrase are enough to judge it.
_STRENGTH_CHECK_LENGTH = 72



@cache
def _hasher_for(parameters):
    """argon2id with the library's recommended parameters, unless PASSWORD_HASH_PARAMETERS names
    others (the tests use cheap ones); built on first use, not at import."""
    return PasswordHasher(**dict(parameters))


@cache
def _dummy_hash(hasher):
    """Verified against when the account does not exist, so timing does not reveal which emails
    exist; made with the same parameters as real hashes so that it costs the same."""
    return hasher.hash("not-a-real-password-only-for-constant-time")


def _hasher():
    return _hasher_for(tuple(sorted(current_app.config["PASSWORD_HASH_PARAMETERS"].items())))


def hash_password(password):
    return _hasher().hash(password)


def verify_password(password_hash, password):
    hasher = _hasher()
    # Made on the first login of any kind, not only of an unknown account, so that the first one
    # in a process costs the same whoever it is for (and no process makes it at start-up).
    dummy = _dummy_hash(hasher)
    try:
        return (hasher.verify(password_hash or dummy, password)
                and password_hash is not None)
    except (VerificationError, InvalidHashError):
        return False


def burn_time_for_unknown_account(password):
    verify_password(None, password)


def password_problem(password, *, user_inputs=()):
    """Why a password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)s characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)s characters.", count=MAX_LENGTH)
    from zxcvbn import zxcvbn  # its word lists load on first use, not in every process

    result = zxcvbn(password[:_STRENGTH_CHECK_LENGTH],
                    user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_STRENGTH:
        # zxcvbn's own hints are English: other languages get the sentence without them.
        hint = result["feedback"].get("warning") if current_language() == "en" else None
        if hint:
            return _("This password is too common or too easy to guess. %(hint)s", hint=hint)
        return _("This password is too common or too easy to guess. It is too easy to guess.")
    return None
