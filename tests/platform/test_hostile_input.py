"""Hostile input (issue 13, items 6 and 7): huge numbers, non-ASCII digits and control
characters get 404 or a message beside the field, change nothing, and never a 500, on both
databases; and every text field of every form goes through the one free-text rule."""

import importlib
import pkgutil
import re
from datetime import date

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField

import fieldwork
from fieldwork.consent.models import ConsentEvent, ConsentRecord, ConsentStatus
from fieldwork.documents.models import Document
from fieldwork.extensions import db
from fieldwork.informants.views import SEARCH_SESSION_KEY
from tests import factories

HUGE_IDS = ["2147483648", "9223372036854775808", "18446744073709551616",
            "99999999999999999999"]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HOSTILE_TEXT = {"NUL": "a\x00b", "ESC": "a\x1b[31mb", "line separator": "a\u2028b",
                "paragraph separator": "a\u2029b", "DEL": "a\x7fb"}


def int_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(type(c).__name__ == "WholeNumberConverter" for c in rule._converters.values())]


# Item 7: numbers

@pytest.mark.parametrize("number", HUGE_IDS)
def test_every_id_route_answers_404_to_a_number_too_large_for_the_database(app, client, login_as,
                                                                           number):
    login_as("admin")
    rules = int_rules(app)
    assert len(rules) > 30
    for rule in rules:
        url = _fill(rule, number)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 404, (url, response.status_code)


def _fill(rule, number):
    """The rule's URL with every number argument set to `number` and any other to a value the
    route takes (the first of an `any(...)`)."""

    def value(match):
        converter = match.group(1) or ""
        if converter == "int":
            return number
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip(" )'")
        return "x"
    return re.sub(r"<(?:([^:>]+(?:\([^)]*\))?):)?([^>]+)>", value, rule.rule)


def test_the_id_pattern_takes_exactly_1_to_2_to_the_31_minus_1():
    from fieldwork.routing import digits_up_to

    pattern = re.compile(digits_up_to(2**31 - 1))
    assert [n for n in range(0, 2000) if pattern.fullmatch(str(n))] == list(range(1, 2000))
    for taken in ["2147483647", "2147483639", "1999999999", "999999999"]:
        assert pattern.fullmatch(taken)
    for refused in ["2147483648", "2147483650", "2200000000", "9999999999", "01", "１", "²"]:
        assert not pattern.fullmatch(refused)


def test_fullwidth_digits_are_not_an_id(app, client, login_as):
    login_as("coordinator")
    informant = factories.make_informant()
    assert client.get(f"/informants/{informant.id}").status_code == 200
    assert client.get(f"/informants/{str(informant.id).translate(FULLWIDTH)}").status_code == 404
    assert client.get(f"/informants/{'²' if informant.id == 2 else '¹'}").status_code == 404


@pytest.mark.parametrize("path", ["/informants/", "/interviews/", "/documents/", "/guides/",
                                  "/audit/", "/consent/"])
@pytest.mark.parametrize("page", ["99999999999999999999", "2147483648", "１", "²", "0", "-1"])
def test_an_impossible_page_number_is_a_400_with_a_message(app, client, login_as, path, page):
    login_as("admin")
    response = client.get(f"{path}?page={page}")
    assert response.status_code == 400
    assert "The page number must be a whole number from 1 to 2147483647." in \
        response.get_data(as_text=True)
    assert client.get(f"{path}?page=2").status_code == 200


def test_a_huge_interviewer_in_the_calendar_is_a_form_error(app, client, login_as):
    login_as("coordinator")
    response = client.get("/interviews/calendar?interviewer=99999999999999999999")
    assert response.status_code == 400
    assert "could not coerce" in response.get_data(as_text=True).lower() or \
        "whole number" in response.get_data(as_text=True)


def test_a_huge_informant_suggestion_is_ignored(app, client, login_as):
    login_as("coordinator")
    assert client.get("/interviews/new?informant=99999999999999999999").status_code == 200


@pytest.mark.parametrize("numbers", ["²", "18446744073709551616", "１２", "2147483648"])
def test_document_interview_numbers_take_ascii_digits_in_range_only(app, client, login_as,
                                                                    numbers):
    login_as("coordinator")
    response = client.post("/documents/new", data={
        "title": "Strategy", "document_type": "white-paper", "organisation_id": "",
        "governance_level": "national", "issued_on": "2026-01-05", "status": "analysed",
        "interview_ids": numbers})
    assert response.status_code == 422
    assert "Interview numbers are whole numbers" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_a_nul_in_the_informant_search_is_refused_and_never_kept(app, client, login_as):
    login_as("coordinator")
    factories.make_informant(name="Kari Nordmann")
    response = client.post("/informants/search", data={"q": "Kari\x00"})
    assert response.status_code == 422
    assert "Search contains control characters" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert SEARCH_SESSION_KEY not in session
    assert client.get("/informants/").status_code == 200
    assert client.get("/informants/export.csv").status_code == 200


def test_an_overlong_search_gets_a_message_not_a_silent_cut(app, client, login_as):
    login_as("coordinator")
    response = client.post("/informants/search", data={"q": "x" * 201})
    assert response.status_code == 422
    assert "Search must be at most 200 characters." in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["action", "entity_id", "actor"])
def test_a_nul_in_the_audit_filters_is_a_400_with_a_message(app, client, login_as, field):
    login_as("admin")
    response = client.get(f"/audit/?{field}=a%00b")
    assert response.status_code == 400
    assert "contains control characters" in response.get_data(as_text=True)


# Item 6: consent notes and the one free-text rule

@pytest.fixture
def consent_setup(app, client, login_as):
    coordinator = login_as("coordinator")
    version = factories.make_consent_form("nb", by=coordinator)
    return coordinator, version, factories.make_informant()


def notes_of(informant):
    return db.session.scalars(select(ConsentEvent.note).join(ConsentRecord).where(
        ConsentRecord.informant_id == informant.id).order_by(ConsentEvent.id)).all()


def _register(client, informant, version, **extra):
    data = {"answer": "given", "form_version_id": str(version.id), "item_participation": "y",
            "method": "signed-paper", "consented_on": date.today().isoformat()}
    data.update(extra)
    return client.post(f"/consent/informants/{informant.id}/register", data=data)


def test_a_note_given_with_consent_is_kept(client, consent_setup):
    _, version, informant = consent_setup
    response = _register(client, informant, version, note="Paper form in cabinet 3.")
    assert response.status_code == 302
    assert notes_of(informant) == ["Paper form in cabinet 3."]


@pytest.mark.parametrize("answer", ["given", "declined"])
@pytest.mark.parametrize("kind", sorted(HOSTILE_TEXT))
def test_a_registered_answer_with_a_hostile_note_is_refused(client, consent_setup, answer, kind):
    _, version, informant = consent_setup
    response = _register(client, informant, version, answer=answer, note=HOSTILE_TEXT[kind])
    assert response.status_code == 422
    assert "Note contains control characters; remove them." in response.get_data(as_text=True)
    assert notes_of(informant) == []


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEXT))
def test_withdrawal_with_a_hostile_note_is_refused_with_a_message(app, client, consent_setup,
                                                                  kind):
    _, _, informant = consent_setup
    factories.give_consent(informant)
    response = client.post(f"/consent/informants/{informant.id}/withdraw",
                           data={"note": HOSTILE_TEXT[kind]})
    assert response.status_code == 422
    assert "Note contains control characters; remove them." in response.get_data(as_text=True)
    record = factories.reload(ConsentRecord, db.session.scalar(
        select(ConsentRecord.id).where(ConsentRecord.informant_id == informant.id)))
    assert record.status is ConsentStatus.GIVEN


def test_an_overlong_note_gets_a_message_not_a_silent_cut(client, consent_setup):
    _, _, informant = consent_setup
    factories.give_consent(informant)
    response = client.post(f"/consent/informants/{informant.id}/withdraw",
                           data={"note": "x" * 2001})
    assert response.status_code == 422
    assert "Note must be at most 2000 characters." in response.get_data(as_text=True)
    response = client.post(f"/consent/informants/{informant.id}/withdraw",
                           data={"note": "Phoned.\r\nQuotes already published may stay."})
    assert response.status_code == 302
    assert notes_of(informant)[-1].endswith("Phoned.\nQuotes already published may stay.")


def test_the_consent_services_check_the_note_too(app, consent_setup):
    from fieldwork.consent import services as consent
    from fieldwork.errors import DomainError

    coordinator, version, informant = consent_setup
    with pytest.raises(DomainError) as refused:
        consent.decline_consent(informant, method="signed-paper", by=coordinator, version=version,
                                note="a\x00b")
    assert refused.value.field == "note"


def all_form_classes():
    for module in pkgutil.walk_packages(fieldwork.__path__, "fieldwork."):
        importlib.import_module(module.name)
    found, pending = set(), [FlaskForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass.__module__.startswith("fieldwork.") and subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def test_every_text_field_of_every_form_refuses_control_characters_and_overlong_text(app):
    """Walks every form class under fieldwork/: each text field (passwords aside: they are
    hashed, never stored or shown) refuses NUL, ESC, DEL, U+2028/U+2029 and text past any
    sensible limit, with a message beside the field."""
    forms = all_form_classes()
    assert len(forms) > 25
    checked = []
    for form_class in forms:
        with app.test_request_context(method="POST"):
            probe = form_class(meta={"csrf": False}, formdata=MultiDict())
            text_fields = [f for f in probe if isinstance(f, StringField)
                           and not isinstance(f, PasswordField)]
            for field in text_fields:
                for kind, value in [*HOSTILE_TEXT.items(), ("overlong", "x" * 1_100_000)]:
                    form = form_class(meta={"csrf": False}, formdata=MultiDict({field.name: value}))
                    assert not form[field.name].validate(form), \
                        f"{form_class.__module__}.{form_class.__name__}.{field.name} takes {kind}"
                    assert form[field.name].errors
                checked.append(f"{form_class.__name__}.{field.name}")
    assert {"RegisterConsentForm.note", "WithdrawForm.note", "TaskDoneForm.note",
            "SearchForm.q", "InterviewForm.place", "AuditFilterForm.action"} <= set(checked)


def test_a_task_note_with_control_characters_comes_back_with_its_message(app, client,
                                                                        consent_setup):
    from fieldwork.consent.models import DataTask

    _, _, informant = consent_setup
    factories.give_consent(informant)
    assert client.post(f"/consent/informants/{informant.id}/withdraw",
                       data={"note": ""}).status_code == 302
    task_id = db.session.scalar(select(DataTask.id).where(DataTask.informant_id == informant.id))
    response = client.post(f"/consent/tasks/{task_id}/done", data={"note": "done\x1b[0m"})
    assert response.status_code == 422
    assert "Note contains control characters; remove them." in response.get_data(as_text=True)
    assert factories.reload(DataTask, task_id).done_at is None


def test_a_nul_kept_in_an_old_session_is_dropped_not_sent_to_the_database(app, client, login_as):
    login_as("coordinator")
    with client.session_transaction() as session:
        session[SEARCH_SESSION_KEY] = "Kari\x00"
    assert client.get("/informants/").status_code == 200
    assert client.get("/informants/export.csv").status_code == 200
    with client.session_transaction() as session:
        assert SEARCH_SESSION_KEY not in session
