from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from ..access import UserRole, allow_roles
from ..extensions import db
from ..forms import StudyDateField, free_text, options, page_number
from ..timeutil import where_on_local_days
from . import security
from .models import AuditEvent

blueprint = Blueprint("audit", __name__, url_prefix="/audit")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(
        lazy_pgettext("audit event", "Kind"), validators=[Optional()],
        choices=options([("", _l("Any")), ("security", _l("Security events")),
                         ("other", _l("Changes and exports"))]),
        description=_l("Security events: logins, refused access, refused personal links, views "
                       "and exports of identities."))
    action = StringField(_l("Action"), validators=[free_text(_l("Action"), max_length=64)],
                         description=_l("For example informant.update, or informant. for all"))
    entity_type = SelectField(_l("Record type"), validators=[Optional()], choices=options([
        ("", _l("Any")), ("user", _l("User")), ("organisation", _l("Organisation")),
        ("role", _l("Role")), ("informant", _l("Informant")),
        ("offer", lazy_pgettext("noun", "Offer"))]))
    entity_id = StringField(_l("Record id"),
                            validators=[free_text(_l("Record id"), max_length=64)])
    actor = StringField(_l("Who (email)"), validators=[free_text(_l("Who"), max_length=254)])
    date_from = StudyDateField(_l("From"), validators=[Optional()])
    date_to = StudyDateField(_l("To"), validators=[Optional()])


@blueprint.get("/", endpoint="list")
@allow_roles(UserRole.ADMIN)
def list_events():
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("audit/list.html", form=form, page=None), 400
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.kind.data:
        security_events = security.is_security_event()
        query = query.where(security_events if form.kind.data == "security" else ~security_events)
    if form.action.data:
        query = query.where(AuditEvent.action.startswith(form.action.data.strip(), autoescape=True))
    if form.entity_type.data:
        query = query.where(AuditEvent.entity_type == form.entity_type.data)
    if form.entity_id.data:
        query = query.where(AuditEvent.entity_id == form.entity_id.data.strip())
    if form.actor.data:
        query = query.where(AuditEvent.actor_label == form.actor.data.strip().lower())
    query = query.where(*where_on_local_days(AuditEvent.occurred_at, form.date_from.data,
                                             form.date_to.data))
    page = db.paginate(query, per_page=50, max_per_page=200, error_out=False,
                       page=page_number())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/list.html", form=form, page=page, filter_args=args)
