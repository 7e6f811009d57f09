"""Question coverage: recorded per conducted interview from its own guide version, counted per
question on the guide page by role and organisation, audited, and safe when saved twice at once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.coverage import services
from fieldwork.coverage.models import Coverage, QuestionCoverage
from fieldwork.errors import DomainError, NotAllowed
from fieldwork.extensions import db
from fieldwork.guides import services as guides
from fieldwork.interviews import afterwards
from tests import factories
from tests.support.concurrency import fire_at_once, statuses

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def version(app, coordinator):
    factories.make_consent_form("nb", by=coordinator)
    guide = factories.make_guide(publish=True, by=coordinator)
    return guides.get_version(guide.id, 1)


def held(coordinator, version, *, organisation=None, role=None, conduct=True, days_ago=2):
    """An interview with one consenting informant, held `days_ago` days ago (conducted)."""
    informant = factories.make_informant(organisation=organisation, role=role)
    factories.give_consent(informant, by=coordinator)
    day = datetime.now(OSLO).date() - timedelta(days=days_ago)
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=OSLO)
    interview = factories.make_interview(by=coordinator, informants=[informant], start=start,
                                         now=start - timedelta(days=7), guide_version=version)
    if conduct:
        afterwards.mark_conducted(interview, by=coordinator)
    return interview


def test_each_question_gets_its_own_answer_or_its_themes(coordinator, version):
    interview = held(coordinator, version)
    services.record_coverage(interview, {"t-workflow": "all", "q-trust-ai": "some",
                                         "q-who-decided": "not-reached"}, by=coordinator)
    assert services.coverage_of(interview.id) == {
        "q-daily": Coverage.ALL, "q-trust-ai": Coverage.SOME,
        "q-who-decided": Coverage.NOT_REACHED}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "interview.coverage")
                               ).one()
    assert event.actor_id == coordinator.id
    assert event.after["coverage"]["q-trust-ai"] == "some" and event.before["coverage"] == {}

    # Clearing one question and changing another is one more audited change.
    services.record_coverage(interview, {"q-daily": "all", "q-trust-ai": "all"}, by=coordinator)
    assert services.coverage_of(interview.id) == {"q-daily": Coverage.ALL,
                                                  "q-trust-ai": Coverage.ALL}
    last = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "interview.coverage")
                              .order_by(AuditEvent.id.desc())).first()
    assert last.before["coverage"]["q-who-decided"] == "not-reached"
    assert "q-who-decided" not in last.after["coverage"]


@pytest.mark.parametrize("answers, message", [
    ({"q-not-in-this-guide": "all"}, "q-not-in-this-guide is not a theme or question"),
    ({"q-daily": "most"}, "choose covered, partly covered, not reached"),
    ({"t-governance": "yes"}, "Governance: choose covered"),
])
def test_answers_outside_the_guide_version_are_refused_and_nothing_is_saved(
        coordinator, version, answers, message):
    interview = held(coordinator, version)
    services.record_coverage(interview, {"q-daily": "some"}, by=coordinator)
    with pytest.raises(DomainError, match=message):
        services.record_coverage(interview, {"q-trust-ai": "all", **answers}, by=coordinator)
    db.session.rollback()
    assert services.coverage_of(interview.id) == {"q-daily": Coverage.SOME}


def test_coverage_waits_until_the_interview_is_conducted(coordinator, version):
    interview = held(coordinator, version, conduct=False)
    with pytest.raises(NotAllowed, match="Mark the interview conducted"):
        services.record_coverage(interview, {"q-daily": "all"}, by=coordinator)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(QuestionCoverage)) == 0


def test_the_guide_counts_each_question_by_role_and_organisation(coordinator, version,
                                                                 count_queries):
    vvht, vht = factories.make_organisation(code="VVHT"), factories.make_organisation(code="VHT")
    radiologist, manager = factories.make_role(name="Radiologist"), factories.make_role(name="Manager")
    first = held(coordinator, version, organisation=vvht, role=radiologist)
    second = held(coordinator, version, organisation=vht, role=radiologist, days_ago=3)
    third = held(coordinator, version, organisation=vht, role=manager, days_ago=4)
    held(coordinator, version, days_ago=5)  # conducted, nothing recorded yet
    services.record_coverage(first, {"q-daily": "all", "q-trust-ai": "not-reached"},
                             by=coordinator)
    services.record_coverage(second, {"q-daily": "some", "q-trust-ai": "not-reached"},
                             by=coordinator)
    services.record_coverage(third, {"q-daily": "not-reached"}, by=coordinator)

    with count_queries as counted:
        summary = services.guide_coverage(version.guide_id)
    statements = counted.count
    questions = {q.key: q for _, items in summary.themes for q in items}
    assert (summary.conducted, summary.recorded) == (4, 3)
    daily = questions["q-daily"]
    assert (daily.covered, daily.partly, daily.not_reached) == (1, 1, 1)
    assert daily.by_role == {"Radiologist": 2}
    assert daily.by_organisation == {"VHT": 1, "VVHT": 1}
    assert questions["q-trust-ai"].reached == 0 and questions["q-trust-ai"].by_role == {}
    assert questions["q-who-decided"].counts == {}

    # The statements do not grow with the interviews counted.
    for days in range(6, 12):
        services.record_coverage(held(coordinator, version, days_ago=days), {"q-daily": "all"},
                                 by=coordinator)
    with count_queries as counted:
        assert services.guide_coverage(version.guide_id).conducted == 10
    assert counted.count == statements


def test_a_question_kept_by_a_new_version_adds_up_across_versions(coordinator, version):
    first = held(coordinator, version)
    services.record_coverage(first, {"q-daily": "all"}, by=coordinator)
    draft = guides.new_version(version, by=coordinator)
    guides.update_draft(draft, {"content": "## [t-workflow] Workflow\n"
                                           "- [q-daily] How does the tool fit your day?\n"
                                           "- [q-new] What would you change?\n",
                                "change_note": "Reworded"}, by=coordinator)
    guides.publish_version(draft, by=coordinator)
    second = held(coordinator, guides.get_version(version.guide_id, 2), days_ago=3)
    services.record_coverage(second, {"q-daily": "some", "q-new": "all"}, by=coordinator)

    summary = services.guide_coverage(version.guide_id)
    questions = {q.key: q for _, items in summary.themes for q in items}
    assert questions["q-daily"].text == "How does the tool fit your day?"  # the newest wording
    assert (questions["q-daily"].covered, questions["q-daily"].partly) == (1, 1)
    assert sorted(questions["q-daily"].versions) == [1, 2]
    assert questions["q-new"].versions == [2] and questions["q-trust-ai"].versions == [1]


# Through HTTP


def test_a_researcher_records_coverage_and_everyone_sees_the_counts(app, client, coordinator,
                                                                    version, login_as):
    interview = held(coordinator, version)
    login_as("researcher")
    form = client.get(f"/interviews/{interview.id}/coverage")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "How does the AI tool fit into your daily reading?" in page
    assert page.count('name="q-daily"') == 4 and 'name="t-governance"' in page
    response = client.post(f"/interviews/{interview.id}/coverage",
                           data={"t-workflow": "some", "q-who-decided": "all"})
    assert response.status_code == 302
    detail = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "1 covered, 2 partly covered, 0 not reached, of the 3 questions" in detail

    login_as("analyst")
    assert client.get(f"/interviews/{interview.id}/coverage").status_code == 403
    assert "1 covered, 2 partly covered" in client.get(f"/interviews/{interview.id}").get_data(
        as_text=True)
    guide_page = client.get(f"/guides/{version.guide_id}").get_data(as_text=True)
    assert "Question coverage" in guide_page
    assert "1 of the 1 conducted interview with this guide has" in guide_page


def test_a_refused_answer_shows_the_form_again_with_422_and_changes_nothing(client, coordinator,
                                                                            version, login_as):
    interview = held(coordinator, version)
    login_as("coordinator")
    response = client.post(f"/interviews/{interview.id}/coverage",
                           data={"q-daily": "all", "q-elsewhere": "all"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "q-elsewhere is not a theme or question" in page
    assert 'name="q-daily" value="all" checked' in page  # what was chosen stays chosen
    assert services.coverage_of(interview.id) == {}
    not_held = held(coordinator, version, conduct=False, days_ago=1)
    assert client.post(f"/interviews/{not_held.id}/coverage",
                       data={"q-daily": "all"}).status_code == 409


def test_two_saves_at_once_both_succeed_and_one_of_them_stands(app, coordinator, version):
    interview = held(coordinator, version)
    path = f"/interviews/{interview.id}/coverage"
    answers = [{"q-daily": "all", "q-trust-ai": "all"}, {"q-daily": "some", "q-who-decided": "all"}]
    outcomes = fire_at_once(app, [
        (lambda client, data=data: client.post(path, data=data))
        for data in answers], prepare=lambda client, i: factories.log_client_in(client, coordinator))
    assert statuses(outcomes) == [302, 302], [o.text[-500:] for o in outcomes]
    db.session.expire_all()
    stored = {key: coverage.value for key, coverage in services.coverage_of(interview.id).items()}
    assert stored in answers
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "interview.coverage")) == 2


def test_coverage_goes_into_the_case_exports_as_variables(app, coordinator, version):
    import io
    import zipfile
    import xml.etree.ElementTree as ET

    from fieldwork.exports import qdpx
    from fieldwork.exports import services as exports

    interview = held(coordinator, version)
    services.record_coverage(interview, {"q-who-decided": "not-reached", "t-workflow": "some",
                                         "q-daily": "all"}, by=coordinator)
    header, rows = exports.interview_cases(exports.ExportFilter())
    [row] = list(rows)
    values = dict(zip(header, row))
    assert (values["Questions covered"], values["Questions partly covered"],
            values["Questions not reached"]) == (1, 1, 1)
    assert values["Question coverage"] == "q-daily=all; q-trust-ai=some; q-who-decided=not-reached"
    header, rows = exports.interview_cases(exports.ExportFilter(), coarsened=True, secret="s")
    assert dict(zip(header, next(iter(rows))))["Questions not reached"] == 1

    chunks, _ = qdpx.export_project(exports.ExportFilter(), by=coordinator)
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        project = ET.fromstring(archive.read("project.qde"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    names = {v.get("guid"): v.get("name") for v in project.iterfind(".//q:Variables/q:Variable", ns)}
    case_values = {names[v.find("q:VariableRef", ns).get("targetGUID")]: v
                   for v in project.iterfind(".//q:Cases/q:Case/q:VariableValue", ns)}
    assert case_values["Questions covered"].findtext("q:IntegerValue", namespaces=ns) == "1"
    assert "q-trust-ai=some" in case_values["Question coverage"].findtext("q:TextValue",
                                                                         namespaces=ns)
