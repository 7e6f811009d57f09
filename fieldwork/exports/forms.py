from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from ..forms import StudyDateField, options


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class ExportFilterForm(FlaskForm):
    """Which interviews an export holds, sent by GET: none of it is personal data."""

    class Meta:
        csrf = False

    include = SelectField("Interviews", validators=[Optional()], choices=options(
        [("conducted", "Conducted"), ("all", "All but cancelled")]))
    organisation = SelectField("Organisation", coerce=_optional_int, validators=[Optional()])
    role = SelectField("Role", coerce=_optional_int, validators=[Optional()])
    date_from = StudyDateField("From", validators=[Optional()])
    date_to = StudyDateField("To", validators=[Optional()])
