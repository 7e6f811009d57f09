"""The audit log: written with every change, append-only, readable by admins only."""

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from fieldwork.audit.models import AuditEvent
from fieldwork.extensions import db
from tests import factories


def test_database_refuses_to_change_or_delete_events(app):
    """UPDATE and DELETE on audit_event fail in the database itself."""
    factories.make_organisation()
    for statement in (update(AuditEvent).values(action="tampered"), delete(AuditEvent)):
        with pytest.raises(DatabaseError):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    assert db.session.scalar(select(AuditEvent.action)) == "organisation.create"


def test_audit_page_is_admin_only_and_filters(client, login_as):
    """Admins filter by action and record type; others get 403."""
    factories.make_informant(name="Kari Nordmann")
    login_as("coordinator")
    assert client.get("/audit/").status_code == 403
    login_as("admin")
    page = client.get("/audit/?action=informant.&entity_type=informant").data
    assert b"informant.create" in page and b"organisation.create" not in page
    assert client.get("/audit/?date_from=not-a-date").status_code == 400


def test_failed_and_successful_logins_are_audited(client, app):
    """Both outcomes of a login attempt leave an event."""
    user = factories.make_user("researcher")
    client.post("/login", data={"email": user.email, "password": "wrong-password-here"})
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    db.session.rollback()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "user",
                                                         AuditEvent.entity_id == str(user.id))).all()
    by_action = {e.action: e for e in events}
    # A failed attempt is not the account owner's act: who tried is unknown.
    assert by_action["auth.login_failed"].actor_id is None
    assert by_action["auth.login_failed"].actor_label == "anonymous"
    assert by_action["auth.login"].actor_id == user.id


def test_event_times_are_utc(app):
    """Events carry aware UTC timestamps on both databases."""
    factories.make_organisation()
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent))
    assert event.occurred_at.utcoffset().total_seconds() == 0
    raw = db.session.execute(text("SELECT occurred_at FROM audit_event")).scalar()
    assert raw is not None
