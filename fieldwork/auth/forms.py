from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import free_text, options
from ..informants.models import Language


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(),
                                                    free_text("Email address", max_length=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Log in")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=12, max=256)],
                                 description="At least 12 characters; a few unrelated words work well.")
    confirm_password = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("new_password", message="The two new passwords differ.")])
    submit = SubmitField("Change password")


class LogoutForm(FlaskForm):
    submit = SubmitField("Log out")


class LanguageForm(FlaskForm):
    language = SelectField("Language of your email",
                           choices=options((l.value, l.label) for l in Language),
                           description="Invitations, updates, reminders and other email from the "
                                       "app reach you in this language.")
    submit = SubmitField("Save")
