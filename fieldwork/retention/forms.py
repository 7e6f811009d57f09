from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from .services import CONFIRMATION


class EraseForm(FlaskForm):
    confirmation = StringField("Confirmation", validators=[Length(max=20)],
                               description=f"Type {CONFIRMATION} to erase for good.")
