import pytest

from tests import factories


@pytest.fixture
def frame(app):
    """Two organisations and two roles."""
    return (factories.make_organisation(code="LOC", level="local"),
            factories.make_organisation(code="NAT", level="national"),
            factories.make_role(code="RAD"), factories.make_role(code="PL"))
