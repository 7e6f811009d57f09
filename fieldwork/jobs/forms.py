from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SubmitField
from wtforms.validators import DataRequired

from ..forms import free_text, options


class TestEmailForm(FlaskForm):
    """Send a short message through the mail settings, to see that invitations will arrive."""

    address = EmailField(_l("Send a test email to"), validators=[
        DataRequired(_l("Enter an address.")), free_text(_l("Address"), max_length=254)])
    language = SelectField(_l("Language"), choices=options([("en", _l("English")),
                                                            ("nb", _l("Bokmål"))]))
    submit = SubmitField(_l("Send test email"))
