"""Security events (ASVS V7): refused access, refused personal links, and who looked at or took
informants' identities. Actions start with `security.`; the event holds ids and route names
only, never a token, name, address or IP address.

Each function here is one change and commits, since the requests they record change nothing
else (a refused request is rolled back first)."""

from sqlalchemy import or_

from ..database import utcnow
from ..extensions import db
from .models import AuditEvent
from .services import record

SECURITY_PREFIX = "security."
# What the audit page's "Security events" filter shows: these and every login event.
SECURITY_ACTION_PREFIXES = (SECURITY_PREFIX, "auth.")


def is_security_event():
    """A WHERE clause for the security events."""
    return or_(*(AuditEvent.action.startswith(prefix) for prefix in SECURITY_ACTION_PREFIXES))


def record_access_refused(*, by, endpoint, method, now=None):
    """A 403: whatever the request did so far is discarded, the refusal is kept."""
    db.session.rollback()
    record(SECURITY_PREFIX + "access_refused", by=by, after={"endpoint": endpoint,
                                                             "method": method},
           now=now or utcnow())
    db.session.commit()


def record_link_refused(*, purpose, problem, token_id=None, now=None,
                        entity_type="consent_token"):
    """A personal link that is forged, mistyped, expired or used up. `token_id` names the stored
    link when there is one (expired, used); the token itself is never kept."""
    db.session.rollback()
    record(SECURITY_PREFIX + "link_refused", by="anonymous", entity_type=entity_type,
           entity_id=token_id, after={"purpose": purpose, "problem": problem},
           now=now or utcnow())
    db.session.commit()


def record_identity_view(*, by, informant_id, now=None):
    """Someone who sees identities opened an informant's page: name, email and phone."""
    record(SECURITY_PREFIX + "identity_view", by=by, entity_type="informant",
           entity_id=informant_id, now=now or utcnow())
    db.session.commit()


def add_identity_export(*, by, export, rows, now=None):
    """A file with informants' identities left the system; in the caller's transaction."""
    record(SECURITY_PREFIX + "identity_export", by=by, after={"export": export, "rows": rows},
           now=now or utcnow())
