from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from ..forms import Cleaned, StudyDateField, coerce_optional_id, free_text, options
from ..organisations.models import GovernanceLevel
from .models import DocumentStatus, DocumentType
from .services import DOCUMENT_RULES


def _rule(name):
    return Cleaned(lambda value: DOCUMENT_RULES[name](value))


TYPE_CHOICES = [(t.value, t.label) for t in DocumentType]
LEVEL_CHOICES = [(g.value, g.label) for g in GovernanceLevel]
STATUS_CHOICES = [(s.value, s.label) for s in DocumentStatus]


class DocumentForm(FlaskForm):
    title = StringField("Title", validators=[_rule("title")])
    document_type = SelectField("Type", choices=options(TYPE_CHOICES))
    organisation_id = SelectField("Issuing organisation", coerce=coerce_optional_id,
                                  validators=[Optional()],
                                  description="Leave empty when the issuer is not registered "
                                              "(the Storting, say).")
    governance_level = SelectField("Governance level", choices=options(LEVEL_CHOICES))
    issued_on = StudyDateField("Date", validators=[Optional()])
    reference = StringField("Reference or URL", validators=[_rule("reference")],
                            description="For example Meld. St. 9 (2012–2013), or https://…")
    status = SelectField("Status", choices=options(STATUS_CHOICES))
    themes = StringField("Themes", validators=[free_text("Themes", max_length=2000)],
                         description="Separated by commas; existing themes are reused.")
    informant_codes = StringField("Linked informants",
                                  validators=[free_text("Linked informants", max_length=2000)],
                                  description="Pseudonym codes separated by commas, such as "
                                              "VVHT-RAD-01.")
    interview_ids = StringField("Linked interviews",
                                validators=[free_text("Linked interviews", max_length=2000)],
                                description="Interview numbers separated by commas (the number "
                                            "in the interview's address).")
    notes = TextAreaField("Notes", validators=[_rule("notes")],
                          description="Markdown: **bold**, *italic*, lists, links.")
    submit = SubmitField("Save")


class DocumentFilterForm(FlaskForm):
    """The list's filters, sent by GET; none of them is personal data."""

    class Meta:
        csrf = False

    type = SelectField("Type", validators=[Optional()],
                       choices=options([("", "Any type")] + TYPE_CHOICES))
    organisation = SelectField("Organisation", coerce=coerce_optional_id, validators=[Optional()])
    level = SelectField("Governance level", validators=[Optional()],
                        choices=options([("", "Any level")] + LEVEL_CHOICES))
    status = SelectField("Status", validators=[Optional()],
                         choices=options([("", "Any status")] + STATUS_CHOICES))
    theme = SelectField("Theme", coerce=coerce_optional_id, validators=[Optional()])
