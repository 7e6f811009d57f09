"""Configuration classes, read from FIELDWORK_* environment variables when the app is created."""

import os
import secrets
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Placeholders that people paste from examples; production refuses them.
_WEAK_SECRET_KEYS = {"", "dev", "secret", "changeme", "change-me", "please-change-me"}


def _env(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _development_secret_key():
    """A random key kept in instance/, so development sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _intervals(text, defaults):
    """`mail=5,heartbeat=1` over the defaults: seconds per job name."""
    intervals = dict(defaults)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, seconds = item.partition("=")
        if name.strip() not in defaults or not seconds.strip().replace(".", "", 1).isdigit():
            raise RuntimeError(f"FIELDWORK_SCHEDULER_INTERVALS: {item!r} is not one of "
                               f"{', '.join(defaults)} = seconds")
        intervals[name.strip()] = float(seconds)
    return intervals


class Config:
    """Settings shared by every environment."""

    TESTING = False
    DEBUG = False
    STUDY_NAME = "AI in image diagnostics"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 16 * 1024 * 1024
    PAGE_SIZE = 50
    # Failed logins allowed within LOGIN_THROTTLE_WINDOW seconds before further tries are refused.
    LOGIN_THROTTLE_WINDOW = 15 * 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    PROXY_FIX_HOPS = 0
    # argon2id parameters; empty means the library's current recommendation (time cost, memory).
    PASSWORD_HASH_PARAMETERS = {}
    # Email delivery (fieldwork.outbox): a temporary failure is retried after 60 s, then 120 s,
    # 240 s ... at most MAIL_RETRY_MAX_SECONDS apart; the message fails after MAIL_MAX_ATTEMPTS.
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 3600
    MAIL_MAX_ATTEMPTS = 8
    # A message whose sending lease was not renewed for this long belongs to a process that died
    # mid-send (a live sender renews it every third of this while it sends).
    MAIL_SENDING_LEASE_SECONDS = 60
    # Minutes kept free before and after an in-person interview, for the interviewers' travel.
    INTERVIEW_TRAVEL_BUFFER_MINUTES = 30
    # Days a recording may be kept after it is registered, unless a deadline is entered.
    RECORDING_RETENTION_DAYS = 180
    # Days a transcript may sit in one stage before the pipeline board marks it as stuck.
    TRANSCRIPT_STUCK_DAYS = 14
    # Cards shown in each column of the pipeline board; the column header counts them all.
    PIPELINE_CARDS_PER_COLUMN = 50
    # Consent: an informant's consent link works this many days (the withdrawal link always);
    # an unanswered request is followed up after CONSENT_FOLLOW_UP_DAYS, at most
    # CONSENT_FOLLOW_UPS times; a withdrawal's data-handling tasks are due in WITHDRAWAL_TASK_DAYS.
    CONSENT_LINK_DAYS = 30
    CONSENT_FOLLOW_UP_DAYS = 7
    CONSENT_FOLLOW_UPS = 2
    WITHDRAWAL_TASK_DAYS = 30
    # Evidence (PDF, JPEG, PNG) and information letters (PDF); below MAX_CONTENT_LENGTH.
    CONSENT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    # Background jobs (fieldwork.scheduler): seconds between runs of each job, and between the
    # scheduler's heartbeats; a lock whose heartbeat is 3 heartbeats old belongs to a dead process.
    SCHEDULER_INTERVALS = {"heartbeat": 10, "mail": 30, "reminders": 60, "consent": 3600,
                           "digest": 300, "retention": 3600}
    # Interview reminders go this many hours before the start; the digest at this local hour.
    REMINDER_HOURS = 24
    DIGEST_HOUR = 7

    def __init__(self):
        self.SQLALCHEMY_DATABASE_URI = _env(
            "FIELDWORK_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'fieldwork.db'}"
        )
        self.SECRET_KEY = _env("FIELDWORK_SECRET_KEY")
        self.TIMEZONE = _env("FIELDWORK_TIMEZONE", "Europe/Oslo")
        self.BASE_URL = _env("FIELDWORK_BASE_URL", "http://127.0.0.1:5000")
        self.MAIL_URL = _env("FIELDWORK_MAIL_URL", f"file://{INSTANCE_DIR / 'mail'}")
        # The From of every message and the ORGANIZER of every invite: a mailbox someone reads.
        self.ORGANIZER_EMAIL = _env("FIELDWORK_ORGANIZER_EMAIL", "coordinator@example.org")
        self.ORGANIZER_NAME = _env("FIELDWORK_ORGANIZER_NAME", self.STUDY_NAME)
        # Deliver a request's messages right after its response; off leaves them all to
        # `flask mail send-pending` (or the scheduler).
        self.MAIL_SEND_AFTER_REQUEST = _env("FIELDWORK_MAIL_SEND_AFTER_REQUEST", "true").lower() in (
            "1", "true", "yes", "on")
        self.PROXY_FIX_HOPS = int(_env("FIELDWORK_PROXY_FIX_HOPS", self.PROXY_FIX_HOPS))
        self.INTERVIEW_TRAVEL_BUFFER_MINUTES = int(
            _env("FIELDWORK_TRAVEL_BUFFER_MINUTES", self.INTERVIEW_TRAVEL_BUFFER_MINUTES))
        self.RECORDING_RETENTION_DAYS = int(
            _env("FIELDWORK_RECORDING_RETENTION_DAYS", self.RECORDING_RETENTION_DAYS))
        self.TRANSCRIPT_STUCK_DAYS = int(
            _env("FIELDWORK_TRANSCRIPT_STUCK_DAYS", self.TRANSCRIPT_STUCK_DAYS))
        for name in ("CONSENT_LINK_DAYS", "CONSENT_FOLLOW_UP_DAYS", "CONSENT_FOLLOW_UPS",
                     "WITHDRAWAL_TASK_DAYS", "CONSENT_UPLOAD_MAX_BYTES"):
            setattr(self, name, int(_env(f"FIELDWORK_{name}", getattr(self, name))))
        self.MAIL_SENDING_LEASE_SECONDS = int(
            _env("FIELDWORK_MAIL_SENDING_LEASE_SECONDS", self.MAIL_SENDING_LEASE_SECONDS))
        self.REMINDER_HOURS = float(_env("FIELDWORK_REMINDER_HOURS", self.REMINDER_HOURS))
        self.DIGEST_HOUR = int(_env("FIELDWORK_DIGEST_HOUR", self.DIGEST_HOUR))
        self.SCHEDULER_INTERVALS = _intervals(_env("FIELDWORK_SCHEDULER_INTERVALS", ""),
                                              self.SCHEDULER_INTERVALS)
        # The last day of the study; identity data may be erased from the day after.
        study_end = _env("FIELDWORK_STUDY_END")
        self.STUDY_END = date.fromisoformat(study_end) if study_end else None


class DevelopmentConfig(Config):
    def __init__(self):
        super().__init__()
        if not self.SECRET_KEY:
            self.SECRET_KEY = _development_secret_key()


class TestConfig(Config):
    __test__ = False  # not a pytest test class, despite the name
    TESTING = True
    WTF_CSRF_ENABLED = False
    PAGE_SIZE = 25
    # About a thousand times cheaper than production; tests of hashing itself opt back into the
    # production parameters with @pytest.mark.production_hashing.
    PASSWORD_HASH_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}

    def __init__(self):
        super().__init__()
        self.SECRET_KEY = "test-secret-key-not-for-production-use-0123456789"
        self.MAIL_URL = "file:///dev/null"
        # Tests see the outbox as the request left it; the `smtp_server` fixture turns delivery
        # after the request back on, as in production.
        self.MAIL_SEND_AFTER_REQUEST = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    def __init__(self):
        super().__init__()
        key = self.SECRET_KEY or ""
        if key.lower() in _WEAK_SECRET_KEYS or len(key) < 32:
            raise RuntimeError(
                "FIELDWORK_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if _env("FLASK_DEBUG", "0").lower() not in ("0", "false", "no"):
            raise RuntimeError("Debug mode must be off in production: unset FLASK_DEBUG.")


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_from_environment():
    """The configuration named by FIELDWORK_ENV (development by default)."""
    name = _env("FIELDWORK_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"FIELDWORK_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return CONFIGS[name]
