"""The informant picker of the scheduling and offer forms: bounded whatever the number of
informants, searched on the server (as you type, or with *Find informants* without JavaScript),
and saving takes any submitted id, leaving unknown or not-contactable informants to the services."""

import re

import pytest
from sqlalchemy import func, select

from fieldwork.extensions import db
from fieldwork.interviews.models import Interview
from fieldwork.offers.models import Offer
from tests import factories
from tests.interviews.test_views import form_data

FORMS = ["/interviews/new", "/offers/new"]


def _rows(page):
    return re.findall(r'name="informant_ids" value="(\d+)"', page)


def _make(count, **values):
    organisation, role = factories.make_organisation(), factories.make_role()
    return [factories.make_informant(organisation, role, **values) for _ in range(count)]


@pytest.mark.parametrize("path", FORMS)
def test_the_form_shows_a_page_of_informants_in_the_same_statements_whatever_their_number(
        app, login_as, client, count_queries, path):
    app.config["PICKER_PAGE_SIZE"] = 5
    login_as("coordinator")
    _make(2)
    client.get(path)
    with count_queries as few:
        page = client.get(path).get_data(as_text=True)
    assert len(_rows(page)) == 2 and "Showing 2 of 2" in page
    _make(30)
    with count_queries as many:
        page = client.get(path).get_data(as_text=True)
    assert len(_rows(page)) == 5
    assert "Showing 5 of 32: type to search" in page
    assert many.count == few.count


def test_the_chosen_informants_are_shown_ticked_beside_the_page(app, login_as, client):
    app.config["PICKER_PAGE_SIZE"] = 3
    login_as("coordinator")
    informants = _make(10)
    last = informants[-1]
    page = client.get(f"/interviews/new?informant={last.id}").get_data(as_text=True)
    assert _rows(page)[0] == str(last.id) and len(_rows(page)) == 4
    assert f'value="{last.id}" checked' in page


@pytest.mark.parametrize("path", FORMS)
def test_find_informants_without_javascript_shows_the_form_again_with_the_matches(
        app, login_as, client, coordinator, path):
    app.config["PICKER_PAGE_SIZE"] = 3
    login_as("coordinator")
    informants = _make(10)
    wanted = factories.make_informant(name="Gudrun Fjellheim")
    data = {**form_data(informants[0], coordinator), "informant_search": "fjellheim",
            "find_informants": "1", "notes": "kept as typed"}
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _rows(page) == [str(informants[0].id), str(wanted.id)]
    assert "1 of 1 shown" in page and 'value="fjellheim"' in page
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 0
    if path == "/interviews/new":
        assert "kept as typed" in page


@pytest.mark.parametrize("role, status", [("coordinator", 200), ("admin", 200),
                                          ("researcher", 403), ("analyst", 403)])
def test_the_search_as_you_type_is_for_managing_roles(login_as, client, role, status):
    login_as(role)
    assert client.post("/interviews/picker", data={"informant_search": "x"}).status_code == status


def test_the_search_without_login_asks_for_it(client):
    assert client.post("/interviews/picker", data={"informant_search": "x"}).status_code == 302


def test_the_search_finds_by_name_or_code_and_leaves_out_the_ticked_and_the_uncontactable(
        app, login_as, client):
    app.config["PICKER_PAGE_SIZE"] = 2
    login_as("coordinator")
    first, second, third = _make(3, name="Gudrun Fjellheim")
    factories.make_informant(name="Gudrun Fjellheim Nei", status="declined")
    factories.make_informant(name="Someone Else")
    page = client.post("/interviews/picker", data={
        "informant_search": "FJELL", "informant_ids": [first.id]}).get_data(as_text=True)
    assert _rows(page) == [str(second.id), str(third.id)]
    assert "2 of 2 shown" in page and "Gudrun Fjellheim" in page
    page = client.post("/interviews/picker", data={"informant_search": second.code.lower()}
                       ).get_data(as_text=True)
    assert _rows(page) == [str(second.id)]
    page = client.post("/interviews/picker", data={"informant_search": "fjell"}
                       ).get_data(as_text=True)
    assert "2 of 3 shown: type more to narrow" in page


def test_an_analyst_never_finds_by_name(app, login_as, client):
    """Analysts do not reach the forms; the search rule is still the informant list's."""
    from fieldwork.interviews.queries import picker_candidates

    informant = factories.make_informant(name="Gudrun Fjellheim")
    assert picker_candidates("fjellheim", sees_identities=False, limit=5).matching == 0
    assert picker_candidates(informant.code, sees_identities=False, limit=5).others[0].id \
        == informant.id


def test_a_search_with_control_characters_is_refused_with_a_message(login_as, client):
    login_as("coordinator")
    response = client.post("/interviews/picker", data={"informant_search": "a\x1bb"})
    assert response.status_code == 422
    assert "control characters" in response.get_data(as_text=True)


def test_saving_takes_any_id_and_the_service_refuses_unknown_or_uncontactable_informants(
        login_as, client, coordinator, informant):
    login_as("coordinator")
    declined = factories.make_informant(status="declined")
    for ids, message in [([informant.id, 999999], "Choose at least one informant"),
                         ([declined.id], declined.code)]:
        response = client.post("/interviews/new", data={
            **form_data(informant, coordinator), "informant_ids": [str(i) for i in ids]})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page
    response = client.post("/offers/new", data={"informant_ids": [str(declined.id)],
                                                 "interviewer_ids": [coordinator.id]})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 0


def test_an_id_that_is_not_a_number_is_refused_beside_the_field(login_as, client, coordinator,
                                                                 informant):
    login_as("coordinator")
    response = client.post("/interviews/new", data={**form_data(informant, coordinator),
                                                    "informant_ids": ["abc"]})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0


def test_a_saved_interview_reads_no_candidates_and_a_refused_one_shows_them(
        login_as, client, coordinator, informant, count_queries):
    """The candidates (a page of them, and a count of everyone who may be asked, which grows
    with the study) are for a page that shows the form: a save that redirects reads none."""
    login_as("coordinator")
    _make(3)
    with count_queries as saved:
        assert client.post("/interviews/new",
                           data=form_data(informant, coordinator)).status_code == 302
    assert not [s for s in saved.statements if "count(*)" in s.lower()], saved.statements
    with count_queries as refused:
        response = client.post("/interviews/new", data={**form_data(informant, coordinator),
                                                        "duration_minutes": "5"})
    assert response.status_code == 422
    assert [s for s in refused.statements if "count(*)" in s.lower()]
    assert len(_rows(response.get_data(as_text=True))) == 4  # the one chosen and three others


def test_the_edit_form_keeps_an_informant_who_may_no_longer_be_contacted_ticked(
        app, login_as, client, coordinator, informant, count_queries):
    from fieldwork.informants.models import Informant, RecruitmentStatus

    app.config["PICKER_PAGE_SIZE"] = 3
    login_as("coordinator")
    assert client.post("/interviews/new", data=form_data(informant, coordinator)).status_code == 302
    interview = db.session.scalar(select(Interview))
    db.session.get(Informant, informant.id).status = RecruitmentStatus.DECLINED
    db.session.commit()
    client.get(f"/interviews/{interview.id}/edit")
    with count_queries as few:
        page = client.get(f"/interviews/{interview.id}/edit").get_data(as_text=True)
    assert _rows(page)[0] == str(informant.id) and f'value="{informant.id}" checked' in page
    _make(10)
    with count_queries as many:
        page = client.get(f"/interviews/{interview.id}/edit").get_data(as_text=True)
    assert len(_rows(page)) == 4 and many.count == few.count


def test_the_finder_shows_a_page_of_informants_and_keeps_searches_out_of_its_address(
        app, login_as, client, count_queries):
    """The finder is a GET form (its answer can be bookmarked): its picker shows a page and the
    chosen ones, and its search box is not part of the form, so a name typed never reaches
    the address; picker.js searches with a POST, using the token the picker carries."""
    app.config["PICKER_PAGE_SIZE"] = 5
    login_as("coordinator")
    informants = _make(2)
    client.get("/availability/find")
    with count_queries as few:
        client.get("/availability/find")
    informants += _make(30)
    chosen = informants[-1]
    with count_queries as many:
        page = client.get(f"/availability/find?informant={chosen.id}").get_data(as_text=True)
    assert many.count == few.count
    rows = re.findall(r'name="informant" value="(\d+)"', page)
    assert rows[0] == str(chosen.id) and len(rows) == 6
    assert 'name="informant_search"' not in page and "Find informants" not in page
    assert 'data-csrf-token="' in page and 'data-field-name="informant"' in page
