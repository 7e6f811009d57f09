"""Configuration classes, read from the environment variables in SETTINGS when the app is created.

SETTINGS is the one list of what can be set from outside: every variable is FIELDWORK_<KEY> for
the app.config key it fills (FIELDWORK_DATABASE_URL, older than the rule, fills
SQLALCHEMY_DATABASE_URI), and the README's configuration table lists the same variables (a test
holds the two together). A value that cannot be used stops start-up with a ConfigError naming
the variable.
"""

import copy
import math
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
STUDY_NAME = "AI in image diagnostics"
STUDY_NAME_NB = "KI i bildediagnostikk"

# Placeholders that people paste from examples; production refuses them.
_WEAK_SECRET_KEYS = {"", "dev", "secret", "changeme", "change-me", "please-change-me"}


class ConfigError(RuntimeError):
    """A setting cannot be used. The message names the variable, and never a secret's value."""


# Types: each turns the variable's text into a value, or raises ValueError saying what it must be.

@dataclass(frozen=True)
class Text:
    def __call__(self, text):
        return text


@dataclass(frozen=True)
class Integer:
    low: int
    high: int

    def __call__(self, text):
        # Only ASCII digits: int() would also take "1_000" and fullwidth or Arabic-Indic digits.
        if not re.fullmatch(r"[0-9]+", text.strip()) or not self.low <= int(text) <= self.high:
            raise ValueError(f"must be a whole number from {self.low} to {self.high}")
        return int(text)


@dataclass(frozen=True)
class Number:
    low: float
    high: float

    def __call__(self, text):
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text.strip()) or not (
                self.low <= float(text) <= self.high):
            raise ValueError(f"must be a number from {self.low:g} to {self.high:g}")
        return float(text)


@dataclass(frozen=True)
class Boolean:
    WORDS = {"1": True, "true": True, "yes": True, "on": True,
             "0": False, "false": False, "no": False, "off": False}

    def __call__(self, text):
        try:
            return self.WORDS[text.strip().lower()]
        except KeyError:
            raise ValueError("must be true or false (or yes/no, on/off, 1/0)") from None


@dataclass(frozen=True)
class Choice:
    choices: tuple

    def __call__(self, text):
        if text not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}")
        return text


@dataclass(frozen=True)
class IsoDate:
    def __call__(self, text):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError("must be a date written YYYY-MM-DD") from None


@dataclass(frozen=True)
class TimeZone:
    def __call__(self, text):
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Oslo") from None
        return text


@dataclass(frozen=True)
class Intervals:
    """`mail=5,heartbeat=1`: seconds per job name, over the defaults."""

    defaults: tuple  # (name, seconds) pairs

    def __call__(self, text):
        intervals = dict(self.defaults)
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, seconds = (part.strip() for part in item.partition("="))
            if (name not in intervals or not re.fullmatch(r"[0-9]+(\.[0-9]+)?", seconds)
                    or not 0 < float(seconds) <= 86400):
                raise ValueError(f"must be name=seconds, separated by commas, with names from "
                                 f"{', '.join(intervals)} and seconds above 0, at most 86400")
            intervals[name] = float(seconds)
        return intervals


@dataclass(frozen=True)
class Setting:
    """One environment variable: the app.config key it fills, its type, default and meaning."""

    key: str
    type: Any
    default: Any
    description: str
    env: str = ""  # only where the name is not FIELDWORK_<key>
    old_envs: tuple = ()  # names still read, with a warning at start-up
    secret: bool = False  # never shown in a message

    @property
    def name(self):
        return self.env or f"FIELDWORK_{self.key}"


_SCHEDULER_INTERVALS = (("heartbeat", 10), ("mail", 30), ("reminders", 60), ("consent", 3600),
                        ("digest", 300), ("retention", 3600),
                        ("busy", 60), ("replies", 60), ("offers", 900), ("memberchecks", 600))
MAX_CONTENT_LENGTH = 16 * 1024 * 1024

SETTINGS = (
    # FIELDWORK_ENV chooses the configuration class (config_from_environment), so the classes
    # themselves do not read it.
    Setting("ENV", Choice(("development", "production", "test")), "development",
            "development or production"),
    Setting("SQLALCHEMY_DATABASE_URI", Text(), f"sqlite:///{INSTANCE_DIR / 'fieldwork.db'}",
            "SQLAlchemy URL of the database", env="FIELDWORK_DATABASE_URL", secret=True),
    Setting("SECRET_KEY", Text(), None,
            "signs sessions and CSRF tokens; production refuses a weak one", secret=True),
    Setting("TIMEZONE", TimeZone(), "Europe/Oslo",
            "the study's time zone: every time is stored in UTC and shown in this zone"),
    Setting("BASE_URL", Text(), "http://127.0.0.1:5000",
            "the address informants and calendar clients reach the app at"),
    Setting("INTERVIEW_TRAVEL_BUFFER_MINUTES", Integer(0, 24 * 60), 30,
            "minutes kept free before and after in-person interviews, for the interviewers' "
            "travel", old_envs=("FIELDWORK_TRAVEL_BUFFER_MINUTES",)),
    Setting("MAIL_URL", Text(), f"file://{INSTANCE_DIR / 'mail'}",
            "where email goes (smtp://, smtps:// or file:///); may hold the SMTP password",
            secret=True),
    Setting("IMAP_URL", Text(), None,
            "the organizer address's mailbox, where calendar answers arrive (imaps://user:pass@host/"
            "INBOX, or imap:// with STARTTLS); empty: answers are not read. Holds the password",
            secret=True),
    Setting("IMAP_DONE_FOLDER", Text(), "fieldwork-answers",
            "the folder of that mailbox where answers go once recorded (created if missing)"),
    Setting("ORGANIZER_EMAIL", Text(), "coordinator@example.org",
            "the From of every message and the ORGANIZER of every invite: a mailbox someone reads"),
    # Names per language: an email or invite carries the names in its recipient's language.
    Setting("DEFAULT_LANGUAGE", Choice(("nb", "en")), "nb",
            "the study's language: new accounts get their email in it until they choose"),
    Setting("STUDY_NAME_NB", Text(), STUDY_NAME_NB,
            "the study's name in bokmål emails and invites"),
    Setting("STUDY_NAME_EN", Text(), STUDY_NAME,
            "the study's name in English emails and invites, and on the app's pages"),
    Setting("ORGANIZER_NAME_NB", Text(), None,
            "the sender's name and the invite's organizer name in bokmål; empty: the study name",
            old_envs=("FIELDWORK_ORGANIZER_NAME",)),
    Setting("ORGANIZER_NAME_EN", Text(), None,
            "the sender's name and the invite's organizer name in English; empty: the study name",
            old_envs=("FIELDWORK_ORGANIZER_NAME",)),
    Setting("MAIL_SEND_AFTER_REQUEST", Boolean(), True,
            "deliver a request's messages right after its response; false leaves them all to "
            "`flask mail send-pending` (or the scheduler)"),
    Setting("RECORDING_RETENTION_DAYS", Integer(1, 36500), 180,
            "days a recording may be kept after it is registered, unless a deadline is entered"),
    Setting("TRANSCRIPT_STUCK_DAYS", Integer(1, 3650), 14,
            "days a transcript may sit in one stage before the pipeline board marks it as stuck"),
    Setting("PROXY_FIX_HOPS", Integer(0, 10), 0,
            "reverse proxies in front of the app whose X-Forwarded-* headers are trusted"),
    Setting("CONSENT_LINK_DAYS", Integer(1, 3650), 30,
            "days an informant's consent link works (the withdrawal link always works)"),
    Setting("CONSENT_FOLLOW_UP_DAYS", Integer(1, 365), 7,
            "days after which an unanswered consent request is sent again"),
    Setting("CONSENT_FOLLOW_UPS", Integer(0, 20), 2,
            "how many times at most an unanswered consent request is sent again"),
    Setting("WITHDRAWAL_TASK_DAYS", Integer(1, 3650), 30,
            "days the team has for the data-handling checklist after a withdrawal"),
    Setting("CONSENT_UPLOAD_MAX_BYTES", Integer(1, MAX_CONTENT_LENGTH), 10 * 1024 * 1024,
            "largest consent evidence or information-letter PDF accepted (below the request "
            "limit)"),
    Setting("OFFER_CUTOFF_HOURS", Integer(0, 30 * 24), 24,
            "hours before an interview booked from an offer until which the informant may move "
            "or cancel it through their link"),
    Setting("MEMBER_CHECK_REMINDER_DAYS", Integer(1, 60), 3,
            "days before a member check's deadline its one reminder goes out (halfway, when the "
            "deadline is nearer than twice that)"),
    Setting("REMINDER_HOURS", Number(0, 30 * 24), 24,
            "hours before an interview its reminders go out"),
    Setting("DIGEST_HOUR", Integer(0, 23), 7,
            "the hour (study time) from which coordinators get their daily digest"),
    Setting("STUDY_END", IsoDate(), None,
            "the study's last day; identity data may be erased from the day after"),
    Setting("SCHEDULER_INTERVALS", Intervals(_SCHEDULER_INTERVALS), dict(_SCHEDULER_INTERVALS),
            "seconds between runs of each background job and between the scheduler's "
            "heartbeats; a lock whose heartbeat is 3 heartbeats old belongs to a dead process"),
    Setting("BUSY_REFRESH_MINUTES", Integer(1, 24 * 60), 15,
            "minutes between reads of each interviewer's own calendar for busy times"),
    Setting("BUSY_FETCH_TIMEOUT_SECONDS", Integer(1, 300), 20,
            "seconds a calendar server may take to send an interviewer's calendar"),
    Setting("BUSY_MAX_BYTES", Integer(1024, 100 * 1024 * 1024), 5 * 1024 * 1024,
            "largest interviewer calendar read, in bytes; a larger one is refused with a "
            "message on the interviewer's availability page"),
    Setting("BUSY_LOCAL_ADDRESSES", Boolean(), False,
            "read interviewers' calendars also from addresses on the server's own network "
            "(loopback, private ranges): only for a calendar server of your own there"),
    Setting("MAIL_SENDING_LEASE_SECONDS", Integer(1, 24 * 3600), 60,
            "a message whose sending lease was not renewed for this long belongs to a process "
            "that died mid-send, and is tried again (a live sender renews it every third of "
            "this)"),
    Setting("MAIL_CONNECTIONS", Integer(1, 8), 2,
            "SMTP connections a delivery run uses at once when it has more than a batch (50 "
            "emails) to send; 1 sends everything over one connection"),
    Setting("MIN_CELL_SIZE", Integer(1, 1000), 3,
            "k: an organisation × role or governance level × role with fewer informants is "
            "marked as a re-identification risk on the dashboard and in exports, and merged "
            "away in the coarsened exports"),
)
SETTING_BY_KEY = {setting.key: setting for setting in SETTINGS}


def _env(name):
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def read_setting(setting):
    """The setting's value from the environment, or its default; ConfigError if it is unusable."""
    name, text = setting.name, _env(setting.name)
    for old_name in setting.old_envs:
        if _env(old_name) is None:
            continue
        if text is None:
            warnings.warn(f"{old_name} is deprecated and will stop working: rename it {name}.",
                          FutureWarning, stacklevel=2)
            name, text = old_name, _env(old_name)
        else:
            warnings.warn(f"{old_name} is ignored because {name} is set: remove it.",
                          FutureWarning, stacklevel=2)
    if text is None:
        return copy.deepcopy(setting.default)  # a dict default is not shared between apps
    try:
        return setting.type(text)
    except ValueError as error:
        shown = " (the value is not shown: it is secret)" if setting.secret else f", not {text!r}"
        raise ConfigError(f"{name} {error}{shown}.") from None


def _development_secret_key():
    """A random key kept in instance/, so development sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings shared by every environment; those in SETTINGS are read when an instance is made."""

    TESTING = False
    DEBUG = False
    # No pool_pre_ping: a round trip before every transaction. fieldwork.database checks each
    # PostgreSQL connection as it leaves the pool instead, and pings only those idle for a while.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False}
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    MAX_CONTENT_LENGTH = MAX_CONTENT_LENGTH
    MAX_FORM_MEMORY_SIZE = 16 * 1024 * 1024
    PAGE_SIZE = 50
    # Informants the scheduling and offer forms list besides those already chosen; more are
    # found by searching.
    PICKER_PAGE_SIZE = 50
    # Login attempts (per account, per address) let through at once; after that each further
    # attempt waits LOGIN_DELAY_SECONDS, doubling each time up to LOGIN_MAX_DELAY_SECONDS. A
    # success starts the account's count again; LOGIN_THROTTLE_WINDOW quiet seconds start any count
    # again. A slowdown, not a lock: no one can keep an account's owner out with a few guesses.
    LOGIN_THROTTLE_WINDOW = 15 * 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_DELAY_SECONDS = 10
    LOGIN_MAX_DELAY_SECONDS = 600
    # argon2id parameters; empty means the library's current recommendation (time cost, memory).
    PASSWORD_HASH_PARAMETERS = {}
    # Email delivery (fieldwork.outbox): a temporary failure is retried after 60 s, then 120 s,
    # 240 s ... at most MAIL_RETRY_MAX_SECONDS apart; the message fails after MAIL_MAX_ATTEMPTS.
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 3600
    MAIL_MAX_ATTEMPTS = 8
    # Cards shown in each column of the pipeline board; the column header counts them all.
    PIPELINE_CARDS_PER_COLUMN = 50

    def __init__(self):
        for setting in SETTINGS:
            if setting.key != "ENV":
                setattr(self, setting.key, read_setting(setting))
        # The staff pages are in English, so they name the study as English emails do.
        self.STUDY_NAME = self.STUDY_NAME_EN


class DevelopmentConfig(Config):
    ENV = "development"

    def __init__(self):
        super().__init__()
        if not self.SECRET_KEY:
            self.SECRET_KEY = _development_secret_key()


class TestConfig(Config):
    __test__ = False  # not a pytest test class, despite the name
    ENV = "test"
    TESTING = True
    WTF_CSRF_ENABLED = False
    PAGE_SIZE = 25
    # About a thousand times cheaper than production; tests of hashing itself opt back into the
    # production parameters with @pytest.mark.production_hashing.
    PASSWORD_HASH_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}

    def __init__(self):
        super().__init__()
        self.SECRET_KEY = "test-secret-key-not-for-production-use-0123456789"
        # Tests read the English the code is written in; tests of the bokmål pages ask for it.
        self.DEFAULT_LANGUAGE = "en"
        self.MAIL_URL = "file:///dev/null"
        # Tests see the outbox as the request left it; the `smtp_server` fixture turns delivery
        # after the request back on, as in production.
        self.MAIL_SEND_AFTER_REQUEST = False
        # The calendar servers the tests start listen on 127.0.0.1.
        self.BUSY_LOCAL_ADDRESSES = True


class ProductionConfig(Config):
    ENV = "production"
    SESSION_COOKIE_SECURE = True

    def __init__(self):
        super().__init__()
        check_secret_key(self.SECRET_KEY)
        if (_env("FLASK_DEBUG") or "0").lower() not in ("0", "false", "no"):
            raise ConfigError("Debug mode must be off in production: unset FLASK_DEBUG.")


# NIST SP 800-57's smallest security strength for keys. The estimate errs low: a key of 32
# random bytes or more (the README's command, token_hex(32), openssl rand -base64 32) comes out
# above 230 bits and passes with a wide margin; 32 random hex digits (128 bits) come out near 150,
# and below 112 about once in a thousand keys, when the message says how to make a longer one.
SECRET_KEY_MIN_BITS = 112
SECRET_KEY_MIN_LENGTH = 32
_GENERATE_KEY = ("generate one with: python -c 'import secrets; "
                 "print(secrets.token_urlsafe(48))'")
_CHARACTER_CLASSES = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789")


def secret_key_bits(key):
    """An estimate, in bits, of how hard `key` is to guess, meant to be low rather than high.

    zxcvbn splits the key into what an attacker would guess: words, repeats ("changeme" four
    times), sequences ("abcdef", "0123"), keyboard walks, dates. Each such part counts what
    zxcvbn says guessing it takes; a part that follows no pattern counts its length times log2
    of the alphabet its character classes span (lower, upper, digits, other: 26 + 26 + 10 + 33).
    zxcvbn refuses long input and slows on it, so the key is read in 64-character pieces, and
    no further than 256 characters (more cannot make a key weaker).
    """
    from zxcvbn import zxcvbn

    if not key:
        return 0.0
    classes = [chars for chars in _CHARACTER_CLASSES if any(c in chars for c in key)]
    other = any(not any(c in chars for chars in _CHARACTER_CLASSES) for c in key)
    bits_per_character = math.log2(sum(map(len, classes)) + (33 if other else 0))
    bits = 0.0
    for start in range(0, min(len(key), 256), 64):
        for part in zxcvbn(key[start:start + 64])["sequence"]:
            random_bits = len(part["token"]) * bits_per_character
            bits += (random_bits if part["pattern"] == "bruteforce"
                     else min(math.log2(part["guesses"]), random_bits))
    return bits


def check_secret_key(key):
    """ConfigError unless `key` is long and unpredictable enough to sign production sessions.

    The message never repeats the key.
    """
    if not key:
        raise ConfigError(f"FIELDWORK_SECRET_KEY must be set in production: {_GENERATE_KEY}")
    if key.lower() in _WEAK_SECRET_KEYS or len(key) < SECRET_KEY_MIN_LENGTH:
        raise ConfigError(f"FIELDWORK_SECRET_KEY is too short: production needs at least "
                          f"{SECRET_KEY_MIN_LENGTH} random characters; {_GENERATE_KEY}")
    bits = secret_key_bits(key)
    if bits < SECRET_KEY_MIN_BITS:
        raise ConfigError(f"FIELDWORK_SECRET_KEY is too easy to guess (about {bits:.0f} bits of "
                          f"entropy by estimate; production needs {SECRET_KEY_MIN_BITS}: repeats, "
                          f"words and sequences count for little); {_GENERATE_KEY}")


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_from_environment():
    """The configuration named by FIELDWORK_ENV (development by default)."""
    return CONFIGS[read_setting(SETTING_BY_KEY["ENV"])]
