"""Informants' personal links: a random token in the URL, only its SHA-256 in the database.

A consent link (read the letter, tick the items, or withdraw) expires after
FIELDWORK_CONSENT_LINK_DAYS; a withdrawal link works as long as the study runs, because
withdrawing must stay as easy as consenting was. Every email gets fresh links: a stored hash
cannot be turned back into a URL.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from .models import ConsentFormVersion, ConsentRecord, ConsentStatus, ConsentToken, FormStatus, TokenPurpose

CONSENT_PATH = "/c/{token}"
WITHDRAW_PATH = "/w/{token}"
# What secrets.token_urlsafe(32) produces; anything else is refused without a database lookup.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


class TokenProblem(Exception):
    """A link that cannot be used. `kind`: "unknown" (never issued, or mistyped), "expired" or
    "used"; the pages say which in general terms and change nothing."""

    def __init__(self, kind, token_id=None):
        super().__init__(kind)
        self.kind = kind
        self.token_id = token_id  # the stored link, when there is one (for the audit log)


@dataclass(frozen=True)
class Links:
    consent_url: str | None = None
    withdraw_url: str | None = None
    expires_at: object = None
    form_version_id: int | None = None  # the form the consent link answers


def token_hash(token):
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue_token(informant_id, purpose, *, now, form_version_id=None):
    """A new token (to put in a URL once); its hash is added to the session."""
    token = secrets.token_urlsafe(32)
    expires_at = None
    if purpose is TokenPurpose.CONSENT:
        expires_at = now + timedelta(days=current_app.config["CONSENT_LINK_DAYS"])
    db.session.add(ConsentToken(informant_id=informant_id, token_hash=token_hash(token),
                                purpose=purpose, form_version_id=form_version_id,
                                created_at=now, expires_at=expires_at))
    return token


def url(path, token):
    return current_app.config["BASE_URL"].rstrip("/") + path.format(token=token)


def find_token(token, purpose, *, now):
    """The stored token for a URL's token, or TokenProblem. The lookup is by hash through a
    unique index: the database never compares the secret itself."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        raise TokenProblem("unknown")
    row = db.session.scalar(select(ConsentToken).where(ConsentToken.token_hash == token_hash(token)))
    if row is None or row.purpose is not purpose:
        raise TokenProblem("unknown")
    if row.used_at is not None:
        raise TokenProblem("used", row.id)
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenProblem("expired", row.id)
    return row


def use_token(row, now):
    """Mark the link used, once. A conditional UPDATE: of two answers sent at the same moment,
    the second finds the link used once the first has committed, and changes nothing."""
    used = db.session.execute(
        update(ConsentToken).where(ConsentToken.id == row.id, ConsentToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if not used:
        raise TokenProblem("used", row.id)
    set_committed_value(row, "used_at", now)


def informant_links(informant, now, *, form_version=None, offer_consent=True):
    """Fresh consent and withdrawal URLs for an email to this informant.

    None for both once they have withdrawn. A consent link only while there is something to
    answer (no consent yet, or a re-consent request open) and a form to answer it with:
    `form_version`, else the version requested, else the active one in their language.
    """
    record = db.session.scalar(select(ConsentRecord).where(ConsentRecord.informant_id == informant.id))
    status = record.status if record else ConsentStatus.NOT_REQUESTED
    if status is ConsentStatus.WITHDRAWN:
        return Links()
    consent_url = expires_at = None
    open_request = record is not None and record.requested_version_id is not None
    if form_version is None and (open_request or not status.is_consent):
        if open_request:
            form_version = db.session.get(ConsentFormVersion, record.requested_version_id)
        else:
            form_version = db.session.scalar(select(ConsentFormVersion).where(
                ConsentFormVersion.language == informant.language,
                ConsentFormVersion.status == FormStatus.ACTIVE))
    if offer_consent and form_version is not None and form_version.status is FormStatus.ACTIVE \
            and status is not ConsentStatus.DECLINED:
        token = issue_token(informant.id, TokenPurpose.CONSENT, now=now,
                            form_version_id=form_version.id)
        consent_url = url(CONSENT_PATH, token)
        expires_at = now + timedelta(days=current_app.config["CONSENT_LINK_DAYS"])
    withdraw_url = url(WITHDRAW_PATH, issue_token(informant.id, TokenPurpose.WITHDRAW, now=now))
    return Links(consent_url, withdraw_url, expires_at,
                 form_version.id if consent_url is not None else None)
