from datetime import date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..access import IDENTITY_ROLES, MANAGING_ROLES, UserRole
from ..database import UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..informants.models import Language
from ..timeutil import study_zone


class User(UserMixin, db.Model):
    """A member of the research team with an account (informants never have one)."""

    __tablename__ = "user"
    audit_type = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The language of their email (fieldwork.languages); new accounts get the study's.
    language: Mapped[Language] = mapped_column(enum_column(Language, length=2),
                                               default=lambda: _study_language())

    sessions = relationship("UserSession", back_populates="user", cascade="all, delete-orphan",
                            lazy="raise")

    @property
    def is_active(self):
        # expires_on is the last day in the study's calendar, not the server's (often UTC).
        today = datetime.now(study_zone()).date()
        return self.is_enabled and (self.expires_on is None or self.expires_on >= today)

    @property
    def sees_identities(self):
        return self.role in IDENTITY_ROLES

    @property
    def manages(self):
        return self.role in MANAGING_ROLES

    @property
    def is_admin(self):
        return self.role is UserRole.ADMIN

    def audit_snapshot(self):
        return {
            "email": self.email,
            "name": self.name,
            "role": self.role.value,
            "is_enabled": self.is_enabled,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "language": self.language.value if self.language else None,
        }


def _study_language():
    return Language(current_app.config["DEFAULT_LANGUAGE"])


class UserSession(db.Model):
    """A login on one browser. The cookie holds a random token; only its hash is stored, so
    logout or a password change ends the session even for a copied cookie."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship("User", back_populates="sessions")


class LoginThrottle(db.Model):
    """Login attempts per account and per address, to slow down guessing across all worker
    processes. One row per key, changed only by one atomic statement per attempt
    (fieldwork.auth.services), so parallel guesses cannot read the same count. Keys are keyed
    hashes: no email address or IP address is stored."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    # Attempts let through since the last success (for an account) within the window.
    attempts: Mapped[int] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # No attempt before this time: the slowdown after too many failures.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
