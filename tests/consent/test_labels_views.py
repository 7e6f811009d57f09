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
