"""Small cells on the dashboard: an organisation × role or governance level × role with fewer
than k informants interviewed is marked in the sampling matrix, in words as well as by its
border, and listed below it; k is FIELDWORK_MIN_CELL_SIZE."""

from datetime import datetime, timezone

from fieldwork.dashboard import services
from tests import factories
from tests.dashboard.test_services import _conduct, _oslo

PAST = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)


def _interviewed(organisation, role, n, coordinator, day):
    interviews = []
    for k in range(n):
        informant = factories.make_informant(organisation, role, status="interviewed")
        interviews.append(factories.make_interview(
            informants=[informant], by=coordinator, now=PAST, send_invites=False,
            start=_oslo(2026, 1, day + k, 10)))
    _conduct(*interviews)


def test_small_cells_are_found_per_organisation_and_per_level(app, frame):
    local, national, radiologist, lead = frame
    other_local = factories.make_organisation(name="Vestfold HT", code="VHT", level="local")
    coordinator = factories.make_user("coordinator")
    _interviewed(local, radiologist, 3, coordinator, 12)
    _interviewed(other_local, lead, 1, coordinator, 16)
    _interviewed(local, lead, 1, coordinator, 18)
    _interviewed(national, lead, 2, coordinator, 20)

    matrix = services.sampling_matrix()
    assert matrix.min_cell_size == 3
    assert not matrix.is_small(matrix.cell(local.id, radiologist.id))
    assert matrix.is_small(matrix.cell(local.id, lead.id))
    assert not matrix.is_small(matrix.cell(national.id, radiologist.id))  # empty: no one to find
    assert matrix.small_cells == [
        ("Project lead at national level", 2), ("Project lead at NDE", 2),
        # Two project leads at local level: small by level too, not only by organisation.
        ("Project lead at local level", 2), ("Project lead at VHT", 1),
        ("Project lead at VVHT", 1)]  # organisations by name, as in the matrix
    assert services.sampling_matrix(min_cell_size=2).small_cells == [
        ("Project lead at VHT", 1), ("Project lead at VVHT", 1)]


def test_dashboard_marks_small_cells_in_words(app, frame, client, login_as):
    local, _, radiologist, _ = frame
    coordinator = factories.make_user("coordinator")
    _interviewed(local, radiologist, 1, coordinator, 12)
    login_as("analyst")
    page = client.get("/").get_data(as_text=True)
    assert 'class="cell small"' in page
    assert "Radiologist at VVHT: target none, recruited 1, consented 0, interviewed 1; small " \
        "cell, fewer than 3 interviewed: re-identification risk" in page
    assert "Re-identification risk:</strong> 2 cells with fewer than 3" in page
    assert "<li>Radiologist at VVHT: 1 interviewed</li>" in page
    assert "<li>Radiologist at local level: 1 interviewed</li>" in page
    app.config["MIN_CELL_SIZE"] = 1
    page = client.get("/").get_data(as_text=True)
    assert 'class="cell small"' not in page and "No organisation × role" in page
