from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SubmitField
from wtforms.validators import DataRequired

from ..forms import free_text, options


class TestEmailForm(FlaskForm):
    """Send a short message through the mail settings, to see that invitations will arrive."""

    address = EmailField("Send a test email to", validators=[DataRequired("Enter an address."),
                                                             free_text("Address", max_length=254)])
    language = SelectField("Language", choices=options([("en", "English"), ("nb", "Bokmål")]))
    submit = SubmitField("Send test email")
