"""Password hashing (argon2id) and the password policy."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn scores 0-4; below 3 means guessable within hours offline (common words, dates, patterns).
MIN_STRENGTH = 3
# zxcvbn refuses (ValueError) anything longer, and its matching gets slow on long input; the
# first 72 characters of a passphrase are enough to judge it.
_STRENGTH_CHECK_LENGTH = 72

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the account does not exist, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-constant-time")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def burn_time_for_unknown_account(password):
    verify_password(None, password)


def password_problem(password, *, user_inputs=()):
    """Why a password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    result = zxcvbn(password[:_STRENGTH_CHECK_LENGTH],
                    user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_STRENGTH:
        hint = result["feedback"].get("warning") or "It is too easy to guess."
        return f"This password is too common or too easy to guess. {hint}".strip()
    return None
