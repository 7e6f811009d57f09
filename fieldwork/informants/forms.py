from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField, SubmitField, TelField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ..forms import Cleaned, coerce_optional_id, filter_select, free_text, options
from ..organisations.models import GovernanceLevel
from .models import Language, RecruitmentStatus
from .services import INFORMANT_RULES


def _rule(name):
    """The service's own rule for a field, so the form and the CSV import cannot drift apart."""
    return Cleaned(lambda value: INFORMANT_RULES[name](value))


class InformantForm(FlaskForm):
    name = StringField("Name", validators=[_rule("name")])
    email = EmailField("Email address", validators=[_rule("email")])
    phone = TelField("Phone", validators=[_rule("phone")],
                     description="Norwegian (8 digits) or international, starting with +.")
    organisation_id = SelectField("Organisation", coerce=coerce_optional_id,
                                  validators=[DataRequired("Choose an organisation.")])
    role_id = SelectField("Role", coerce=coerce_optional_id, validators=[DataRequired("Choose a role.")])
    job_title = StringField("Job title", validators=[_rule("job_title")])
    language = SelectField("Preferred language", choices=options((l.value, l.label) for l in Language))
    status = SelectField("Recruitment status",
                         choices=options((s.value, s.label) for s in RecruitmentStatus))
    notes = TextAreaField("Notes", validators=[_rule("notes")])
    submit = SubmitField("Save")


class InformantFilterForm(FlaskForm):
    """The list's filters. Sent by GET: none of them is personal data (search text is not here)."""

    class Meta:
        csrf = False

    organisation = filter_select("Organisation", validators=[Optional()])
    level = filter_select("Governance level", validators=[Optional()],
                        choices=options([("", "Any level")] + [(g.value, g.label) for g in GovernanceLevel]))
    role = filter_select("Role", validators=[Optional()])
    status = filter_select("Status", validators=[Optional()],
                         choices=options([("", "Any status")] + [(s.value, s.label) for s in RecruitmentStatus]))
    sort = filter_select("Sort by", validators=[Optional()], choices=options([
        ("code", "Code"), ("name", "Name"), ("organisation", "Organisation"), ("role", "Role"),
        ("status", "Status"), ("created", "Registered")]))
    order = filter_select("Order", validators=[Optional()],
                        choices=options([("asc", "Ascending"), ("desc", "Descending")]))


class SearchForm(FlaskForm):
    """Free-text search. Posted, and kept in the session, because the text may be a name and
    names must not end up in URLs, browser history or server logs."""

    q = StringField("Search", validators=[free_text("Search", max_length=200)])
    submit = SubmitField("Search")


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")],
                     description="UTF-8, with a header line; comma or semicolon separated.")
    submit = SubmitField("Preview")


