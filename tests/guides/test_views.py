"""Interview guide pages: who may do what, forms, errors, exports, printing and query counts."""

import io
import json
import re

import pytest
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.extensions import db
from fieldwork.guides import services
from fieldwork.guides.models import Guide, GuideVersion, VersionStatus
from tests import factories


def _version(guide_id, number):
    db.session.expire_all()
    return services.get_version(guide_id, number)


def _guide_urls(app, guide_id, number):
    """Every guides route, with its methods, filled in for one guide and version."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("guides."):
            continue
        values = {"guide_id": guide_id, "number": number, "kind": "md"}
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            urls.append((method, url, rule.endpoint))
    return urls


READ_ONLY = {"guides.list", "guides.detail", "guides.version", "guides.compare",
             "guides.print_version", "guides.export"}


def test_anonymous_users_are_sent_to_login_everywhere(app, client):
    guide = factories.make_guide()
    for method, url, _ in _guide_urls(app, guide.id, 1):
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.location, url


def test_analysts_read_but_never_write(app, client, login_as):
    guide = factories.make_guide(publish=True)
    login_as("analyst")
    for method, url, endpoint in _guide_urls(app, guide.id, 1):
        status = client.open(url, method=method).status_code
        if endpoint in READ_ONLY:
            assert status == 200, url
        else:
            assert status == 403, (method, url)
    page = client.get(f"/guides/{guide.id}/versions/1").get_data(as_text=True)
    assert "New version" not in page and "Export JSON" in page


@pytest.mark.parametrize("role", ["coordinator", "researcher", "admin"])
def test_writers_create_a_guide_with_target_roles(client, login_as, role):
    radiologist = factories.make_role(name="Radiologist", code="RAD")
    login_as(role)
    response = client.post("/guides/new", data={
        "title": "Radiologists", "purpose": "Workflow and trust", "language": "en",
        "target_role_ids": [str(radiologist.id)]})
    assert response.status_code == 302
    guide = db.session.scalars(select(Guide)).one()
    assert response.location.endswith(f"/guides/{guide.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "Radiologist" in page and "Version 1" in page


def test_bad_guide_input_is_422_beside_the_field_and_saves_nothing(client, login_as):
    login_as("coordinator")
    response = client.post("/guides/new", data={"title": "", "language": "en"})
    assert response.status_code == 422
    assert 'id="title-error"' in response.get_data(as_text=True)
    response = client.post("/guides/new", data={"title": "X", "language": "xx"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Guide)) == 0


def test_edit_guide_details(client, login_as):
    user = login_as("researcher")
    guide = factories.make_guide("Old title", by=user)
    response = client.post(f"/guides/{guide.id}/edit", data={"title": "New title",
                                                              "purpose": "", "language": "nb"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Guide, guide.id).title == "New title"


def test_edit_draft_then_publish_then_new_version(client, login_as):
    user = login_as("coordinator")
    guide = factories.make_guide(by=user, content="")
    url = f"/guides/{guide.id}/versions/1"
    form = client.get(url + "/edit")
    assert form.status_code == 200
    response = client.post(url + "/edit", data={
        "content": "## Workflow\n- How is a day?\n  - Morning?\n", "change_note": ""})
    assert response.status_code == 302
    assert _version(guide.id, 1).themes[0]["questions"][0]["probes"] == ["Morning?"]

    response = client.post(url + "/publish")
    assert response.status_code == 302
    version = _version(guide.id, 1)
    assert version.status is VersionStatus.PUBLISHED
    page = client.get(url).get_data(as_text=True)
    assert f"sha256:{version.content_sha256}" in page

    response = client.get(url + "/edit")  # a published version has no editor
    assert response.status_code == 302
    response = client.post(url + "/new-version")
    assert response.status_code == 302 and response.location.endswith("/versions/2/edit")
    assert _version(guide.id, 2).content == version.content


def test_malformed_draft_is_422_names_the_line_and_saves_nothing(client, login_as):
    user = login_as("coordinator")
    guide = factories.make_guide(by=user)
    before = _version(guide.id, 1).content
    response = client.post(f"/guides/{guide.id}/versions/1/edit", data={
        "content": "## A\n- [q-a] One\nloose text\n", "change_note": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="content-error"' in page and "Line 3:" in page
    assert _version(guide.id, 1).content == before


def test_publishing_an_empty_draft_is_refused_with_422(client, login_as):
    user = login_as("coordinator")
    guide = factories.make_guide(by=user, content="")
    response = client.post(f"/guides/{guide.id}/versions/1/publish")
    assert response.status_code == 422
    assert "at least one question" in response.get_data(as_text=True)
    assert _version(guide.id, 1).status is VersionStatus.DRAFT


def test_state_changes_refused_by_the_rules_are_409(client, login_as):
    user = login_as("coordinator")
    guide = factories.make_guide(by=user, publish=True)
    base = f"/guides/{guide.id}/versions/1"
    assert client.post(base + "/delete").status_code == 409
    assert client.post(base + "/publish").status_code == 409
    assert client.post(base + "/new-version").status_code == 302
    assert client.post(base + "/new-version").status_code == 409  # a draft exists already
    assert client.post(f"/guides/{guide.id}/versions/2/delete").status_code == 302
    assert client.post(base + "/retire").status_code == 302
    assert _version(guide.id, 1).status is VersionStatus.RETIRED
    assert client.post(base + "/retire").status_code == 409


def test_missing_guides_and_versions_are_404(client, login_as):
    login_as("coordinator")
    guide = factories.make_guide()
    for url in ("/guides/999", "/guides/999/edit", f"/guides/{guide.id}/versions/9",
                f"/guides/{guide.id}/versions/9/print", f"/guides/{guide.id}/versions/9/export.json",
                f"/guides/{guide.id}/compare?old=1&new=9"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/guides/{guide.id}/versions/9/publish").status_code == 404


def test_exports_are_files_and_audited(client, login_as):
    login_as("analyst")
    guide = factories.make_guide(publish=True)
    response = client.get(f"/guides/{guide.id}/versions/1/export.md")
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    assert "attachment" in response.headers["Content-Disposition"]
    version = _version(guide.id, 1)
    assert f'sha256: "{version.content_sha256}"' in response.get_data(as_text=True)
    response = client.get(f"/guides/{guide.id}/versions/1/export.json")
    document = json.loads(response.get_data(as_text=True))
    assert document["version"]["sha256"] == version.content_sha256
    assert document["content"] == version.content
    actions = db.session.scalars(select(AuditEvent.action)
                                 .where(AuditEvent.action == "guide_version.export")).all()
    assert len(actions) == 2


def test_import_a_file_into_a_new_draft(client, login_as):
    user = login_as("researcher")
    guide = factories.make_guide(by=user, publish=True)
    text, _ = services.export_version(_version(guide.id, 1), "json", by=user)
    response = client.post(f"/guides/{guide.id}/import", data={
        "file": (io.BytesIO(text.encode()), "guide.json")}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.endswith("/versions/2/edit")
    response = client.get(f"/guides/{guide.id}/compare?old=1&new=2")
    assert "No differences" in response.get_data(as_text=True)


def test_malformed_import_is_422_beside_the_file_field(client, login_as):
    user = login_as("researcher")
    guide = factories.make_guide(by=user)
    response = client.post(f"/guides/{guide.id}/import", data={
        "file": (io.BytesIO(b"## A\n- Q\n#### Deep\n"), "guide.md")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert re.search(r'id="file-error"><p class="error">Line 3:', response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(GuideVersion)) == 1


def test_compare_shows_changes_side_by_side(client, login_as):
    user = login_as("coordinator")
    guide = factories.make_guide(by=user, publish=True)
    draft = services.new_version(_version(guide.id, 1), by=user)
    services.update_draft(draft, {
        "content": factories.GUIDE_MARKDOWN.replace("When do you trust", "When do you rely on")
                   + "- A brand new question\n",
        "change_note": "Reworded trust"}, by=user)
    page = client.get(f"/guides/{guide.id}/compare?old=1&new=2").get_data(as_text=True)
    assert "<del>When do you trust" in page and "<ins>When do you rely on" in page
    assert "change-added" in page and "A brand new question" in page
    assert client.get(f"/guides/{guide.id}/compare?old=x&new=2").status_code == 400
    assert client.get(f"/guides/{guide.id}/compare").status_code == 200


def test_printable_view_has_study_guide_version_and_hash(client, login_as):
    login_as("researcher")
    guide = factories.make_guide("Radiologists", publish=True)
    version = _version(guide.id, 1)
    response = client.get(f"/guides/{guide.id}/versions/1/print")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "AI in image diagnostics" in page and "Radiologists" in page
    assert f"sha256:{version.content_sha256}" in page
    assert "print.css" in page and 'class="notes"' in page
    assert "Informant" not in page  # no interview context unless opened from an interview
    assert "<script>" not in page and "style=" not in page


def test_printable_view_takes_interview_context(app, login_as, client):
    from fieldwork.guides.views import render_printable

    guide = factories.make_guide(publish=True)
    with app.test_request_context():
        page = render_printable(services.get_version(guide.id, 1), interview_date="3 March 2027",
                                informant_code="VVHT-RAD-03")
    assert "3 March 2027" in page and "VVHT-RAD-03" in page


def test_print_stylesheet_sets_a4_pages(client):
    response = client.get("/static/print.css")
    css = response.get_data(as_text=True)
    response.close()
    assert "size: A4" in css and "@media print" in css


@pytest.mark.parametrize("count", [3, 30])
def test_guide_list_runs_the_same_queries_for_few_and_many(client, login_as, count_queries,
                                                          count):
    user = login_as("analyst")
    role = factories.make_role()
    writer = factories.make_user(role="coordinator")
    for n in range(count):
        guide = factories.make_guide(f"Guide {n:02d}", by=writer, publish=n % 2 == 0,
                                     target_role_ids=[role.id])
        if n % 3 == 0 and n % 2 == 0:
            services.new_version(_version(guide.id, 1), by=writer)
    assert user
    with count_queries as counter:
        response = client.get("/guides/")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Guide ") >= count
    # session user, count, page, target roles, versions: the same however many guides.
    assert counter.count == EXPECTED_LIST_QUERIES, counter.statements


EXPECTED_LIST_QUERIES = 5
