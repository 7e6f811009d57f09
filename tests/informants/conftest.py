"""Fixtures shared by the informant registry's service and page tests: an organisation, a role."""

import pytest

from tests import factories


@pytest.fixture
def vvht(app):
    return factories.make_organisation(name="Vestre Viken HT", code="VVHT")


@pytest.fixture
def radiologist(app):
    return factories.make_role(name="Radiologist", code="RAD")
