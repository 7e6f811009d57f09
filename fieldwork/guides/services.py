"""Interview guides: create and describe them, draft, publish, retire, copy, compare, import and
export their versions. Every change is audited in the same transaction.

A published version never changes: these functions refuse, and so does the database.
"""

import copy
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..access import UserRole
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..informants.models import Language
from ..organisations.models import Role
from ..validation import clean_text, require_clean
from . import formats
from .diff import compare_content
from .models import Guide, GuideVersion, VersionStatus, guide_target_role

# Who may write and publish guides; analysts read them.
WRITING_ROLES = frozenset({UserRole.ADMIN, UserRole.COORDINATOR, UserRole.RESEARCHER})

_KEY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _language(value):
    if isinstance(value, Language):
        return value
    try:
        return Language((value or "").strip().lower())
    except ValueError:
        raise DomainError(_("Choose a language.")) from None


GUIDE_RULES = {
    "title": lambda v: clean_text(v, max_length=200, required=True, label=_l("Title")),
    "purpose": lambda v: clean_text(v, max_length=5000, label=_l("Purpose"), multiline=True),
    "language": _language,
}
CHANGE_NOTE_RULE = {
    "change_note": lambda v: clean_text(v, max_length=5000, label=_l("Change note"),
                                        multiline=True),
}


# Guides


def create_guide(values, *, by, now=None):
    """A new guide with an empty draft version 1."""
    now = now or utcnow()
    cleaned = require_clean(values, GUIDE_RULES)
    _check_unique_title(cleaned["title"])
    guide = Guide(title=cleaned["title"], purpose=cleaned["purpose"],
                  language=cleaned["language"], created_at=now, updated_at=now)
    guide.target_roles = _roles(values.get("target_role_ids"))
    db.session.add(guide)
    db.session.flush()
    audit.record("guide.create", by=by, entity=guide, after=guide.audit_snapshot(), now=now)
    _add_version(guide.id, 1, formats.empty_content(), "", by=by, now=now, source="new")
    db.session.commit()
    return guide


def update_guide(guide, values, *, by, now=None):
    """Change what a guide is called, for and in; its versions' content is untouched."""
    now = now or utcnow()
    cleaned = require_clean(values, GUIDE_RULES)
    _check_unique_title(cleaned["title"], exclude_id=guide.id)
    guide = get_guide(guide.id)  # with its roles, whatever the caller loaded
    before = guide.audit_snapshot()
    guide.title, guide.purpose, guide.language = (cleaned["title"], cleaned["purpose"],
                                                  cleaned["language"])
    guide.target_roles = _roles(values.get("target_role_ids"))
    if audit.record_update("guide.update", by=by, entity=guide, before=before,
                           after=guide.audit_snapshot(), now=now):
        guide.updated_at = now
    db.session.commit()
    return guide


def _check_unique_title(title, exclude_id=None):
    query = select(Guide.id).where(func.lower(Guide.title) == title.lower())
    if exclude_id is not None:
        query = query.where(Guide.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise DomainError(_("Another guide already has this title."), field="title")


def _roles(ids):
    ids = {int(i) for i in (ids or [])}
    roles = db.session.scalars(select(Role).where(Role.id.in_(ids))).all() if ids else []
    if len(roles) != len(ids):
        raise DomainError(_("Choose roles from the list."), field="target_role_ids")
    return sorted(roles, key=lambda r: r.name)


def _version_summaries():
    """A guide's versions without their content, for lists and menus."""
    return selectinload(Guide.versions).load_only(
        GuideVersion.guide_id, GuideVersion.number, GuideVersion.status,
        GuideVersion.change_note, GuideVersion.content_sha256, GuideVersion.published_at)


def guide_list_query():
    """Guides by title, with target roles and a summary of versions, in a fixed number of
    statements however many guides there are."""
    return (select(Guide).options(selectinload(Guide.target_roles), _version_summaries())
            .order_by(func.lower(Guide.title), Guide.id))


def get_guide(guide_id):
    """A guide with its roles and versions loaded, or None."""
    return db.session.scalar(guide_list_query().where(Guide.id == guide_id))


def get_version(guide_id, number):
    """A version with its guide (and the guide's roles) loaded, or None."""
    return db.session.scalar(
        select(GuideVersion)
        .where(GuideVersion.guide_id == guide_id, GuideVersion.number == number)
        .options(selectinload(GuideVersion.guide).options(
            selectinload(Guide.target_roles), _version_summaries()),
            selectinload(GuideVersion.published_by)))


def choosable_versions(role=None):
    """Versions a new interview may use: published, not retired. With a role (a Role or its id),
    only guides aimed at that role or at no role in particular."""
    query = (select(GuideVersion).join(GuideVersion.guide)
             .where(GuideVersion.status == VersionStatus.PUBLISHED)
             .options(selectinload(GuideVersion.guide))
             .order_by(func.lower(Guide.title), GuideVersion.number.desc()))
    if role is not None:
        role_id = getattr(role, "id", role)
        targeted = select(guide_target_role.c.guide_id).where(
            guide_target_role.c.guide_id == Guide.id)
        query = query.where(or_(
            Guide.id.in_(select(guide_target_role.c.guide_id)
                         .where(guide_target_role.c.role_id == role_id)),
            ~targeted.exists()))
    return db.session.scalars(query).all()


# Versions


def _add_version(guide_id, number, content, change_note, *, by, now, source):
    version = GuideVersion(guide_id=guide_id, number=number, status=VersionStatus.DRAFT,
                           content=content, change_note=change_note, created_at=now,
                           updated_at=now, created_by_id=getattr(by, "id", None))
    db.session.add(version)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise NotAllowed(_("Someone else has just started a draft of this guide; reload the "
                           "page.")) from None
    audit.record("guide_version.create", by=by, entity=version,
                 after={**version.audit_snapshot(), "source": source, "content": content},
                 now=now)
    return version


def _draft_of(guide_id):
    return db.session.scalar(select(GuideVersion).where(GuideVersion.guide_id == guide_id,
                                                        GuideVersion.status == VersionStatus.DRAFT))


def _next_number(guide_id):
    return (db.session.scalar(select(func.max(GuideVersion.number))
                              .where(GuideVersion.guide_id == guide_id)) or 0) + 1


def _require_draft(version, action):
    """Refuse to change a version that has left draft; `action` is "edit", "publish" or
    "delete", the thing the person tried to do."""
    if version.is_draft:
        return
    number, retired = version.number, version.status is VersionStatus.RETIRED
    if action == "publish":
        message = (_("Version %(number)s is retired and can never change; publish a new version "
                     "instead.", number=number) if retired else
                   _("Version %(number)s is published and can never change; publish a new "
                     "version instead.", number=number))
    elif action == "delete":
        message = (_("Version %(number)s is retired and can never change; retire it or make a "
                     "new version instead.", number=number) if retired else
                   _("Version %(number)s is published and can never change; retire it or make "
                     "a new version instead.", number=number))
    else:
        message = (_("Version %(number)s is retired and can never change; make a new version "
                     "instead.", number=number) if retired else
                   _("Version %(number)s is published and can never change; make a new version "
                     "instead.", number=number))
    raise NotAllowed(message)


def new_version(version, *, by, now=None):
    """A draft copy of a published or retired version, numbered after the guide's last one."""
    now = now or utcnow()
    if version.is_draft:
        raise NotAllowed(_("Version %(number)s is still a draft; edit it instead.",
                           number=version.number))
    existing = _draft_of(version.guide_id)
    if existing is not None:
        raise NotAllowed(_("Version %(number)s is already a draft; edit or delete it first.",
                           number=existing.number))
    draft = _add_version(version.guide_id, _next_number(version.guide_id),
                         copy.deepcopy(version.content), "",
                         by=by, now=now, source=f"copy of version {version.number}")
    db.session.commit()
    return draft


def update_draft(version, values, *, by, now=None):
    """Replace a draft's content (Markdown typed in the editor) and change note."""
    now = now or utcnow()
    _require_draft(version, "edit")
    cleaned = require_clean(values, CHANGE_NOTE_RULE)
    parsed = formats.parse_markdown(values.get("content") or "")
    return _replace_draft_content(version, parsed.content, cleaned["change_note"], by=by,
                                  now=now, action="guide_version.update")


def _replace_draft_content(version, content, change_note, *, by, now, action):
    content = assign_keys(version.guide_id, content)
    before = {"change_note": version.change_note, "content": version.content}
    after = {"change_note": change_note, "content": content}
    if audit.record_update(action, by=by, entity=version, before=before, after=after, now=now):
        version.content, version.change_note, version.updated_at = content, change_note, now
    db.session.commit()
    return version


def assign_keys(guide_id, content):
    """Give each theme and question typed without a key one never used in this guide, so a key
    names the same question in every version."""
    used = _keys_in_guide(guide_id)
    for theme in content["themes"]:
        used.add(theme["key"])
        used.update(q["key"] for q in theme["questions"])
    for theme in content["themes"]:
        if theme["key"] is None:
            theme["key"] = _fresh_key("t", used)
        for question in theme["questions"]:
            if question["key"] is None:
                question["key"] = _fresh_key("q", used)
    return content


def _keys_in_guide(guide_id):
    used = set()
    for content in db.session.scalars(select(GuideVersion.content)
                                      .where(GuideVersion.guide_id == guide_id)):
        for theme in content["themes"]:
            used.add(theme["key"])
            used.update(q["key"] for q in theme["questions"])
    return used


def _fresh_key(prefix, used):
    while True:
        key = prefix + "-" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(6))
        if key not in used:
            used.add(key)
            return key


def publish_version(version, *, by, now=None):
    """Freeze a draft: from now on it is the exact text interviewers bring, under its hash."""
    now = now or utcnow()
    _require_draft(version, "publish")
    questions = version.question_count
    if not questions:
        raise DomainError(_("Add at least one question before publishing."), field="content")
    empty = next((t["title"] for t in version.themes if not t["questions"]), None)
    if empty is not None:
        raise DomainError(_("The theme “%(title)s” has no questions; add some or remove it.",
                            title=empty), field="content")
    if version.number > 1 and not version.change_note.strip():
        raise DomainError(_("Write a change note saying what changed since the previous "
                            "version."), field="change_note")
    by_id = getattr(by, "id", None)  # read first: loading it may flush, and all must go at once
    version.content = formats.check_content(version.content)
    if any(t["key"] is None or any(q["key"] is None for q in t["questions"])
           for t in version.themes):
        raise DomainError(_("Every theme and question needs a key; save the draft again."),
                          field="content")
    version.status = VersionStatus.PUBLISHED
    version.content_sha256 = formats.content_sha256(version.content)
    version.published_at, version.published_by_id, version.updated_at = now, by_id, now
    audit.record("guide_version.publish", by=by, entity=version,
                 before={"status": "draft"},
                 after={"status": "published", "content_sha256": version.content_sha256},
                 now=now)
    db.session.commit()
    return version


def retire_version(version, *, by, now=None):
    """Keep a version for the interviews that used it, but offer it for no new one."""
    now = now or utcnow()
    if version.status is not VersionStatus.PUBLISHED:
        raise NotAllowed(
            _("Only a published version can be retired; version %(number)s is retired.",
              number=version.number) if version.status is VersionStatus.RETIRED else
            _("Only a published version can be retired; version %(number)s is a draft.",
              number=version.number))
    by_id = getattr(by, "id", None)
    version.status, version.retired_at, version.retired_by_id = VersionStatus.RETIRED, now, by_id
    audit.record("guide_version.retire", by=by, entity=version, before={"status": "published"},
                 after={"status": "retired"}, now=now)
    db.session.commit()
    return version


def delete_draft(version, *, by, now=None):
    """Delete a draft. The database refuses if anything (an interview) points at it."""
    now = now or utcnow()
    _require_draft(version, "delete")
    others = db.session.scalar(select(func.count()).where(GuideVersion.guide_id == version.guide_id,
                                                          GuideVersion.id != version.id))
    if not others:
        raise NotAllowed(_("A guide keeps at least one version; edit this draft instead."))
    snapshot = {**version.audit_snapshot(), "content": version.content}
    version_id = version.id
    try:
        db.session.delete(version)
        db.session.flush()
    except (IntegrityError, DBAPIError):
        db.session.rollback()
        raise NotAllowed(_("This version is used by interviews and cannot be deleted.")) from None
    audit.record("guide_version.delete", by=by, entity_type="guide_version",
                 entity_id=version_id, before=snapshot, now=now)
    db.session.commit()


def import_version(guide, filename, data, *, by, now=None):
    """Read a Markdown or JSON file into the guide's draft (replacing its content), or into a
    new draft when there is none. A file with any error changes nothing."""
    now = now or utcnow()
    try:
        parsed = formats.parse_file(filename, data)
    except formats.FormatError as error:
        error.field = "file"  # shown beside the upload field
        raise
    change_note = clean_text(parsed.meta.get("change-note", ""), max_length=5000,
                             label=_l("Change note"), multiline=True)
    draft = _draft_of(guide.id)
    if draft is None:
        draft = _add_version(guide.id, _next_number(guide.id), formats.empty_content(), "",
                             by=by, now=now, source="import")
    return _replace_draft_content(draft, parsed.content, change_note, by=by, now=now,
                                  action="guide_version.import")


def export_version(version, kind, *, by, now=None):
    """The version as a Markdown or JSON file (text, file name); the export is audited."""
    now = now or utcnow()
    render, extension = {"markdown": (formats.export_markdown, "md"),
                         "json": (formats.export_json, "json")}[kind]
    text = render(version, version.guide)
    audit.record("guide_version.export", by=by, entity=version,
                 after={"format": kind, "content_sha256": version.content_sha256}, now=now)
    db.session.commit()
    return text, f"guide-{version.guide_id}-v{version.number}.{extension}"


def compare_versions(old, new):
    """The side-by-side difference between two versions of the same guide."""
    if old.guide_id != new.guide_id:
        raise DomainError(_("Only versions of the same guide can be compared."))
    return compare_content(old.content, new.content)
