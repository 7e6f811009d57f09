"""Each account's language (its pages and its email): the study's for a new account, changed by
its owner on their account page or by an admin under Users, checked, and audited."""

from sqlalchemy import select

from fieldwork.audit.models import AuditEvent
from fieldwork.auth.models import User
from fieldwork.extensions import db
from fieldwork.informants.models import Language
from tests import factories


def _language(user):
    return db.session.scalar(select(User.language).where(User.id == user.id))


def test_a_new_account_gets_the_studys_language(app):
    assert factories.make_user().language is Language.EN  # the tests' study writes English
    app.config["DEFAULT_LANGUAGE"] = "nb"
    assert factories.make_user().language is Language.NB
    assert factories.make_user(language="en").language is Language.EN


def test_users_choose_their_own_language(app, client, login_as):
    user = login_as("researcher")
    page = client.get("/account")
    assert page.status_code == 200 and b"Norsk (bokm\xc3\xa5l)" in page.data
    response = client.post("/account", data={"language": "nb"})
    assert response.status_code == 302 and _language(user) is Language.NB
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert (event.before["language"], event.after["language"]) == ("en", "nb")


def test_a_language_the_app_does_not_write_is_refused_and_changes_nothing(app, client,
                                                                          login_as):
    user = login_as("coordinator")
    response = client.post("/account", data={"language": "de"})
    assert response.status_code == 422 and b"Not a valid choice" in response.data
    assert _language(user) is Language.EN


def test_admins_set_anyones_language_under_users(app, client, login_as):
    colleague = factories.make_user("researcher", name="Ola Berg")
    login_as("admin")
    listing = client.get("/users").get_data(as_text=True)
    assert "Ola Berg" in listing and "English" in listing
    response = client.post(f"/users/{colleague.id}/language", data={"language": "nb"})
    assert response.status_code == 302 and _language(colleague) is Language.NB
    assert client.post("/users/999999/language", data={"language": "en"}).status_code == 404


def test_only_admins_manage_other_peoples_language(app, client, login_as):
    colleague = factories.make_user("researcher")
    login_as("coordinator")
    assert client.get("/users").status_code == 403
    assert client.post(f"/users/{colleague.id}/language",
                       data={"language": "nb"}).status_code == 403
    assert _language(colleague) is Language.EN


def test_users_create_takes_a_language(app, runner):
    result = runner.invoke(args=["users", "create", "eva@example.org", "--name", "Eva Li",
                                 "--role", "researcher", "--language", "en", "--password-stdin"],
                           input=f"{factories.PASSWORD}\n")
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["users", "list"]).output
    assert "eva@example.org\tEva Li\tresearcher\ten\tactive" in listed
