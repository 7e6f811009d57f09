from flask_wtf import FlaskForm
from wtforms import StringField

from ..forms import free_text
from .services import CONFIRMATION


class EraseForm(FlaskForm):
    confirmation = StringField("Confirmation", validators=[free_text("Confirmation", max_length=20)],
                               description=f"Type {CONFIRMATION} to erase for good.")
