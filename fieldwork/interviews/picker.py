"""The informant picker of the scheduling and offer forms: a page of candidates, found on the
server, beside the informants already chosen."""

import functools

from flask import current_app, render_template, request
from flask_login import current_user

from . import queries

FIND_BUTTON = "find_informants"


def is_find_request():
    """The form's *Find informants* button (used without JavaScript): show the form again with
    the candidates found, saving nothing."""
    return request.method == "POST" and FIND_BUTTON in request.form


def load_picker(form):
    """Give `form` its picker: the candidates for the search typed and the informants chosen,
    read when a page first shows them. A form that is saved redirects without them, and so
    without counting every informant who may be asked."""
    form.picker = Candidates(form)
    return form


class Candidates:
    """`form.picker`: what `queries.picker_candidates` finds for the form, read at first use."""

    def __init__(self, form):
        self._form = form

    @functools.cached_property
    def _found(self):
        form = self._form
        search = form.informant_search
        text = search.data if search.raw_data is None or search.validate(form) else ""
        return queries.picker_candidates(
            text, sees_identities=current_user.sees_identities,
            limit=current_app.config["PICKER_PAGE_SIZE"], chosen=form.informant_ids.data or ())

    chosen = property(lambda self: self._found.chosen)
    others = property(lambda self: self._found.others)
    matching = property(lambda self: self._found.matching)
    text = property(lambda self: self._found.text)


def found_page(template, form, **context):
    """The form again after *Find informants*: everything typed kept, nothing saved."""
    return render_template(template, form=form, **context), 200
