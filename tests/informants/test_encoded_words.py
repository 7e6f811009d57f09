"""`=?` (an RFC 2047 encoded word) in a name or address is refused where it enters, and a
withdrawal is never blocked by an email that cannot be built (issue 13, item 5)."""

import pytest
from sqlalchemy import select, update

from fieldwork.consent import services as consent
from fieldwork.consent.models import ConsentRecord, ConsentStatus
from fieldwork.errors import NotAllowed
from fieldwork.extensions import db
from fieldwork.informants import importing
from fieldwork.informants.models import Informant
from fieldwork.outbox import services as outbox
from fieldwork.outbox.models import OutboxMessage, OutboxStatus
from tests import factories
from tests.consent.test_services import links_in

EVIL_NAME = "=?utf-8?q?Evil=0D=0ABcc:_x@evil.example?="
EVIL_EMAIL = "=?utf-8?q?x?=@example.org"


def informant_form(organisation, role, **values):
    data = {"name": "Kari Nordmann", "email": "kari@example.org", "phone": "",
            "organisation_id": str(organisation.id), "role_id": str(role.id), "job_title": "",
            "language": "nb", "status": "identified", "notes": ""}
    data.update(values)
    return data


@pytest.mark.parametrize("field,value,message", [
    ("name", EVIL_NAME, "Name cannot contain “=?”"),
    ("name", "Kari =?Nordmann", "Name cannot contain “=?”"),
    ("email", EVIL_EMAIL, "An email address cannot contain “=?”"),
])
def test_the_informant_form_refuses_an_encoded_word(app, client, login_as, field, value, message):
    login_as("coordinator")
    organisation, role = factories.make_organisation(), factories.make_role()
    response = client.post("/informants/new", data=informant_form(organisation, role,
                                                                   **{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Informant.id)) is None
    informant = factories.make_informant(organisation, role)
    response = client.post(f"/informants/{informant.id}/edit",
                           data=informant_form(organisation, role, **{field: value}))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_the_csv_import_refuses_an_encoded_word_in_its_row(app):
    coordinator = factories.make_user()
    factories.make_organisation("Vestre Viken", "VVHT")
    factories.make_role("Radiologist", "RAD")
    raw = (f"name,email,organisation,role\r\n\"{EVIL_NAME}\",a@example.org,VVHT,RAD\r\n"
           f"Kari,{EVIL_EMAIL},VVHT,RAD\r\n").encode()
    _, preview = importing.stage_import(raw, by=coordinator)
    assert not preview.is_valid
    first, second = preview.rows
    assert "cannot contain “=?”" in first.errors["name"]
    assert "cannot contain “=?”" in second.errors["email"]


def test_user_creation_on_the_command_line_refuses_an_encoded_word(app, runner):
    result = runner.invoke(args=["users", "create", "rita@example.org", "--name", EVIL_NAME,
                                 "--role", "coordinator", "--password-stdin"],
                           input=factories.PASSWORD + "\n")
    assert result.exit_code != 0
    assert "Name cannot contain “=?”" in result.output
    result = runner.invoke(args=["users", "create", EVIL_EMAIL, "--name", "Rita", "--role",
                                 "coordinator", "--password-stdin"],
                           input=factories.PASSWORD + "\n")
    assert result.exit_code != 0 and "cannot contain “=?”" in result.output


def stored_as(informant, **values):
    """Give an informant values the forms now refuse, as data from before this rule would be."""
    db.session.execute(update(Informant).where(Informant.id == informant.id).values(**values))
    db.session.commit()


def status_of(informant):
    db.session.rollback()
    return db.session.scalar(select(ConsentRecord.status)
                             .where(ConsentRecord.informant_id == informant.id))


@pytest.mark.parametrize("values", [{"name": EVIL_NAME}, {"email": EVIL_EMAIL}])
def test_withdrawal_commits_and_the_confirmation_that_cannot_be_built_shows_as_failed(
        app, client, login_as, values):
    coordinator = login_as("coordinator")
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    factories.give_consent(informant, by=coordinator)
    factories.make_interview(by=coordinator, informants=[informant])  # its CANCEL cannot be built
    stored_as(informant, **values)

    response = client.post(f"/consent/informants/{informant.id}/withdraw", data={"note": ""})

    assert response.status_code == 302
    assert status_of(informant) is ConsentStatus.WITHDRAWN
    failed = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.informant_id == informant.id,
        OutboxMessage.status == OutboxStatus.FAILED)).all()
    assert {m.purpose for m in failed} >= {"consent-withdrawn"}
    for message in failed:
        assert message.last_error.startswith("Not built: To:")
        assert "Evil" not in message.last_error and "example.org" not in message.last_error
        assert message.raw == b"" and message.recipient_email == ""
    page = client.get(f"/informants/{informant.id}").get_data(as_text=True)
    assert "Emails that failed" in page and "Not built: To:" in page
    with pytest.raises(NotAllowed):
        outbox.retry_failed(failed[0], by=coordinator)


def test_withdrawal_through_the_link_is_not_blocked_either(app, client, outbox):
    factories.make_consent_form("nb")
    informant = factories.make_informant()
    consent.request_consent(informant, by=factories.make_user())
    token = links_in(outbox.last)["w"]
    stored_as(informant, name=EVIL_NAME)
    response = client.post(f"/w/{token}")
    assert response.status_code == 200
    assert status_of(informant) is ConsentStatus.WITHDRAWN

