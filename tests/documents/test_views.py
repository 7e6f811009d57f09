"""The document register's pages through HTTP: the form, errors beside the field, editing, and a
fixed number of queries whatever the amount of data."""

from datetime import date

from sqlalchemy import func, insert, select

from fieldwork.documents import services
from fieldwork.documents.models import Document, DocumentStatus, Theme
from fieldwork.extensions import db
from tests import factories
from tests.documents.test_services import _values


def _add_documents(count, start, theme_ids, organisation_id):
    db.session.execute(insert(Document), [
        {"title": f"Document {n}", "document_type": "report", "governance_level": "local",
         "organisation_id": organisation_id, "reference": "", "status": "identified", "notes": "",
         "issued_on": date(2020, 1, 1)} for n in range(start, start + count)])
    ids = db.session.scalars(select(Document.id).where(Document.title.like("Document %"))).all()
    from fieldwork.documents.models import document_theme
    db.session.execute(document_theme.delete())
    db.session.execute(insert(document_theme), [{"document_id": d, "theme_id": t}
                                                for d in ids for t in theme_ids])
    db.session.commit()


def test_register_a_document_through_the_form_and_see_it(client, login_as):
    login_as("analyst")  # documents are not personal data: every role may register them
    response = client.post("/documents/new", data=_values(notes="**Key** text <script>x()</script>"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "National Health and Hospital Plan 2020–2023" in html
    assert "<strong>Key</strong>" in html and "<script>x()" not in html
    assert "Meld. St. 7 (2019–2020)" in html


def test_form_error_is_shown_beside_the_field_with_422(client, login_as):
    login_as("coordinator")
    response = client.post("/documents/new", data=_values(informant_codes="NOPE-XX-99"))
    assert response.status_code == 422
    assert 'id="informant_codes-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_edit_form_shows_the_current_values_and_saves_changes(client, login_as):
    user = login_as("coordinator")
    document = services.create_document(_values(), by=user)
    form = client.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert 'value="AI, national coordination"' in form
    response = client.post(f"/documents/{document.id}/edit", data=_values(status="obtained"))
    assert response.status_code == 302
    assert factories.reload(Document, document.id).status is DocumentStatus.OBTAINED


def test_missing_document_is_404_and_bad_filter_400(client, login_as):
    login_as("researcher")
    assert client.get("/documents/12345").status_code == 404
    assert client.get("/documents/12345/edit").status_code == 404
    assert client.get("/documents/?type=poem").status_code == 400


def test_list_runs_the_same_number_of_queries_for_few_and_many(client, login_as, count_queries):
    user = login_as("coordinator")
    organisation = factories.make_organisation()
    services.create_document(_values(themes="AI, procurement, regulation"), by=user)
    theme_ids = list(db.session.scalars(select(Theme.id)))
    counts = []
    for total, start in ((3, 0), (300, 3)):
        _add_documents(total - start, start, theme_ids, organisation.id)
        with count_queries:
            response = client.get("/documents/?status=identified")
        assert response.status_code == 200
        assert "Document 2" in response.get_data(as_text=True)
        counts.append(count_queries.count)
    assert counts[0] == counts[1], counts
