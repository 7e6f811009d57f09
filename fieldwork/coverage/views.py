"""The coverage form of a conducted interview: /interviews/<id>/coverage."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..access import IDENTITY_ROLES, allow_roles
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..interviews.queries import get_interview_with_aftermath
from . import services
from .models import Coverage

blueprint = Blueprint("coverage", __name__)


@blueprint.route("/interviews/<int:interview_id>/coverage", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def edit(interview_id):
    interview = get_interview_with_aftermath(interview_id) or abort(404)
    form = FlaskForm()  # the CSRF token; the answers are one radio group per theme and question
    error, status = None, 200
    chosen = {key: coverage.value for key, coverage in services.coverage_of(interview.id).items()}
    if form.validate_on_submit():
        answers = {key: value for key, value in request.form.items()
                   if key.startswith(("t-", "q-"))}
        try:
            services.record_coverage(interview, answers, by=current_user)
        except DomainError as refused:
            db.session.rollback()
            interview = get_interview_with_aftermath(interview_id)  # as it is, for the page
            error, chosen = refused.message, answers
            status = 409 if isinstance(refused, NotAllowed) else 422
        else:
            flash(_("Questions covered saved."), "success")
            return redirect(url_for("interviews.detail", interview_id=interview_id))
    elif form.is_submitted():
        abort(400)
    return render_template("coverage/form.html", interview=interview, form=form, error=error,
                           chosen=chosen,
                           choices=[(c.value, c.label) for c in Coverage]), status
