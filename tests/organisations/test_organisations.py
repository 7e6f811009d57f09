"""Organisations and the role list."""

import pytest
from sqlalchemy import select

from fieldwork import audit
from fieldwork.audit.models import AuditEvent
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.organisations import services
from fieldwork.organisations.models import GovernanceLevel, Organisation, Role
from tests import factories


def test_create_organisation_normalises_code_and_audits(app):
    """Codes are stored upper-case, and the creation is in the audit log."""
    organisation = services.create_organisation(
        {"name": "Helse Sør-Øst RHF", "code": "hsø", "governance_level": "regional"},
        by=audit.COMMAND_LINE)
    assert organisation.code == "HSØ"
    assert organisation.governance_level is GovernanceLevel.REGIONAL
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.create"))
    assert event.after["name"] == "Helse Sør-Øst RHF"


@pytest.mark.parametrize("values, field", [
    ({"name": "", "code": "X", "governance_level": "local"}, "name"),
    ({"name": "X", "code": "two words", "governance_level": "local"}, "code"),
    ({"name": "X", "code": "TOOLONGCODE1", "governance_level": "local"}, "code"),
    ({"name": "X", "code": "X", "governance_level": "galactic"}, "governance_level"),
])
def test_invalid_organisation_is_refused(app, values, field):
    """Each bad field is named and nothing is saved."""
    with pytest.raises(DomainError) as error:
        services.create_organisation(values, by=audit.COMMAND_LINE)
    assert error.value.field == field
    assert db.session.scalar(select(db.func.count()).select_from(Organisation)) == 0


def test_duplicate_code_or_name_is_refused(app):
    """Name and code are unique, ignoring case."""
    factories.make_organisation(name="Vestfold HT", code="VHT")
    with pytest.raises(DomainError) as error:
        services.create_organisation({"name": "Other", "code": "vht", "governance_level": "local"},
                                     by=audit.COMMAND_LINE)
    assert error.value.field == "code"
    with pytest.raises(DomainError) as error:
        services.create_organisation({"name": "vestfold ht", "code": "VX", "governance_level": "local"},
                                     by=audit.COMMAND_LINE)
    assert error.value.field == "name"


def test_organisation_in_use_cannot_be_deleted(app):
    """An organisation with informants stays; an unused one can go."""
    used = factories.make_organisation()
    factories.make_informant(used)
    with pytest.raises(DomainError):
        services.delete_organisation(used, by=audit.COMMAND_LINE)
    assert factories.reload(Organisation, used.id) is not None
    unused = factories.make_organisation()
    services.delete_organisation(unused, by=audit.COMMAND_LINE)
    assert factories.reload(Organisation, unused.id) is None


def test_role_list_is_editable(client, login_as):
    """A coordinator adds and renames a role through the forms."""
    login_as("coordinator")
    response = client.post("/roles/new", data={"name": "Medical physicist", "code": "phy"})
    assert response.status_code == 302
    role = db.session.scalar(select(Role).where(Role.code == "PHY"))
    response = client.post(f"/roles/{role.id}/edit", data={"name": "Physicist", "code": "PHY"})
    assert response.status_code == 302
    assert factories.reload(Role, role.id).name == "Physicist"


def test_bad_organisation_form_gives_422_beside_the_field(client, login_as):
    """The form re-renders with the message and saves nothing."""
    login_as("admin")
    response = client.post("/organisations/new",
                           data={"name": "Bad\x07Name", "code": "OK", "governance_level": "local"})
    assert response.status_code == 422
    assert b"control characters" in response.data
    assert db.session.scalar(select(db.func.count()).select_from(Organisation)) == 0


def test_deleting_used_role_via_page_is_409(client, login_as):
    """The page explains why a used role cannot be deleted."""
    role = factories.make_role()
    factories.make_informant(role=role)
    login_as("coordinator")
    response = client.post(f"/roles/{role.id}/delete")
    assert response.status_code == 409
    assert b"in use" in response.data


def test_researcher_reads_but_cannot_change(client, login_as):
    """Researchers see the lists; the forms are refused."""
    factories.make_organisation(name="Vestre Viken HT", code="VVHT")
    login_as("researcher")
    assert b"Vestre Viken HT" in client.get("/organisations").data
    assert client.get("/organisations/new").status_code == 403
