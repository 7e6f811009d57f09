"""Interview guides: services, formats and the version diff, without HTTP."""

import hashlib
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from fieldwork.audit.models import AuditEvent
from fieldwork.errors import DomainError, NotAllowed
from fieldwork.extensions import db
from fieldwork.guides import formats, services
from fieldwork.guides.diff import compare_content
from fieldwork.guides.models import GuideVersion, VersionStatus
from tests import factories


@pytest.fixture
def writer(app):
    return factories.make_user(role="researcher")


def _version(guide, number):
    db.session.expire_all()
    return services.get_version(guide.id, number)


def _actions(entity_type=None):
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    return db.session.scalars(query).all()


def _content(*themes):
    """Content from (theme key, title, [(question key, text, [probes])]) tuples."""
    return {"themes": [{"key": k, "title": t,
                        "questions": [{"key": qk, "text": qt, "probes": list(p)}
                                      for qk, qt, p in qs]} for k, t, qs in themes]}


# Creating and editing drafts


def test_new_guide_starts_with_an_empty_draft_version_1(writer):
    guide = services.create_guide({"title": "Radiologists", "purpose": "Workflow and trust",
                                   "language": "en"}, by=writer)
    version = _version(guide, 1)
    assert version.status is VersionStatus.DRAFT
    assert version.content == {"themes": []}
    assert _actions() [-2:] == ["guide.create", "guide_version.create"]


def test_guide_title_is_required_and_unique(writer):
    factories.make_guide("Clinic managers", by=writer)
    with pytest.raises(DomainError) as error:
        services.create_guide({"title": "clinic MANAGERS", "language": "en"}, by=writer)
    assert error.value.field == "title"
    with pytest.raises(DomainError) as error:
        services.create_guide({"title": "  ", "language": "en"}, by=writer)
    assert error.value.field == "title"


def test_guide_targets_roles_and_changes_are_audited(writer):
    radiologist = factories.make_role(name="Radiologist", code="RAD")
    manager = factories.make_role(name="Clinic manager", code="CM")
    guide = factories.make_guide(by=writer, target_role_ids=[radiologist.id])
    services.update_guide(guide, {"title": guide.title, "purpose": "New purpose",
                                  "language": "nb", "target_role_ids": [manager.id, radiologist.id]},
                          by=writer)
    guide = services.get_guide(guide.id)
    assert [r.name for r in guide.target_roles] == ["Clinic manager", "Radiologist"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "guide.update")).one()
    assert event.after == {"purpose": "New purpose", "language": "nb",
                           "target_role_ids": sorted([manager.id, radiologist.id])}
    with pytest.raises(DomainError) as error:
        services.update_guide(guide, {"title": "X", "language": "en", "target_role_ids": [99999]},
                              by=writer)
    assert error.value.field == "target_role_ids"


def test_keys_are_given_to_new_items_and_kept_when_typed(writer):
    guide = factories.make_guide(by=writer, content="## Workflow\n- How is it?\n  - Really?\n"
                                                    "- [q-mine] Typed key\n")
    theme = _version(guide, 1).themes[0]
    assert theme["key"].startswith("t-")
    first, second = theme["questions"]
    assert first["key"].startswith("q-") and first["probes"] == ["Really?"]
    assert second["key"] == "q-mine"


def test_generated_keys_never_reuse_a_key_of_an_earlier_version(writer, monkeypatch):
    guide = factories.make_guide(by=writer, publish=True)  # uses q-daily
    draft = services.new_version(_version(guide, 1), by=writer)
    keys = iter(["q-daily", "q-fresh"])
    monkeypatch.setattr(services, "_fresh_key", lambda prefix, used: next(
        k for k in keys if k not in used))
    services.update_draft(draft, {"content": "## [t-workflow] Workflow\n- A new question\n",
                                  "change_note": ""}, by=writer)
    assert _version(guide, 2).themes[0]["questions"][0]["key"] == "q-fresh"


def test_malformed_draft_text_names_the_line_and_changes_nothing(writer):
    guide = factories.make_guide(by=writer)
    before = _version(guide, 1).content
    with pytest.raises(DomainError) as error:
        services.update_draft(_version(guide, 1), {
            "content": "## [t-a] A\n- [q-a] One\n\nJust a paragraph\n", "change_note": "x"},
            by=writer)
    assert error.value.message.startswith("Line 4:")
    assert error.value.field == "content"
    db.session.rollback()
    assert _version(guide, 1).content == before
    assert _version(guide, 1).change_note == ""


# Publishing freezes


def test_publishing_freezes_the_content_under_its_hash(writer):
    guide = factories.make_guide(by=writer)
    version = services.publish_version(_version(guide, 1), by=writer)
    assert version.status is VersionStatus.PUBLISHED
    assert version.published_by_id == writer.id and version.published_at is not None
    assert version.content_sha256 == hashlib.sha256(
        formats.canonical_json(version.content).encode()).hexdigest()
    with pytest.raises(NotAllowed):
        services.update_draft(version, {"content": "## T\n- Q\n", "change_note": ""}, by=writer)
    with pytest.raises(NotAllowed):
        services.publish_version(version, by=writer)
    with pytest.raises(NotAllowed):
        services.delete_draft(version, by=writer)
    assert _actions("guide_version")[-1] == "guide_version.publish"


@pytest.mark.parametrize("statement", [
    "UPDATE guide_version SET content = '{\"themes\": []}' WHERE id = :id",
    "UPDATE guide_version SET change_note = 'rewritten' WHERE id = :id",
    "UPDATE guide_version SET content_sha256 = 'x' WHERE id = :id",
    "UPDATE guide_version SET status = 'draft' WHERE id = :id",
    "DELETE FROM guide_version WHERE id = :id",
])
def test_the_database_refuses_to_change_a_published_version(writer, statement):
    guide = factories.make_guide(by=writer, publish=True)
    version_id = _version(guide, 1).id
    with pytest.raises(DBAPIError):
        db.session.execute(text(statement), {"id": version_id})
    db.session.rollback()


def test_the_database_lets_a_published_version_retire_but_not_come_back(writer):
    guide = factories.make_guide(by=writer, publish=True)
    version = services.retire_version(_version(guide, 1), by=writer)
    assert version.status is VersionStatus.RETIRED
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE guide_version SET status = 'published' WHERE id = :id"),
                           {"id": version.id})
    db.session.rollback()


def test_publishing_needs_questions_and_a_change_note_after_version_1(writer):
    guide = factories.make_guide(by=writer, content="")
    with pytest.raises(DomainError, match="at least one question"):
        services.publish_version(_version(guide, 1), by=writer)
    services.update_draft(_version(guide, 1), {"content": "## A\n- Q\n## Empty\n",
                                               "change_note": ""}, by=writer)
    with pytest.raises(DomainError, match="Empty"):
        services.publish_version(_version(guide, 1), by=writer)
    services.update_draft(_version(guide, 1), {"content": "## A\n- Q\n", "change_note": ""},
                          by=writer)
    services.publish_version(_version(guide, 1), by=writer)
    draft = services.new_version(_version(guide, 1), by=writer)
    with pytest.raises(DomainError) as error:
        services.publish_version(draft, by=writer)
    assert error.value.field == "change_note"


def test_hash_is_the_same_on_every_database(writer):
    """A fixed expected value: this test runs on SQLite and on PostgreSQL."""
    content = ("## [t-styring] Styring og anskaffelse\n"
               "- [q-hvem] Hvem bestemte at verktøyet skulle tas i bruk?\n"
               "  - Hvem ble «ikke» spurt?\n"
               "- [q-quote] A \"quoted\" question \\ with a backslash — and ümlauts\n")
    guide = factories.make_guide(by=writer, content=content, publish=True)
    version = _version(guide, 1)
    assert version.content_sha256 == (
        "71a28b0e455a3c7f2e6afdbf998b5ac0f1500cdc270f99d1fa699b12fd97397d")
    assert formats.content_sha256(version.content) == version.content_sha256


# New versions, retiring, deleting, choosing


def test_new_version_copies_into_a_draft_numbered_after_the_last(writer):
    guide = factories.make_guide(by=writer, publish=True)
    first = _version(guide, 1)
    draft = services.new_version(first, by=writer)
    assert (draft.number, draft.status, draft.content) == (2, VersionStatus.DRAFT, first.content)
    assert draft.change_note == ""
    with pytest.raises(NotAllowed, match="already a draft"):
        services.new_version(first, by=writer)
    with pytest.raises(NotAllowed, match="still a draft"):
        services.new_version(draft, by=writer)
    services.update_draft(draft, {"content": "## [t-x] Changed\n- [q-x] Changed\n",
                                  "change_note": "Shorter"}, by=writer)
    assert _version(guide, 1).content == first.content  # the copy is not shared


def test_the_only_version_of_a_guide_is_not_deleted(writer):
    guide = factories.make_guide(by=writer)
    with pytest.raises(NotAllowed, match="at least one version"):
        services.delete_draft(_version(guide, 1), by=writer)


def test_only_drafts_are_deleted_and_the_next_number_follows_the_last(writer):
    guide = factories.make_guide(by=writer, publish=True)
    draft = services.new_version(_version(guide, 1), by=writer)
    services.delete_draft(draft, by=writer)
    assert _version(guide, 2) is None
    assert services.new_version(_version(guide, 1), by=writer).number == 2
    assert "guide_version.delete" in _actions("guide_version")


def test_choosable_versions_are_published_and_not_retired(writer):
    radiologist = factories.make_role(name="Radiologist", code="RAD")
    manager = factories.make_role(name="Clinic manager", code="CM")
    for_radiologists = factories.make_guide("Radiologists", by=writer, publish=True,
                                            target_role_ids=[radiologist.id])
    for_anyone = factories.make_guide("General", by=writer, publish=True)
    factories.make_guide("Managers", by=writer, target_role_ids=[manager.id])  # draft only
    services.new_version(_version(for_anyone, 1), by=writer)  # a draft 2, not choosable
    retired = factories.make_guide("Old", by=writer, publish=True)
    services.retire_version(_version(retired, 1), by=writer)

    def names(versions):
        return [(v.guide.title, v.number) for v in versions]

    assert names(services.choosable_versions()) == [("General", 1), ("Radiologists", 1)]
    assert names(services.choosable_versions(radiologist)) == [("General", 1), ("Radiologists", 1)]
    assert names(services.choosable_versions(manager.id)) == [("General", 1)]
    assert for_radiologists  # noqa


def test_retiring_needs_a_published_version(writer):
    guide = factories.make_guide(by=writer)
    with pytest.raises(NotAllowed):
        services.retire_version(_version(guide, 1), by=writer)


# The diff


BASE = _content(
    ("t-a", "Workflow", [("q-1", "One?", ["p1"]), ("q-2", "Two?", []), ("q-3", "Three?", [])]),
    ("t-b", "Governance", [("q-4", "Four?", []), ("q-5", "Five?", [])]),
)


def test_identical_versions_have_no_difference():
    diff = compare_content(BASE, json.loads(json.dumps(BASE)))
    assert diff.is_identical
    assert [r.key for r in diff.rows] == ["t-a", "q-1", "q-2", "q-3", "t-b", "q-4", "q-5"]


def test_diff_finds_added_removed_reworded_and_probes():
    new = _content(
        ("t-a", "Workflow", [("q-1", "One, reworded?", ["p1", "p2"]), ("q-3", "Three?", []),
                             ("q-6", "Six?", [])]),
        ("t-b", "Governance", [("q-4", "Four?", []), ("q-5", "Five?", [])]),
    )
    diff = compare_content(BASE, new)
    changes = {r.key: r.changes for r in diff.rows}
    assert changes == {"t-a": set(), "q-1": {"reworded", "probes"}, "q-2": {"removed"},
                       "q-3": set(), "q-6": {"added"}, "t-b": set(), "q-4": set(), "q-5": set()}
    # the removed question stays where it was, between its old neighbours
    assert [r.key for r in diff.rows][:5] == ["t-a", "q-1", "q-2", "q-3", "q-6"]
    assert diff.summary() == {"theme": {}, "question": {"added": 1, "removed": 1,
                                                         "reworded": 1, "probes": 1}}
    old_probes, new_probes = diff.rows[1].probe_lines()
    assert old_probes == [("p1", "kept")] and new_probes == [("p1", "kept"), ("p2", "added")]


def test_diff_finds_moves_within_and_across_themes_without_blaming_neighbours():
    new = _content(
        ("t-b", "Governance and policy", [("q-4", "Four?", []), ("q-2", "Two?", []),
                                          ("q-5", "Five?", [])]),
        ("t-a", "Workflow", [("q-3", "Three?", []), ("q-1", "One?", ["p1"])]),
    )
    diff = compare_content(BASE, new)
    changes = {r.key: r.changes for r in diff.rows}
    # One theme moved (not both); q-2 went to another theme; q-1 moved after q-3.
    assert sum("moved" in changes[k] for k in ("t-a", "t-b")) == 1
    assert changes["t-b"] >= {"reworded"}
    assert changes["q-2"] == {"moved"}
    assert next(r for r in diff.rows if r.key == "q-2").old_theme == "Workflow"
    assert sum("moved" in changes[k] for k in ("q-1", "q-3")) == 1
    assert changes["q-4"] == set() and changes["q-5"] == set()


def test_diff_of_removed_and_added_themes():
    new = _content(("t-a", "Workflow", [("q-1", "One?", ["p1"]), ("q-2", "Two?", []),
                                        ("q-3", "Three?", [])]),
                   ("t-c", "Policy", [("q-7", "Seven?", [])]))
    diff = compare_content(BASE, new)
    changes = {r.key: r.changes for r in diff.rows}
    assert changes["t-b"] == {"removed"} and changes["q-4"] == {"removed"}
    assert changes["t-c"] == {"added"} and changes["q-7"] == {"added"}


def test_compare_versions_of_the_same_guide_only(writer):
    one = factories.make_guide(by=writer)
    other = factories.make_guide(by=writer)
    with pytest.raises(DomainError):
        services.compare_versions(_version(one, 1), _version(other, 1))


# Formats and round trips


TRICKY = _content(
    ("t-x", "Tema: «styring» & *emphasis* # not a heading", [
        ("q-a", "[q-b] looks like a key but is text", ["- a dash", "  indented?"[2:], "1. numbered"]),
        ("q-c", "Ends with a backslash \\", []),
        ("q-d", "\"Quotes\" and emoji 🙂 and æøå", ["[t-x] probe"]),
    ]),
    ("t-y", "Empty-looking", [("q-e", "## not a theme", [])]),
)


def test_markdown_round_trip_is_exact(writer):
    guide = factories.make_guide(by=writer, content="")
    version = _version(guide, 1)
    version.content = TRICKY
    text = formats.export_markdown(version, guide)
    parsed = formats.parse_markdown(text)
    assert parsed.content == TRICKY
    assert parsed.meta["guide"] == guide.title and parsed.meta["version"] == "1"
    assert formats.parse_markdown(formats.markdown_body(TRICKY)).content == TRICKY
    db.session.rollback()


def test_json_round_trip_is_exact(writer):
    guide = factories.make_guide(by=writer, content="")
    version = _version(guide, 1)
    version.content = TRICKY
    text = formats.export_json(version, guide)
    assert formats.parse_json(text).content == TRICKY
    assert formats.parse_json(text.encode()).content == TRICKY
    db.session.rollback()


@pytest.mark.parametrize("kind", ["markdown", "json"])
def test_import_export_compare_shows_no_difference(writer, kind):
    guide = factories.make_guide(by=writer, publish=True)
    text, filename = services.export_version(_version(guide, 1), kind, by=writer)
    draft = services.import_version(services.get_guide(guide.id), filename, text.encode(),
                                    by=writer)
    assert draft.number == 2
    assert services.compare_versions(_version(guide, 1), _version(guide, 2)).is_identical
    services.update_draft(_version(guide, 2), {"content": formats.markdown_body(draft.content),
                                               "change_note": "Same again"}, by=writer)
    again = services.publish_version(_version(guide, 2), by=writer)
    assert again.content_sha256 == _version(guide, 1).content_sha256
    assert {"guide_version.export", "guide_version.import"} <= set(_actions("guide_version"))


def test_import_replaces_the_existing_draft(writer):
    guide = factories.make_guide(by=writer)
    services.import_version(services.get_guide(guide.id), "guide.md",
                            b"## Only\n- One question\n", by=writer)
    version = _version(guide, 1)
    assert [q["text"] for q in version.themes[0]["questions"]] == ["One question"]
    assert _version(guide, 2) is None


def test_import_accepts_word_processor_markdown(writer):
    text = ("\ufeff# Radiologists\r\n\r\n## Workflow\r\n\r\n*   How is a day?\r\n"
            "    *   Morning?\r\n1. Numbered question\r\n\t- tab probe\r\n").encode()
    guide = factories.make_guide(by=writer, content="")
    version = services.import_version(services.get_guide(guide.id), "draft.markdown", text,
                                      by=writer)
    questions = version.themes[0]["questions"]
    assert [(q["text"], q["probes"]) for q in questions] == [
        ("How is a day?", ["Morning?"]), ("Numbered question", ["tab probe"])]


@pytest.mark.parametrize("name, data, line", [
    ("g.md", "## [t-a] A\n- [q-a] One\n- [q-a] Again\n", 3),
    ("g.md", "- A question with no theme\n", 1),
    ("g.md", "## A\n  - a probe before any question\n", 2),
    ("g.md", "## A\n### Sub\n", 2),
    ("g.md", "## [q-a] A theme with a question key\n", 1),
    ("g.md", "## A\n- [Q-A] Capital key\n", 2),
    ("g.md", "## A\n- [q-a]\n", 2),
    ("g.md", "---\nversion: 1\n", 1),
    ("g.md", "## A\n- \x07 bell\n", 2),
    ("g.json", '{"content": {"themes": [\n  {"title": "A", "questions": [\n    {"txt": "Q"}]}]}}', 3),
    ("g.json", '{"content": {"themes": [\n  {"title": "A",\n "questions": []}\n,]}}', 4),
    ("g.json", '{"content": {"themes": [\n  {"key": "bad key", "title": "A"}]}}', 2),
    ("g.json", '{"content": {"themes": [{"title": "A", "questions": [\n{"text": "Q",\n'
               ' "probes": [1]}]}]}}', 2),
])
def test_malformed_files_name_the_line_and_change_nothing(writer, name, data, line):
    guide = factories.make_guide(by=writer)
    before = _version(guide, 1).content
    count = len(_actions())
    with pytest.raises(DomainError) as error:
        services.import_version(services.get_guide(guide.id), name, data.encode(), by=writer)
    assert error.value.message.startswith(f"Line {line}:"), error.value.message
    db.session.rollback()
    assert _version(guide, 1).content == before and len(_actions()) == count


def test_unknown_file_types_and_non_utf8_are_refused(writer):
    guide = factories.make_guide(by=writer)
    with pytest.raises(DomainError) as error:
        services.import_version(services.get_guide(guide.id), "guide.docx", b"x", by=writer)
    assert error.value.field == "file"
    with pytest.raises(DomainError, match="Line 2: the file is not UTF-8"):
        services.import_version(services.get_guide(guide.id), "g.md", b"## A\n- \xff\n",
                                by=writer)


def test_every_change_is_audited(writer):
    guide = factories.make_guide(by=writer, publish=True)
    draft = services.new_version(_version(guide, 1), by=writer)
    services.delete_draft(draft, by=writer)
    services.retire_version(_version(guide, 1), by=writer)
    assert _actions("guide_version") == [
        "guide_version.create", "guide_version.update", "guide_version.publish",
        "guide_version.create", "guide_version.delete", "guide_version.retire"]
    assert GuideVersion  # noqa
