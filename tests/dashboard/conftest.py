"""Fixtures shared by the dashboard's service and page tests."""

import pytest

from tests import factories


@pytest.fixture
def frame(app):
    """Two organisations on two governance levels and two roles."""
    local = factories.make_organisation(name="Vestre Viken HT", code="VVHT", level="local")
    national = factories.make_organisation(name="Directorate", code="NDE", level="national")
    radiologist = factories.make_role(name="Radiologist", code="RAD")
    lead = factories.make_role(name="Project lead", code="PL")
    return local, national, radiologist, lead
