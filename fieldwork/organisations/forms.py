from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from ..forms import Cleaned, options
from ..validation import clean_code, clean_text
from .models import GovernanceLevel


class OrganisationForm(FlaskForm):
    name = StringField("Name", validators=[Cleaned(clean_text, max_length=200, required=True,
                                                   label="Name")])
    code = StringField("Short code", validators=[Cleaned(clean_code, max_length=10)],
                       description="Used in pseudonym codes, for example VVHT.")
    governance_level = SelectField("Governance level",
                                   choices=options((g.value, g.label) for g in GovernanceLevel))
    departments = TextAreaField("Departments", validators=[
        Cleaned(clean_text, max_length=2000, label="Departments", multiline=True)],
        description="Optional, one per line.")
    submit = SubmitField("Save")


class RoleForm(FlaskForm):
    name = StringField("Name", validators=[Cleaned(clean_text, max_length=100, required=True,
                                                   label="Name")])
    code = StringField("Short code", validators=[Cleaned(clean_code, max_length=6)],
                       description="Used in pseudonym codes, for example RAD.")
    submit = SubmitField("Save")


class DeleteForm(FlaskForm):
    submit = SubmitField("Delete")
