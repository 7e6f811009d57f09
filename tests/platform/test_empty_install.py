"""On an empty install every page says what is missing and links to where it is added."""

from tests import factories


def test_register_informant_points_to_organisations_and_roles(app, client):
    factories.log_client_in(client, factories.make_user(role="coordinator"))
    page = client.get("/informants/new").get_data(as_text=True)
    assert "add organisations and roles</a>" in page and 'href="/organisations"' in page
    factories.make_organisation()
    factories.make_role()
    assert "add organisations and roles" not in client.get("/informants/new").get_data(as_text=True)


def test_schedule_interview_says_what_is_missing(app, client):
    factories.log_client_in(client, factories.make_user(role="coordinator"))
    page = client.get("/interviews/new").get_data(as_text=True)
    assert "register informants</a> first" in page and "write and publish one</a>" in page


def test_the_empty_informant_list_invites_to_register(app, client):
    factories.log_client_in(client, factories.make_user(role="coordinator"))
    page = client.get("/informants/").get_data(as_text=True)
    assert "No informants yet." in page and "No informants match" not in page
    assert 'href="/informants/import"' in page
    factories.make_informant()
    page = client.get("/informants/?status=declined").get_data(as_text=True)
    assert "No informants match." in page
