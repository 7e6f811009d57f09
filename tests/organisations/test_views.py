"""The organisations and roles pages through HTTP: editing, errors beside the field, 409 for what
is in use, and read-only access for researchers."""

from sqlalchemy import select

from fieldwork.extensions import db
from fieldwork.organisations.models import Organisation, Role
from tests import factories


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
