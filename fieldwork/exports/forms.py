from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from ..forms import StudyDateField, coerce_optional_id, options


class ExportFilterForm(FlaskForm):
    """Which interviews an export holds, sent by GET: none of it is personal data."""

    class Meta:
        csrf = False

    include = SelectField("Interviews", validators=[Optional()], choices=options(
        [("conducted", "Conducted"), ("all", "All but cancelled")]))
    organisation = SelectField("Organisation", coerce=coerce_optional_id, validators=[Optional()])
    role = SelectField("Role", coerce=coerce_optional_id, validators=[Optional()])
    date_from = StudyDateField("From", validators=[Optional()])
    date_to = StudyDateField("To", validators=[Optional()])
