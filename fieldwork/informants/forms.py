from flask_babel import lazy_gettext as _l
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


def _labelled(enum_class):
    """(value, lazy label) for each member, so a choice reads in the page's language."""
    return enum_class.choices()


class InformantForm(FlaskForm):
    name = StringField(_l("Name"), validators=[_rule("name")])
    email = EmailField(_l("Email address"), validators=[_rule("email")])
    phone = TelField(_l("Phone"), validators=[_rule("phone")],
                     description=_l("Norwegian (8 digits) or international, starting with +."))
    organisation_id = SelectField(_l("Organisation"), coerce=coerce_optional_id,
                                  validators=[DataRequired(_l("Choose an organisation."))])
    role_id = SelectField(_l("Role"), coerce=coerce_optional_id,
                          validators=[DataRequired(_l("Choose a role."))])
    job_title = StringField(_l("Job title"), validators=[_rule("job_title")])
    language = SelectField(_l("Preferred language"), choices=options(_labelled(Language)))
    status = SelectField(_l("Recruitment status"), choices=options(_labelled(RecruitmentStatus)))
    notes = TextAreaField(_l("Notes"), validators=[_rule("notes")])
    submit = SubmitField(_l("Save"))


class InformantFilterForm(FlaskForm):
    """The list's filters. Sent by GET: none of them is personal data (search text is not here)."""

    class Meta:
        csrf = False

    organisation = filter_select(_l("Organisation"), validators=[Optional()])
    level = filter_select(_l("Governance level"), validators=[Optional()],
                          choices=options([("", _l("Any level"))] + _labelled(GovernanceLevel)))
    role = filter_select(_l("Role"), validators=[Optional()])
    status = filter_select(_l("Status"), validators=[Optional()],
                           choices=options([("", _l("Any status"))]
                                           + _labelled(RecruitmentStatus)))
    sort = filter_select(_l("Sort by"), validators=[Optional()], choices=options([
        ("code", _l("Code")), ("name", _l("Name")), ("organisation", _l("Organisation")),
        ("role", _l("Role")), ("status", _l("Status")), ("created", _l("Registered"))]))
    order = filter_select(_l("Order"), validators=[Optional()],
                          choices=options([("asc", _l("Ascending")), ("desc", _l("Descending"))]))


class SearchForm(FlaskForm):
    """Free-text search. Posted, and kept in the session, because the text may be a name and
    names must not end up in URLs, browser history or server logs."""

    q = StringField(_l("Search"), validators=[free_text(_l("Search"), max_length=200)])
    submit = SubmitField(_l("Search"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("UTF-8, with a header line; comma or semicolon separated."))
    submit = SubmitField(_l("Preview"))
