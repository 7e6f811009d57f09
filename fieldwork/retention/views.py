from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import UserRole, allow_roles
from ..database import utcnow
from ..errors import DomainError
from . import services
from .forms import EraseForm

blueprint = Blueprint("retention", __name__, url_prefix="/admin/retention")


@blueprint.get("/", endpoint="report")
@allow_roles(UserRole.ADMIN)
def report():
    return render_template("retention/report.html", form=EraseForm(),
                           report=services.retention_report(now=utcnow()))


@blueprint.post("/erase", endpoint="erase")
@allow_roles(UserRole.ADMIN)
def erase():
    form = EraseForm()
    if form.validate():
        try:
            services.erase_identities(confirmation=form.confirmation.data, by=current_user,
                                      now=utcnow())
        except DomainError as error:
            form.confirmation.errors.append(error.message)
        else:
            flash(_("Identity data erased."), "success")
            return redirect(url_for("retention.report"))
    return render_template("retention/report.html", form=form,
                           report=services.retention_report(now=utcnow())), 422
