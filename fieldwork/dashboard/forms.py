from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from .services import MAX_TARGET, target_field_name


def targets_form(matrix, formdata=None):
    """A form with one number field per cell of the matrix, filled with the current targets."""

    class TargetsForm(FlaskForm):
        submit = SubmitField(_("Save targets"))

    cells = []
    for organisation in matrix.organisations:
        for role in matrix.roles:
            name = target_field_name(organisation.id, role.id)
            setattr(TargetsForm, name, IntegerField(
                _("%(role)s at %(organisation)s", role=role.name, organisation=organisation.code),
                validators=[Optional(), NumberRange(0, MAX_TARGET, _(
                    "A target is a number from 0 to %(maximum)s.", maximum=MAX_TARGET))],
                default=matrix.cell(organisation.id, role.id).target))
            cells.append((organisation.id, role.id, name))
    form = TargetsForm(formdata=formdata) if formdata is not None else TargetsForm()
    form.cells = cells
    return form


def targets_from(form):
    """{(organisation_id, role_id): number or None} from a validated targets form."""
    return {(organisation_id, role_id): form[name].data
            for organisation_id, role_id, name in form.cells}
