from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from .. import aggregates, audit
from ..database import ListPage, utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..organisations.models import GovernanceLevel, Organisation, Role
from ..validation import clean_email, clean_person_name, clean_phone, clean_text, require_clean
from .models import Informant, Language, PseudonymCounter, RecruitmentStatus

EDITABLE_FIELDS = ("name", "email", "phone", "organisation_id", "role_id", "job_title", "language",
                   "status", "notes")


INFORMANT_RULES = {
    "name": lambda v: clean_person_name(v, max_length=200, required=True, label=_l("Name")),
    "email": lambda v: clean_email(v, required=False),
    "phone": clean_phone,
    "job_title": lambda v: clean_text(v, max_length=200, label=_l("Job title")),
    "notes": lambda v: clean_text(v, max_length=10_000, label=_l("Notes"), multiline=True),
    "language": lambda v: _choice(Language, v, Language.NB,
                                  lambda: _("Language must be nb or en.")),
    "status": lambda v: _choice(RecruitmentStatus, v, RecruitmentStatus.IDENTIFIED,
                                lambda: _("Status must be one of: %(values)s.", values=", ".join(
                                    s.value for s in RecruitmentStatus))),
}


def _choice(enum_class, value, default, message):
    if isinstance(value, enum_class):
        return value
    value = (value or "").strip().lower()
    if not value:
        return default
    try:
        return enum_class(value)
    except ValueError:
        raise DomainError(message()) from None


def _existing_informant_message(existing, *, show_name=True):
    if show_name:
        return _("This email address already belongs to informant %(code)s (%(name)s).",
                 code=existing.code, name=existing.name)
    return _("This email address already belongs to informant %(code)s.", code=existing.code)


def _check_unique_email(email, *, exclude_id=None):
    if not email:
        return
    query = select(Informant).where(Informant.email == email)
    if exclude_id is not None:
        query = query.where(Informant.id != exclude_id)
    existing = db.session.scalar(query)
    if existing is not None:
        raise DomainError(_existing_informant_message(existing), field="email")


def allocate_codes(prefix, count=1):
    """Reserve `count` consecutive numbers under a prefix and return the codes.

    One UPDATE ... RETURNING is atomic on PostgreSQL and SQLite, so concurrent requests never
    receive the same number; numbers are never handed back, even when the informant is deleted.
    """
    bump = (update(PseudonymCounter).where(PseudonymCounter.prefix == prefix)
            .values(last_number=PseudonymCounter.last_number + count)
            .returning(PseudonymCounter.last_number))
    last = db.session.scalar(bump)
    if last is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(PseudonymCounter).values(prefix=prefix, last_number=count))
            last = count
        except IntegrityError:  # another transaction created the counter first
            last = db.session.scalar(bump)
    return [f"{prefix}-{number:02d}" for number in range(last - count + 1, last + 1)]


def code_prefix(organisation, role):
    return f"{organisation.code}-{role.code}"


def _reference(model, ident, field_name):
    obj = db.session.get(model, ident) if ident else None
    if obj is None:
        raise DomainError(_("Choose an organisation.") if model is Organisation
                          else _("Choose a role."), field=field_name)
    return obj


def create_informant(values, *, by, now=None):
    """Register an informant and give them a pseudonym code, which never changes afterwards."""
    now = now or utcnow()
    cleaned = require_clean(values, INFORMANT_RULES)
    organisation = _reference(Organisation, values.get("organisation_id"), "organisation_id")
    role = _reference(Role, values.get("role_id"), "role_id")
    _check_unique_email(cleaned["email"])
    informant = Informant(
        code=allocate_codes(code_prefix(organisation, role))[0],
        name=cleaned["name"], email=cleaned["email"], phone=cleaned["phone"],
        organisation_id=organisation.id, role_id=role.id, job_title=cleaned["job_title"],
        language=cleaned["language"], status=cleaned["status"],
        notes=cleaned["notes"], created_at=now, updated_at=now,
    )
    db.session.add(informant)
    db.session.flush()
    audit.record("informant.create", by=by, entity=informant, after=informant.audit_snapshot(),
                 now=now)
    db.session.commit()
    return informant


def update_informant(informant, values, *, by, now=None):
    """Change an informant's details. The pseudonym code stays as it was first assigned."""
    now = now or utcnow()
    cleaned = require_clean(values, INFORMANT_RULES)
    cleaned["organisation_id"] = _reference(Organisation, values.get("organisation_id"),
                                            "organisation_id").id
    cleaned["role_id"] = _reference(Role, values.get("role_id"), "role_id").id
    _check_unique_email(cleaned["email"], exclude_id=informant.id)
    before = informant.audit_snapshot()
    for name in EDITABLE_FIELDS:
        setattr(informant, name, cleaned[name])
    if audit.record_update("informant.update", by=by, entity=informant, before=before,
                           after=informant.audit_snapshot(), now=now):
        informant.updated_at = now
    db.session.commit()
    return informant


def delete_informant(informant, *, by, now=None):
    """Delete an informant nothing refers to. The database's foreign keys decide what refers to
    one, so interviews and consent records added by later features are covered too."""
    snapshot = informant.audit_snapshot()
    informant_id = informant.id
    try:
        db.session.delete(informant)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise NotAllowed(_("This informant is linked to other records (interviews, consent) "
                           "and cannot be deleted. Set the status to withdrawn instead.")) from None
    audit.record("informant.delete", by=by, entity_type="informant", entity_id=informant_id,
                 before=snapshot, now=now)
    db.session.commit()


@dataclass
class InformantFilter:
    organisation_id: int | None = None
    governance_level: GovernanceLevel | None = None
    role_id: int | None = None
    status: RecruitmentStatus | None = None
    text: str = ""
    sort: str = "code"
    descending: bool = False


# What the list can be sorted by; names only for those who may see them.
SORT_COLUMNS = {
    "code": Informant.code,
    "name": Informant.name,
    "organisation": Organisation.code,
    "role": Role.name,
    "status": Informant.status,
    "created": Informant.created_at,
}
IDENTITY_SORTS = {"name"}


def matching_text(text, *, sees_identities):
    """The condition for informants whose code (and, for roles that see identities, name, email
    or job title) contains `text`, ignoring case; None for no text."""
    text = (text or "").strip()
    if not text:
        return None
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # Analysts may search by code only: matching a name they cannot see would reveal it.
    columns = [Informant.code]
    if sees_identities:
        columns += [Informant.name, Informant.email, Informant.job_title]
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))


def _matching(query, criteria, *, sees_identities):
    """`query` narrowed to the informants matching the filter; conditions on the informant table
    alone, so the same filter counts without a join."""
    if criteria.organisation_id:
        query = query.where(Informant.organisation_id == criteria.organisation_id)
    if criteria.governance_level:
        query = query.where(Informant.organisation_id.in_(
            select(Organisation.id).where(Organisation.governance_level == criteria.governance_level)))
    if criteria.role_id:
        query = query.where(Informant.role_id == criteria.role_id)
    if criteria.status:
        query = query.where(Informant.status == criteria.status)
    matching = matching_text(criteria.text, sees_identities=sees_identities)
    if matching is not None:
        query = query.where(matching)
    return query


def _sorted(query, criteria, *, sees_identities):
    sort = criteria.sort if criteria.sort in SORT_COLUMNS else "code"
    if sort in IDENTITY_SORTS and not sees_identities:
        sort = "code"
    column = SORT_COLUMNS[sort]
    # Ties go by id in the same direction, so an index on (column, id) serves either order.
    if criteria.descending:
        return query.order_by(column.desc(), Informant.id.desc())
    return query.order_by(column.asc(), Informant.id)


def informant_query(criteria, *, sees_identities):
    """The informants matching a filter, with organisation and role loaded in the same query."""
    query = (select(Informant).join(Informant.organisation).join(Informant.role)
             .options(contains_eager(Informant.organisation), contains_eager(Informant.role)))
    return _sorted(_matching(query, criteria, sees_identities=sees_identities), criteria,
                   sees_identities=sees_identities)


def informant_page(criteria, *, sees_identities, page, per_page):
    """One page of the list: the columns it shows, and the total counted on the informant table
    alone."""
    rows = (select(Informant.id, Informant.code, Informant.name, Informant.job_title,
                   Informant.status, Organisation.code.label("organisation_code"),
                   Organisation.name.label("organisation_name"), Organisation.governance_level,
                   Role.name.label("role_name"))
            .join(Organisation, Organisation.id == Informant.organisation_id)
            .join(Role, Role.id == Informant.role_id))
    rows = _sorted(_matching(rows, criteria, sees_identities=sees_identities), criteria,
                   sees_identities=sees_identities)
    count = _matching(select(func.count()).select_from(Informant), criteria,
                      sees_identities=sees_identities)
    if count.whereclause is None:
        # Everyone: a count over the whole table, kept per version of the study's data.
        count = _kept_total(count)
    return ListPage(rows, count, page=page, per_page=per_page, max_per_page=200, error_out=False)


def _kept_total(count):
    return lambda: aggregates.kept("informant total", None, lambda: db.session.scalar(count))


def get_informant(informant_id):
    """An informant with organisation and role loaded, or None."""
    return db.session.scalar(
        informant_query(InformantFilter(), sees_identities=False).where(Informant.id == informant_id))


def informant_counts_by_status():
    rows = db.session.execute(select(Informant.status, func.count()).group_by(Informant.status))
    return {status: count for status, count in rows}
