"""Security events in the audit log (issue 13, item 12; ASVS V7): refused access, refused
personal links, views and exports of identities; ids only, and a filter for admins."""

import json
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.consent import services as consent
from fieldwork.extensions import db
from tests import factories
from tests.consent.test_services import links_in


def security_events(action=None):
    db.session.rollback()
    query = select(AuditEvent).where(AuditEvent.action.startswith("security."))
    if action:
        query = query.where(AuditEvent.action == f"security.{action}")
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def as_text(event):
    return json.dumps([event.actor_label, event.entity_type, event.entity_id, event.before,
                       event.after], ensure_ascii=False)


def test_a_refused_page_is_recorded_with_who_and_where_only(app, client, login_as):
    analyst = login_as("analyst")
    assert client.get("/audit/").status_code == 403
    assert client.post("/informants/new", data={"name": "Kari Nordmann"}).status_code == 403
    first, second = security_events("access_refused")
    assert first.actor_id == analyst.id
    assert first.after == {"endpoint": "audit.list", "method": "GET"}
    assert second.after == {"endpoint": "informants.create", "method": "POST"}
    assert "Kari" not in as_text(second)


def test_forged_expired_and_used_links_are_recorded_without_the_token(app, client, outbox):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    consent.request_consent(informant, by=factories.make_user())
    links = links_in(outbox.last)
    token, withdraw = links["c"], links["w"]
    assert client.get(f"/c/{'A' * 43}").status_code == 404
    assert client.post(f"/w/{withdraw[:-1]}x").status_code == 404
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=31)):
        assert client.get(f"/c/{token}").status_code == 410
    assert client.post(f"/w/{withdraw}").status_code == 200  # withdrawn: the links are used up
    assert client.get(f"/w/{withdraw}").status_code == 410

    forged, forged_withdrawal, expired, used = security_events("link_refused")
    assert forged.after == {"purpose": "consent", "problem": "unknown"}
    assert forged.entity_id is None and forged.actor_label == "anonymous"
    assert forged_withdrawal.after == {"purpose": "withdraw", "problem": "unknown"}
    assert expired.after == {"purpose": "consent", "problem": "expired"}
    assert expired.entity_type == "consent_token" and expired.entity_id.isdigit()
    assert used.after == {"purpose": "withdraw", "problem": "used"}
    for event in (forged, forged_withdrawal, expired, used):
        text = as_text(event)
        assert token not in text and withdraw not in text and withdraw[:-1] not in text
        assert informant.email not in text


def test_a_view_of_an_informant_page_with_identities_is_recorded_once(app, client, login_as):
    researcher = login_as("researcher")
    informant = factories.make_informant(name="Kari Nordmann")
    assert client.get(f"/informants/{informant.id}").status_code == 200
    [event] = security_events("identity_view")
    assert (event.actor_id, event.entity_type, event.entity_id) == \
        (researcher.id, "informant", str(informant.id))
    assert event.after is None and "Kari" not in as_text(event)


def test_an_analysts_view_shows_no_identity_and_records_none(app, client, login_as):
    login_as("analyst")
    informant = factories.make_informant()
    assert client.get(f"/informants/{informant.id}").status_code == 200
    assert client.get("/informants/2147483647").status_code == 404
    assert security_events("identity_view") == []


def test_identity_exports_are_security_events(app, client, login_as):
    admin = login_as("admin")
    factories.make_informant(name="Kari Nordmann")
    assert client.get("/informants/export.csv").status_code == 200
    assert client.get("/exports/interviews-identified.xlsx").status_code == 200
    informants, interviews = security_events("identity_export")
    assert informants.actor_id == admin.id
    assert informants.after == {"export": "informants", "rows": 1}
    assert interviews.after == {"export": "interviews", "rows": 0}


def test_a_pseudonymised_export_is_no_security_event(app, client, login_as):
    login_as("analyst")
    factories.make_informant()
    assert client.get("/informants/export.csv").status_code == 200
    assert security_events("identity_export") == []


def test_admins_filter_the_audit_log_by_kind(app, client, login_as):
    login_as("analyst")
    client.get("/audit/")  # refused: a security event
    factories.make_organisation("Vestre Viken", "VVHT")  # a change
    login_as("admin")
    security = client.get("/audit/?kind=security").get_data(as_text=True)
    assert "security.access_refused" in security and "organisation.create" not in security
    other = client.get("/audit/?kind=other").get_data(as_text=True)
    assert "organisation.create" in other and "security.access_refused" not in other
    assert client.get("/audit/?kind=nonsense").status_code == 400
