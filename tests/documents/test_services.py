"""The document register's services without HTTP: themes reused, links to informants and
interviews, audit, refusals, and the list's filters."""

from datetime import date

import pytest
from sqlalchemy import func, select

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
