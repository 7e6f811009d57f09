from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import Optional

from ..forms import StudyDateField, coerce_optional_id, free_text, options
from .models import ANSWERS, QuoteState
from .services import CONTEXT_MAX, QUOTE_MAX


class QuoteForm(FlaskForm):
    informant_id = SelectField(_l("Informant quoted"), coerce=coerce_optional_id)
    text = TextAreaField(_l("Quote"),
                         validators=[free_text(_l("The quote"), max_length=QUOTE_MAX,
                                               multiline=True)],
                         description=_l("As it would appear in a publication."))
    context = TextAreaField(_l("Context"),
                            validators=[free_text(_l("The context"), max_length=CONTEXT_MAX,
                                                  multiline=True)],
                            description=_l("The passage around the quote, as the informant will "
                                           "read it: the question asked and what was said "
                                           "before and after. Use pseudonym codes, not names."))
    submit = SubmitField(_l("Save quote"))


class AskForm(FlaskForm):
    deadline = StudyDateField(_l("Answer by"), validators=[Optional()],
                              description=_l("The informant can answer until the end of this day; "
                                             "one reminder goes out a few days before."))
    submit = SubmitField(_l("Send member check"))


class AnswerForm(FlaskForm):
    """One quote's answer on the informant's page: the button pressed names the answer."""

    # The informant's page has its own buttons; the (lazy) labels only name the valid answers.
    answer = SelectField(choices=options((state.value, QuoteState.__labels__[state.value])
                                         for state in ANSWERS))
    edited_text = TextAreaField(validators=[free_text("Your wording", max_length=QUOTE_MAX,
                                                      multiline=True)])
