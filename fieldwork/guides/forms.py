from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Cleaned, coerce_id, free_text, options
from ..informants.models import Language
from .formats import MAX_FILE_BYTES
from .services import CHANGE_NOTE_RULE, GUIDE_RULES


def _rule(rules, name):
    """The service's own rule for a field, so the form and the service cannot drift apart."""
    return Cleaned(lambda value: rules[name](value))


class GuideForm(FlaskForm):
    title = StringField(_l("Title"), validators=[_rule(GUIDE_RULES, "title")])
    purpose = TextAreaField(_l("Purpose"), validators=[_rule(GUIDE_RULES, "purpose")],
                            description=_l("What the guide is for and whom it is meant for."))
    language = SelectField(_l("Language"), choices=options(Language.choices()))
    target_role_ids = SelectMultipleField(
        _l("Target roles"), coerce=coerce_id, validate_choice=True,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("The informant roles this guide is written for; none means any role."))
    submit = SubmitField(_l("Save"))


class DraftForm(FlaskForm):
    content = TextAreaField(
        _l("Themes, questions and probes"),
        validators=[InputRequired(message=_l("Write the guide.")),
                    free_text(_l("The guide"), max_length=MAX_FILE_BYTES, multiline=True)],
        description=_l("One theme per “## Theme” line, one question per “- Question” line, "
                       "probes as indented “  - Probe” lines. Keep the [key] in front of a "
                       "question when you reword or move it, so versions compare question by "
                       "question; new questions get a key when you save."))
    change_note = TextAreaField(_l("Change note"), validators=[_rule(CHANGE_NOTE_RULE, "change_note")],
                                description=_l("What changed since the previous version, and why."))
    submit = SubmitField(_l("Save draft"))


class ImportForm(FlaskForm):
    file = FileField(_l("Markdown or JSON file"), validators=[FileRequired(_l("Choose a file."))],
                     description=_l("A .md or .json file in the format the export produces; "
                                    "keys may be left out of new questions."))
    submit = SubmitField(_l("Import"))


class CompareForm(FlaskForm):
    """Which two versions to compare; sent by GET."""

    class Meta:
        csrf = False

    # Not limited to the choices: a version that does not exist is a 404, not a form error.
    old = SelectField(_l("Compare version"), coerce=coerce_id, validate_choice=False,
                      validators=[InputRequired()])
    new = SelectField(_l("with version"), coerce=coerce_id, validate_choice=False,
                      validators=[InputRequired()])
