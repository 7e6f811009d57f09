"""The informant registry's pages through HTTP: the form, the list's filters and pages, what
analysts see, deleting, and a fixed number of queries whatever the amount of data."""

import re

import pytest
from sqlalchemy import select

from fieldwork.extensions import db
from fieldwork.informants.models import Informant, RecruitmentStatus
from tests import factories
from tests.informants.test_services import _values


def _add_informants(count, organisation, roles, start):
    db.session.add_all(Informant(code=f"X-{n:05d}", name=f"Person {n}", email=f"p{n}@example.org",
                                 organisation_id=organisation.id, role_id=roles[n % 2].id)
                       for n in range(start, start + count))
    db.session.commit()


def test_create_informant_through_the_form(client, login_as, vvht, radiologist):
    """A coordinator registers an informant and lands on its page with the code."""
    login_as("coordinator")
    response = client.post("/informants/new", data=_values(vvht, radiologist),
                           follow_redirects=True)
    assert response.status_code == 200
    assert b"VVHT-RAD-01" in response.data and b"Kari Nordmann" in response.data


def test_bad_email_rerenders_form_with_422_and_saves_nothing(client, login_as, vvht, radiologist):
    """The message stands beside the field and no informant is created."""
    login_as("coordinator")
    response = client.post("/informants/new", data=_values(vvht, radiologist, email="kari@"))
    assert response.status_code == 422
    assert b"Enter a valid email address" in response.data
    assert b'id="email-error"' in response.data
    assert db.session.scalar(select(db.func.count()).select_from(Informant)) == 0


def test_duplicate_email_in_form_names_existing_informant(client, login_as, vvht, radiologist):
    """The form shows which informant already has the address."""
    login_as("coordinator")
    factories.make_informant(vvht, radiologist, email="kari@example.org")
    response = client.post("/informants/new", data=_values(vvht, radiologist, name="Other"))
    assert response.status_code == 422
    assert b"VVHT-RAD-01" in response.data


def test_list_filters_by_organisation_level_role_and_status(client, login_as, vvht, radiologist):
    """Each filter narrows the list."""
    login_as("researcher")
    hso = factories.make_organisation(code="HSO", level="regional")
    pl = factories.make_role(code="PL", name="Project lead")
    factories.make_informant(vvht, radiologist, status="agreed")
    factories.make_informant(hso, pl, status="identified")
    assert b"HSO-PL-01" not in client.get(f"/informants/?organisation={vvht.id}").data
    assert b"VVHT-RAD-01" not in client.get("/informants/?level=regional").data
    assert b"VVHT-RAD-01" not in client.get(f"/informants/?role={pl.id}").data
    page = client.get("/informants/?status=agreed").data
    assert b"VVHT-RAD-01" in page and b"HSO-PL-01" not in page


def test_invalid_filter_value_gives_400(client, login_as):
    """A status that does not exist is a bad request, not an empty list."""
    login_as("researcher")
    assert client.get("/informants/?status=hired").status_code == 400


def test_list_paginates(client, login_as, app, vvht, radiologist):
    """Past one page, the list links to the next one."""
    login_as("researcher")
    for _ in range(app.config["PAGE_SIZE"] + 1):
        factories.make_informant(vvht, radiologist)
    first = client.get("/informants/").data
    assert b"Page 1 of 2" in first and b"VVHT-RAD-26" not in first
    assert b"VVHT-RAD-26" in client.get("/informants/?page=2").data


def test_search_text_is_posted_and_never_in_a_url(client, login_as, vvht, radiologist):
    """The search text (often a name) is kept in the session, not in the address."""
    login_as("coordinator")
    factories.make_informant(vvht, radiologist, name="Kari Nordmann")
    factories.make_informant(vvht, radiologist, name="Ola Berg")
    response = client.post("/informants/search", data={"q": "Nordmann"})
    assert response.status_code == 302 and "Nordmann" not in response.headers["Location"]
    page = client.get(response.headers["Location"]).data
    assert b"Kari Nordmann" in page and b"Ola Berg" not in page


def test_analyst_never_sees_identities(client, login_as, vvht, radiologist):
    """List, detail and sorting show analysts codes, role, organisation and status only."""
    informant = factories.make_informant(vvht, radiologist, name="Kari Nordmann",
                                         email="kari@example.org", phone="91234567",
                                         job_title="Senior consultant", notes="Met at conference")
    login_as("analyst")
    by_name = client.get("/informants/?sort=name")
    assert by_name.status_code == 400  # sorting by name would reveal the alphabetical order
    assert b"Kari" not in by_name.data
    pages = [client.get("/informants/").data, client.get(f"/informants/{informant.id}").data]
    for body in pages:
        assert b"VVHT-RAD-01" in body
        for secret in (b"Kari", b"kari@example.org", b"91234567", b"Senior consultant", b"conference"):
            assert secret not in body


def test_only_admins_delete_and_only_unlinked_informants(client, login_as, vvht, radiologist):
    """A coordinator may not delete; an admin may."""
    informant = factories.make_informant(vvht, radiologist)
    login_as("coordinator")
    assert client.post(f"/informants/{informant.id}/delete").status_code == 403
    login_as("admin")
    assert client.post(f"/informants/{informant.id}/delete").status_code == 302
    assert factories.reload(Informant, informant.id) is None


def test_missing_informant_is_404(client, login_as):
    """An id that does not exist gives 404 on the page and the form."""
    login_as("coordinator")
    assert client.get("/informants/999").status_code == 404
    assert client.get("/informants/999/edit").status_code == 404


def test_edit_keeps_code_and_shows_changes(client, login_as, vvht, radiologist):
    """Editing saves the new values and keeps the code."""
    informant = factories.make_informant(vvht, radiologist)
    login_as("coordinator")
    data = _values(vvht, radiologist, name="New Name", email="new@example.org",
                   status=RecruitmentStatus.AGREED.value)
    response = client.post(f"/informants/{informant.id}/edit", data=data, follow_redirects=True)
    assert b"New Name" in response.data and b"VVHT-RAD-01" in response.data


def test_list_page_runs_the_same_queries_for_10_and_1000_informants(client, login_as,
                                                                    count_queries, vvht,
                                                                    radiologist):
    """No N+1: the statements a list page runs do not grow with the number of informants."""
    login_as("coordinator")
    roles = [radiologist, factories.make_role(code="RGR")]
    counts = []
    for total, start in ((10, 0), (1000, 10)):
        _add_informants(total - start if start else total, vvht, roles, start)
        with count_queries:
            response = client.get("/informants/?sort=role&status=identified")
        assert response.status_code == 200
        counts.append(count_queries.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6


def test_form_without_organisation_asks_to_choose_one(client, login_as, vvht, radiologist):
    """The organisation is not preselected: leaving it empty gives a message, not a guess."""
    login_as("coordinator")
    assert b"Choose an organisation" in client.get("/informants/new").data
    response = client.post("/informants/new", data=_values(vvht, radiologist, organisation_id=""))
    assert response.status_code == 422
    assert b'id="organisation_id-error"' in response.data
    assert db.session.scalar(select(db.func.count()).select_from(Informant)) == 0


@pytest.mark.parametrize("sort", ["code", "name", "organisation", "role", "status", "created"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_sort_lists_in_its_order_with_ties_by_registration(client, login_as, vvht,
                                                                 radiologist, sort, order):
    """Each sort orders by its column, and informants that tie come in the order they were
    registered (reversed when descending), so paging never skips or repeats anyone."""
    login_as("coordinator")
    ahus = factories.make_organisation(name="Akershus", code="AHUS")
    roles = [radiologist, factories.make_role(name="Board member", code="BRD")]
    statuses = [RecruitmentStatus.AGREED, RecruitmentStatus.IDENTIFIED, RecruitmentStatus.DECLINED]
    db.session.add_all(Informant(code=f"Z-{7 - n:02d}", name=f"Person {n % 3}",
                                 email=f"s{n}@example.org",
                                 organisation_id=(vvht, ahus)[n % 2].id,
                                 role_id=roles[n // 4].id, status=statuses[n % 3])
                       for n in range(8))
    db.session.commit()
    informants = db.session.scalars(select(Informant).order_by(Informant.id)).all()
    organisations = {vvht.id: vvht.code, ahus.id: ahus.code}
    role_names = {r.id: r.name for r in roles}
    key = {"code": lambda i: i.code, "name": lambda i: i.name,
           "organisation": lambda i: organisations[i.organisation_id],
           "role": lambda i: role_names[i.role_id], "status": lambda i: i.status.value,
           "created": lambda i: i.created_at}[sort]
    expected = sorted(informants, key=lambda i: (key(i), i.id), reverse=order == "desc")

    response = client.get(f"/informants/?sort={sort}&order={order}")
    assert response.status_code == 200
    shown = re.findall(r"<code>(Z-\d\d)</code>", response.get_data(as_text=True))
    assert shown == [i.code for i in expected]
    assert "8 in all." in response.get_data(as_text=True)
