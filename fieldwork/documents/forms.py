from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from ..forms import Cleaned, StudyDateField, coerce_optional_id, free_text, options
from ..organisations.models import GovernanceLevel
from .models import DocumentStatus, DocumentType
from .services import DOCUMENT_RULES


def _rule(name):
    return Cleaned(lambda value: DOCUMENT_RULES[name](value))


TYPE_CHOICES = DocumentType.choices()
LEVEL_CHOICES = GovernanceLevel.choices()
STATUS_CHOICES = DocumentStatus.choices()


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[_rule("title")])
    document_type = SelectField(_l("Type"), choices=options(TYPE_CHOICES))
    organisation_id = SelectField(_l("Issuing organisation"), coerce=coerce_optional_id,
                                  validators=[Optional()],
                                  description=_l("Leave empty when the issuer is not registered "
                                                 "(the Storting, say)."))
    governance_level = SelectField(_l("Governance level"), choices=options(LEVEL_CHOICES))
    issued_on = StudyDateField(_l("Date"), validators=[Optional()])
    reference = StringField(_l("Reference or URL"), validators=[_rule("reference")],
                            description=_l("For example Meld. St. 9 (2012–2013), or https://…"))
    status = SelectField(_l("Status"), choices=options(STATUS_CHOICES))
    themes = StringField(_l("Themes"), validators=[free_text(_l("Themes"), max_length=2000)],
                         description=_l("Separated by commas; existing themes are reused."))
    informant_codes = StringField(_l("Linked informants"),
                                  validators=[free_text(_l("Linked informants"), max_length=2000)],
                                  description=_l("Pseudonym codes separated by commas, such as "
                                                 "VVHT-RAD-01."))
    interview_ids = StringField(_l("Linked interviews"),
                                validators=[free_text(_l("Linked interviews"), max_length=2000)],
                                description=_l("Interview numbers separated by commas (the "
                                               "number in the interview's address)."))
    notes = TextAreaField(_l("Notes"), validators=[_rule("notes")],
                          description=_l("Markdown: **bold**, *italic*, lists, links."))
    submit = SubmitField(_l("Save"))


class DocumentFilterForm(FlaskForm):
    """The list's filters, sent by GET; none of them is personal data."""

    class Meta:
        csrf = False

    type = SelectField(_l("Type"), validators=[Optional()],
                       choices=options([("", _l("Any type"))] + TYPE_CHOICES))
    organisation = SelectField(_l("Organisation"), coerce=coerce_optional_id, validators=[Optional()])
    level = SelectField(_l("Governance level"), validators=[Optional()],
                        choices=options([("", _l("Any level"))] + LEVEL_CHOICES))
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=options([("", _l("Any status"))] + STATUS_CHOICES))
    theme = SelectField(_l("Theme"), coerce=coerce_optional_id, validators=[Optional()])
