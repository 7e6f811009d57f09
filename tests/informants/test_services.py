"""The informant registry without HTTP: codes, refusals naming the field, phone numbers, audit, and
search."""

import pytest
from sqlalchemy import select

from fieldwork import audit
from fieldwork.audit.models import AuditEvent
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.informants import services
from fieldwork.informants.models import Informant
from tests import factories


def _values(organisation, role, **overrides):
    values = {"name": "Kari Nordmann", "email": "kari@example.org", "phone": "",
              "organisation_id": organisation.id, "role_id": role.id, "job_title": "Consultant",
              "language": "nb", "status": "identified", "notes": ""}
    values.update(overrides)
    return values


def test_codes_follow_organisation_and_role_and_count_up(vvht, radiologist):
    """Codes are ORG-ROLE-NN, numbered per prefix."""
    first = factories.make_informant(vvht, radiologist)
    second = factories.make_informant(vvht, radiologist)
    other_role = factories.make_informant(vvht, factories.make_role(code="RGR"))
    assert (first.code, second.code) == ("VVHT-RAD-01", "VVHT-RAD-02")
    assert other_role.code == "VVHT-RGR-01"


def test_code_of_deleted_informant_is_never_reused(vvht, radiologist):
    """After deletion, the next informant gets a new number, not the freed one."""
    first = factories.make_informant(vvht, radiologist)
    second = factories.make_informant(vvht, radiologist)
    services.delete_informant(second, by=audit.COMMAND_LINE)
    services.delete_informant(first, by=audit.COMMAND_LINE)
    assert factories.make_informant(vvht, radiologist).code == "VVHT-RAD-03"


def test_code_does_not_change_when_role_or_organisation_changes(vvht, radiologist):
    """The pseudonym is assigned once: editing the informant keeps it."""
    informant = factories.make_informant(vvht, radiologist)
    other = factories.make_organisation(code="VHT")
    services.update_informant(informant, _values(other, radiologist, email="new@example.org"),
                              by=audit.COMMAND_LINE)
    assert factories.reload(Informant, informant.id).code == "VVHT-RAD-01"


def test_duplicate_email_names_the_existing_informant(vvht, radiologist):
    """A second informant with the same email (any case) is refused, naming the first."""
    factories.make_informant(vvht, radiologist, email="kari@example.org", name="Kari Nordmann")
    with pytest.raises(DomainError) as error:
        services.create_informant(_values(vvht, radiologist, email="Kari@Example.org",
                                          name="Someone Else"), by=audit.COMMAND_LINE)
    assert error.value.field == "email"
    assert "VVHT-RAD-01" in error.value.message and "Kari Nordmann" in error.value.message
    assert db.session.scalar(select(db.func.count()).select_from(Informant)) == 1


@pytest.mark.parametrize("field, value", [
    ("email", "not-an-email"),
    ("email", "kari@example.org\r\nBcc: x@y.z"),
    ("phone", "12"),
    ("phone", "+47 1234"),
    ("name", ""),
    ("name", "Kari\x00Nordmann"),
    ("name", "Kari\u2028Nordmann"),
    ("name", "K" * 201),
    ("status", "hired"),
    ("language", "de"),
])
def test_invalid_values_are_refused_with_the_field_named(vvht, radiologist, field, value):
    """Each bad value raises a DomainError for its field and saves nothing."""
    with pytest.raises(DomainError) as error:
        services.create_informant(_values(vvht, radiologist, **{field: value}), by=audit.COMMAND_LINE)
    assert error.value.field == field
    assert db.session.scalar(select(db.func.count()).select_from(Informant)) == 0


@pytest.mark.parametrize("typed, stored", [
    ("91234567", "+4791234567"),
    ("+47 912 34 567", "+4791234567"),
    ("+46 70 123 45 67", "+46701234567"),
])
def test_phone_numbers_are_stored_as_e164(vvht, radiologist, typed, stored):
    """Norwegian numbers without a prefix and international ones become E.164."""
    informant = services.create_informant(_values(vvht, radiologist, phone=typed),
                                          by=audit.COMMAND_LINE)
    assert informant.phone == stored


def test_every_change_is_audited_with_before_and_after(vvht, radiologist):
    """Create, update and delete each write an event with the state before and after."""
    user = factories.make_user("coordinator")
    informant = services.create_informant(_values(vvht, radiologist), by=user)
    services.update_informant(informant, _values(vvht, radiologist, status="contacted"), by=user)
    services.delete_informant(informant, by=user)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "informant")
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["informant.create", "informant.update", "informant.delete"]
    assert all(e.actor_id == user.id and e.occurred_at.tzinfo is not None for e in events)
    assert events[0].after["name"] == "Kari Nordmann" and events[0].before is None
    assert events[1].before == {"status": "identified"} and events[1].after == {"status": "contacted"}
    assert events[2].before["code"] == "VVHT-RAD-01" and events[2].after is None


def test_saving_without_changes_writes_no_update_event(vvht, radiologist):
    """An unchanged form does not clutter the audit log."""
    informant = services.create_informant(_values(vvht, radiologist), by=audit.COMMAND_LINE)
    services.update_informant(informant, _values(vvht, radiologist), by=audit.COMMAND_LINE)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "informant.update" not in actions


def test_search_for_analysts_matches_codes_only(vvht, radiologist):
    """A name search by an analyst finds nothing: a hit would reveal the name."""
    factories.make_informant(vvht, radiologist, name="Kari Nordmann")
    by_name = services.InformantFilter(text="nordmann")
    assert db.session.scalars(services.informant_query(by_name, sees_identities=True)).all()
    assert not db.session.scalars(services.informant_query(by_name, sees_identities=False)).all()
    by_code = services.InformantFilter(text="vvht-rad")
    assert db.session.scalars(services.informant_query(by_code, sees_identities=False)).all()


def test_search_treats_wildcards_literally(vvht, radiologist):
    """% and _ typed in the search box match themselves, not everything."""
    factories.make_informant(vvht, radiologist, name="Kari Nordmann")
    found = db.session.scalars(services.informant_query(services.InformantFilter(text="%"),
                                                        sees_identities=True)).all()
    assert found == []
