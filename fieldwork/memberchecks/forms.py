from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import Optional

from ..forms import StudyDateField, coerce_optional_id, free_text, options
from .models import ANSWERS
from .services import CONTEXT_MAX, QUOTE_MAX


class QuoteForm(FlaskForm):
    informant_id = SelectField("Informant quoted", coerce=coerce_optional_id)
    text = TextAreaField("Quote", validators=[free_text("The quote", max_length=QUOTE_MAX,
                                                        multiline=True)],
                         description="As it would appear in a publication.")
    context = TextAreaField("Context", validators=[free_text("The context", max_length=CONTEXT_MAX,
                                                             multiline=True)],
                            description="The passage around the quote, as the informant will "
                                        "read it: the question asked and what was said before "
                                        "and after. Use pseudonym codes, not names.")
    submit = SubmitField("Save quote")


class AskForm(FlaskForm):
    deadline = StudyDateField("Answer by", validators=[Optional()],
                              description="The informant can answer until the end of this day; "
                                          "one reminder goes out a few days before.")
    submit = SubmitField("Send member check")


class AnswerForm(FlaskForm):
    """One quote's answer on the informant's page: the button pressed names the answer."""

    answer = SelectField(choices=options((state.value, state.label) for state in ANSWERS))
    edited_text = TextAreaField(validators=[free_text("Your wording", max_length=QUOTE_MAX,
                                                      multiline=True)])
