"""Consent pages speak in the words of the forms: item names as labelled, tasks by code."""

from fieldwork.consent import services as consent
from tests import factories


def test_history_names_items_as_the_forms_do(app, client):
    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant(name="Åse Øvrebø")
    factories.make_consent_form("nb", by=coordinator)
    factories.give_consent(informant, {"re_contact": False}, by=coordinator)
    factories.log_client_in(client, coordinator)
    page = client.get(f"/informants/{informant.id}").get_data(as_text=True)
    assert "Re-contact for follow-up: no" in page and "Direct quotation: yes" in page
    assert "re contact" not in page and "direct quotation:" not in page


def test_open_withdrawal_tasks_name_the_informant_by_code(app, client):
    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant(name="Åse Øvrebø")
    factories.make_consent_form("nb", by=coordinator)
    factories.give_consent(informant, by=coordinator)
    consent.withdraw_consent(informant, by=coordinator)
    factories.log_client_in(client, coordinator)
    page = client.get("/consent/").get_data(as_text=True)
    assert "Delete the audio recording" in page
    assert f"<code>{informant.code}</code></a>" in page


def _two_informants():
    coordinator = factories.make_user(role="coordinator")
    ase = factories.make_informant(name="Åse Øvrebø")
    bjorn = factories.make_informant(name="Bjørn Berg")
    return coordinator, ase, bjorn


def test_overview_shows_names_to_identity_roles_and_searches_them(app, client):
    coordinator, ase, bjorn = _two_informants()
    factories.log_client_in(client, coordinator)
    page = client.get("/consent/").get_data(as_text=True)
    assert "Åse Øvrebø" in page and "Bjørn Berg" in page
    response = client.post("/consent/search", data={"q": "øvre"})
    assert response.status_code == 302 and "vre" not in response.location  # not in the URL
    page = client.get(response.location).get_data(as_text=True)
    assert ase.code in page and bjorn.code not in page


def test_analysts_see_codes_only_and_cannot_find_anyone_by_name(app, client):
    _, ase, bjorn = _two_informants()
    factories.log_client_in(client, factories.make_user(role="analyst"))
    page = client.get("/consent/").get_data(as_text=True)
    assert ase.code in page and "Åse" not in page
    client.post("/consent/search", data={"q": "Åse"})
    page = client.get("/consent/").get_data(as_text=True)
    assert ase.code not in page and "No informants match" in page
    client.post("/consent/search", data={"q": bjorn.code.lower()})
    page = client.get("/consent/").get_data(as_text=True)
    assert bjorn.code in page and ase.code not in page
