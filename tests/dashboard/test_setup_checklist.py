"""An empty study's dashboard shows what to set up, each step linked and ticked when done; an
admin checks the mail settings with a test email from the scheduler page."""

import re

from tests import factories


def _steps(page):
    """{step label: 'Done' or 'To do'} as the dashboard lists them."""
    return {label: state for state, label in re.findall(
        r'<span class="status[^"]*">(Done|To do)</span>\s*<a href="[^"]+">([^<]+)</a>', page)}


def test_an_empty_study_lists_every_step_to_do_with_its_page(app, client):
    factories.log_client_in(client, factories.make_user(role="coordinator"))
    page = client.get("/").get_data(as_text=True)
    assert _steps(page) == dict.fromkeys(
        ["Add organisations and roles", "Make a consent form active", "Publish an interview guide", "Register informants",
         "Set sampling targets", "Check the mail settings"], "To do")
    for path in ("/organisations", "/consent/forms", "/guides/", "/informants/new", "/targets"):
        assert f'href="{path}"' in page


def test_steps_are_ticked_as_the_study_is_set_up(app, client):
    coordinator = factories.make_user(role="coordinator")
    factories.make_informant()  # with its organisation and role
    factories.make_consent_form("nb", by=coordinator)
    factories.log_client_in(client, coordinator)
    steps = _steps(client.get("/").get_data(as_text=True))
    assert steps["Add organisations and roles"] == steps["Make a consent form active"] == "Done"
    assert steps["Register informants"] == "Done" and steps["Publish an interview guide"] == "To do"


def test_analysts_do_not_get_the_checklist(app, client):
    factories.log_client_in(client, factories.make_user(role="analyst"))
    assert "Setting up the study" not in client.get("/").get_data(as_text=True)


def test_an_admin_sends_a_test_email_and_the_mail_step_is_ticked(app, client, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    admin = factories.make_user(role="admin")
    factories.log_client_in(client, admin)
    assert f'value="{admin.email}"' in client.get("/admin/scheduler/").get_data(as_text=True)
    response = client.post("/admin/scheduler/test-email",
                           data={"address": "kari@example.org", "language": "nb"})
    assert response.status_code == 302
    factories.wait_for_delivery()
    assert smtp_server.messages[-1].rcpt_tos == ["kari@example.org"]
    page = client.get("/admin/scheduler/").get_data(as_text=True)
    assert "kari@example.org" in page and "Sent" in page
    assert _steps(client.get("/").get_data(as_text=True))["Check the mail settings"] == "Done"


def test_a_bad_test_address_is_refused_beside_the_field(app, client):
    factories.log_client_in(client, factories.make_user(role="admin"))
    response = client.post("/admin/scheduler/test-email",
                           data={"address": "kari@", "language": "en"})
    assert response.status_code == 422
    assert re.search(r'id="address-error"><p class="error">Enter a valid email address',
                     response.get_data(as_text=True))


def test_only_admins_send_test_emails(app, client):
    factories.log_client_in(client, factories.make_user(role="coordinator"))
    response = client.post("/admin/scheduler/test-email",
                           data={"address": "kari@example.org", "language": "en"})
    assert response.status_code == 403
