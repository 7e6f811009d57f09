from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from ..forms import StudyDateField, coerce_optional_id, options


class ExportFilterForm(FlaskForm):
    """Which interviews an export holds, sent by GET: none of it is personal data."""

    class Meta:
        csrf = False

    include = SelectField(_l("Interviews"), validators=[Optional()], choices=options(
        [("conducted", _l("Conducted")), ("all", _l("All but cancelled"))]))
    organisation = SelectField(_l("Organisation"), coerce=coerce_optional_id,
                               validators=[Optional()])
    role = SelectField(_l("Role"), coerce=coerce_optional_id, validators=[Optional()])
    date_from = StudyDateField(_l("From"), validators=[Optional()])
    date_to = StudyDateField(_l("To"), validators=[Optional()])
