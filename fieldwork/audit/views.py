from flask import Blueprint, render_template, request
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

    kind = SelectField("Kind", validators=[Optional()], choices=options([
        ("", "Any"), ("security", "Security events"), ("other", "Changes and exports")]),
        description="Security events: logins, refused access, refused personal links, views "
                    "and exports of identities.")
    action = StringField("Action", validators=[free_text("Action", max_length=64)],
                         description="For example informant.update, or informant. for all")
    entity_type = SelectField("Record type", validators=[Optional()], choices=options([
        ("", "Any"), ("user", "User"), ("organisation", "Organisation"), ("role", "Role"),
        ("informant", "Informant"), ("offer", "Offer")]))
    entity_id = StringField("Record id", validators=[free_text("Record id", max_length=64)])
    actor = StringField("Who (email)", validators=[free_text("Who", max_length=254)])
    date_from = StudyDateField("From", validators=[Optional()])
    date_to = StudyDateField("To", validators=[Optional()])


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
