"""Organisations and roles without HTTP: codes normalised, refusals naming the field, audit, and
what is in use kept."""

import pytest
from sqlalchemy import select

from fieldwork import audit
from fieldwork.audit.models import AuditEvent
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.organisations import services
from fieldwork.organisations.models import GovernanceLevel, Organisation
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
