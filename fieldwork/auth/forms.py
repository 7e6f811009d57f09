from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import free_text, options
from ..i18n import AUTONYMS


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[
        DataRequired(), free_text(_l("Email address"), max_length=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=12, max=256)],
        description=_l("At least 12 characters; a few unrelated words work well."))
    confirm_password = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))])
    submit = SubmitField(_l("Change password"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))


# Languages by their own names: someone who cannot read the page can still find theirs.
LANGUAGE_CHOICES = options(AUTONYMS.items())


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES,
                           description=_l("The app's pages and the email it sends you are in "
                                          "this language."))
    submit = SubmitField(_l("Save"))


class VisitorLanguageForm(FlaskForm):
    """The login page's switch, for someone not yet logged in."""

    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Change language"))
