"""The team's consent and retention pages in bokmål, for a member whose account reads it."""

import os
from datetime import date

from fieldwork.consent import services as consent
from tests import factories

DUMP = os.environ.get("FIELDWORK_DUMP_PAGES")  # a folder to write the pages to, to read them


def _page(client, url, name):
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    if DUMP:
        with open(f"{DUMP}/{name}.html", "w", encoding="utf-8") as file:
            file.write(page)
    return page


def test_consent_pages_speak_bokmal(app, client, login_as, outbox):
    coordinator = login_as("coordinator", language="nb")
    version = factories.make_consent_form("nb", by=coordinator)
    draft = factories.make_consent_form("en", by=coordinator, activate=False)
    informant = factories.make_informant()
    factories.give_consent(informant, {"re_contact": False}, by=coordinator)
    other = factories.make_informant()
    consent.request_consent(other, by=coordinator)
    consent.withdraw_consent(informant, by=coordinator, note="Ringte.")

    overview = _page(client, "/consent/", "overview")
    assert "Samtykkeskjemaer" in overview and "Neste intervju" in overview
    assert "Slett lydopptaket" in overview and "Alle statuser" in overview
    detail = _page(client, f"/informants/{informant.id}", "informant")
    assert "Trukket tilbake" in detail and "Ny kontakt for oppfølging: nei" in detail
    assert "Databehandling etter tilbaketrekking" in detail and "Historikk" in detail
    assert "Delvis gitt" in detail and "Signert papirskjema" in detail
    asked = _page(client, f"/informants/{other.id}", "informant-asked")
    assert "Forespurt" in asked and "forespørsel sendt" in asked
    assert "Samtykkepunkter" in _page(client, f"/consent/forms/{version.id}", "form")
    assert "Gjør aktiv" in _page(client, f"/consent/forms/{draft.id}", "draft")
    assert "Ny skjemaversjon" in _page(client, "/consent/forms", "forms")
    assert "Lagre utkast" in _page(client, "/consent/forms/new", "form-new")
    assert "Rediger utkast" in _page(client, f"/consent/forms/{draft.id}/edit", "form-edit")
    register = _page(client, f"/consent/informants/{other.id}/register", "register")
    assert "Registrer samtykke for" in register and "Muntlig, på lydopptaket" in register
    assert "Trekke <code>" in _page(client, f"/consent/informants/{other.id}/withdraw",
                                    "withdraw")
    assert "Nytt samtykke" in _page(client, "/consent/re-consent", "re-consent")

    response = client.post(f"/consent/informants/{other.id}/register", data={
        "answer": "given", "form_version_id": str(version.id), "method": "signed-paper",
        "consented_on": "01.01.2099", "item_participation": "y"})
    assert "kan ikke være fram i tid" in response.get_data(as_text=True)


def test_retention_page_speaks_bokmal(app, client, login_as):
    app.config["STUDY_END"] = date(2020, 6, 30)
    login_as("admin", language="nb")
    factories.make_informant()
    page = _page(client, "/admin/retention/", "retention")
    assert "Oppbevaring" in page and "Studieslutt: 30.06.2020 (avsluttet)." in page
    assert "Informanter med navn, e-post, telefon, stillingstittel eller notater" in page
    response = client.post("/admin/retention/erase", data={"confirmation": "NO"})
    assert "Skriv ERASE for å bekrefte slettingen." in response.get_data(as_text=True)
