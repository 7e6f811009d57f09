from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from ..forms import free_text
from .services import CONFIRMATION


class EraseForm(FlaskForm):
    confirmation = StringField(_l("Confirmation"),
                               validators=[free_text(_l("Confirmation"), max_length=20)],
                               description=_l("Type %(word)s to erase for good.",
                                              word=CONFIRMATION))
