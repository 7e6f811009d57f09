from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from ..forms import Cleaned, options
from ..validation import clean_code, clean_text
from .models import GovernanceLevel


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Cleaned(clean_text, max_length=200, required=True,
                                                       label=_l("Name"))])
    code = StringField(_l("Short code"), validators=[Cleaned(clean_code, max_length=10)],
                       description=_l("Used in pseudonym codes, for example VVHT."))
    governance_level = SelectField(_l("Governance level"),
                                   choices=options(GovernanceLevel.choices()))
    departments = TextAreaField(_l("Departments"), validators=[
        Cleaned(clean_text, max_length=2000, label=_l("Departments"), multiline=True)],
        description=_l("Optional, one per line."))
    submit = SubmitField(_l("Save"))


class RoleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Cleaned(clean_text, max_length=100, required=True,
                                                       label=_l("Name"))])
    code = StringField(_l("Short code"), validators=[Cleaned(clean_code, max_length=6)],
                       description=_l("Used in pseudonym codes, for example RAD."))
    submit = SubmitField(_l("Save"))


class DeleteForm(FlaskForm):
    submit = SubmitField(_l("Delete"))
