"""Organisations and the role list: reference data that informants point to."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import aggregates, audit
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..validation import clean_code, clean_text, require_clean
from .models import GovernanceLevel, Organisation, Role


def _governance_level(value):
    try:
        return GovernanceLevel(value)
    except ValueError:
        raise DomainError(_("Choose a governance level.")) from None


ORGANISATION_RULES = {
    "name": lambda v: clean_text(v, max_length=200, required=True, label=_l("Name")),
    "code": lambda v: clean_code(v, max_length=10),
    "governance_level": _governance_level,
    "departments": lambda v: clean_text(v, max_length=2000, label=_l("Departments"),
                                           multiline=True),
}
ROLE_RULES = {
    "name": lambda v: clean_text(v, max_length=100, required=True, label=_l("Name")),
    "code": lambda v: clean_code(v, max_length=6),
}


def _taken_message(model, name):
    """Whole sentences, one per kind of thing and column, so each reads well in every language."""
    if model is Organisation:
        return (_("Another organisation already has this name.") if name == "name"
                else _("Another organisation already has this code."))
    return (_("Another role already has this name.") if name == "name"
            else _("Another role already has this code."))


def _check_unique(model, values, exclude_id):
    for name in ("name", "code"):
        column = getattr(model, name)
        query = select(model.id).where(func.lower(column) == values[name].lower())
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if db.session.scalar(query) is not None:
            raise DomainError(_taken_message(model, name), field=name)


def _save(model, obj, values, *, by, now):
    _check_unique(model, values, getattr(obj, "id", None))
    creating = obj is None
    before = None if creating else obj.audit_snapshot()
    if creating:
        obj = model(created_at=now or utcnow())
        db.session.add(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    db.session.flush()
    after = obj.audit_snapshot()
    if creating:
        audit.record(f"{model.audit_type}.create", by=by, entity=obj, after=after, now=now)
    else:
        audit.record_update(f"{model.audit_type}.update", by=by, entity=obj, before=before,
                            after=after, now=now)
    db.session.commit()
    return obj


def _delete(obj, *, by, now):
    snapshot, ident = obj.audit_snapshot(), obj.id
    try:
        db.session.delete(obj)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise NotAllowed(
            _("This organisation is in use (by informants or interview guides) and cannot be "
              "deleted.") if isinstance(obj, Organisation)
            else _("This role is in use (by informants or interview guides) and cannot be "
                   "deleted.")) from None
    audit.record(f"{obj.audit_type}.delete", by=by, entity_type=obj.audit_type, entity_id=ident,
                 before=snapshot, now=now)
    db.session.commit()


def create_organisation(values, *, by, now=None):
    return _save(Organisation, None, require_clean(values, ORGANISATION_RULES), by=by, now=now)


def update_organisation(organisation, values, *, by, now=None):
    """Rename or reclassify an organisation. Codes already given to informants stay as they are."""
    return _save(Organisation, organisation, require_clean(values, ORGANISATION_RULES), by=by, now=now)


def delete_organisation(organisation, *, by, now=None):
    _delete(organisation, by=by, now=now)


def create_role(values, *, by, now=None):
    return _save(Role, None, require_clean(values, ROLE_RULES), by=by, now=now)


def update_role(role, values, *, by, now=None):
    return _save(Role, role, require_clean(values, ROLE_RULES), by=by, now=now)


def delete_role(role, *, by, now=None):
    _delete(role, by=by, now=now)


def list_organisations():
    return db.session.scalars(select(Organisation).order_by(Organisation.governance_level,
                                                            Organisation.name)).all()


def list_roles():
    return db.session.scalars(select(Role).order_by(Role.name)).all()


def organisation_choices():
    return [(o.id, f"{o.name} ({o.code})") for o in list_organisations()]


def role_choices():
    return [(r.id, r.name) for r in list_roles()]


def filter_choices():
    """(organisation choices, role choices) for the lists' filters, read once per version of the
    study's data and kept between requests: one small query instead of two on every list page.
    Organisations and roles are among the tables whose changes raise that version."""
    def compute():
        organisations = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.code)
            .order_by(Organisation.governance_level, Organisation.name)).all()
        roles = db.session.execute(select(Role.id, Role.name).order_by(Role.name)).all()
        return ([(o.id, f"{o.name} ({o.code})") for o in organisations],
                [(r.id, r.name) for r in roles])
    return aggregates.kept("filter choices", None, compute)
