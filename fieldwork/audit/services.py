from ..database import utcnow
from ..extensions import db
from .models import AuditEvent

COMMAND_LINE = "command line"


def record(action, *, by, entity=None, entity_type=None, entity_id=None, before=None, after=None,
           now=None):
    """Add an audit event to the current transaction; the caller's commit makes it permanent.

    `by` is a User, or a label for actions without an account (COMMAND_LINE, "informant link").
    `entity` may be a model instance with an `audit_type` attribute, instead of type and id.
    """
    if entity is not None:
        entity_type = entity.audit_type
        entity_id = entity.id
    actor_id = getattr(by, "id", None)
    actor_label = getattr(by, "email", None) or (by if isinstance(by, str) else "anonymous")
    event = AuditEvent(
        occurred_at=now or utcnow(),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def changed_fields(before, after):
    """The part of two snapshots that differs, so an update's event shows only what changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record_update(action, *, by, entity, before, after, now=None):
    """Record an update with only the fields that changed; nothing when nothing did.
    Returns whether anything changed."""
    if after == before:
        return False
    changed_before, changed_after = changed_fields(before, after)
    record(action, by=by, entity=entity, before=changed_before, after=changed_after, now=now)
    return True
