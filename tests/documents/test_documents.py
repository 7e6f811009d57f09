"""The document register: services (themes reused, links, audit, refusals) and pages."""

from datetime import date

import pytest
from sqlalchemy import func, insert, select

from fieldwork.audit.models import AuditEvent
from fieldwork.documents import services
from fieldwork.documents.models import Document, DocumentStatus, DocumentType, Theme
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from tests import factories


def _values(**overrides):
    values = {"title": "National Health and Hospital Plan 2020–2023", "document_type": "white-paper",
              "organisation_id": None, "governance_level": "national", "issued_on": "2019-11-22",
              "reference": "Meld. St. 7 (2019–2020)", "status": "identified",
              "themes": "AI, national coordination", "notes": "", "informant_codes": "",
              "interview_ids": ""}
    values.update(overrides)
    return values


@pytest.fixture
def user(app):
    return factories.make_user("researcher")


def test_create_document_reuses_themes_across_documents_in_any_case(app, user):
    first = services.create_document(_values(), by=user)
    second = services.create_document(_values(title="Regional AI strategy",
                                              themes="ai; Procurement, AI"), by=user)
    first, second = services.get_document(first.id), services.get_document(second.id)
    assert [t.name for t in first.themes] == ["AI", "national coordination"]
    assert [t.name for t in second.themes] == ["AI", "Procurement"]
    assert db.session.scalar(select(func.count()).select_from(Theme)) == 3
    assert first.issued_on == date(2019, 11, 22)
    assert first.document_type is DocumentType.WHITE_PAPER


def test_document_links_informants_by_code_and_interviews_by_number(app, user):
    informant = factories.make_informant()
    interview = factories.make_interview(send_invites=False)
    document = services.create_document(
        _values(informant_codes=informant.code.lower(), interview_ids=f"#{interview.id}"), by=user)
    loaded = services.get_document(document.id)
    assert [i.code for i in loaded.informants] == [informant.code]
    assert [i.id for i in loaded.interviews] == [interview.id]
    assert [d.id for d in services.documents_of_interview(interview.id)] == [document.id]


def test_create_and_update_are_audited_with_what_changed(app, user):
    document = services.create_document(_values(), by=user)
    services.update_document(services.get_document(document.id),
                             _values(status="analysed", themes="AI"), by=user)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "document")
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["document.create", "document.update"]
    assert events[0].after["themes"] == ["AI", "national coordination"]
    assert events[1].before == {"status": "identified", "themes": ["AI", "national coordination"]}
    assert events[1].after == {"status": "analysed", "themes": ["AI"]}
    assert events[1].actor_id == user.id


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": " "}, "title", "Title is required."),
    ({"document_type": "poem"}, "document_type", "Choose a document type."),
    ({"issued_on": "22.11.2019"}, "issued_on", "YYYY-MM-DD"),
    ({"reference": "javascript:alert(1)"}, "reference", "web address"),
    ({"informant_codes": "NOPE-XX-99"}, "informant_codes", "NOPE-XX-99"),
    ({"interview_ids": "999999"}, "interview_ids", "999999"),
    ({"interview_ids": "twelve"}, "interview_ids", "whole numbers"),
])
def test_bad_input_names_its_field_and_saves_nothing(app, user, overrides, field, message):
    with pytest.raises(DomainError) as raised:
        services.create_document(_values(**overrides), by=user)
    assert raised.value.field == field and message in raised.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert db.session.scalar(select(func.count()).select_from(Theme)) == 0


def test_list_filters_by_type_level_status_organisation_and_theme(app, user):
    hso = factories.make_organisation(code="HSØ", level="regional")
    services.create_document(_values(title="White paper"), by=user)
    services.create_document(_values(title="Strategy", document_type="strategy",
                                     governance_level="regional", organisation_id=hso.id,
                                     status="obtained", themes="procurement"), by=user)
    procurement = db.session.scalar(select(Theme).where(Theme.key == "procurement"))

    def titles(**criteria):
        query = services.document_query(services.DocumentFilter(**criteria))
        return [d.title for d in db.session.scalars(query)]

    assert titles() == ["Strategy", "White paper"] or titles() == ["White paper", "Strategy"]
    assert titles(document_type=DocumentType.STRATEGY) == ["Strategy"]
    assert titles(status=DocumentStatus.OBTAINED) == ["Strategy"]
    assert titles(organisation_id=hso.id) == ["Strategy"]
    assert titles(theme_id=procurement.id) == ["Strategy"]
    from fieldwork.organisations.models import GovernanceLevel
    assert titles(governance_level=GovernanceLevel.NATIONAL) == ["White paper"]


# Pages


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
