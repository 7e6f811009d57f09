from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ALL_ROLES, MANAGING_ROLES, allow_roles
from ..forms import form_page
from ..offers import services as offers
from . import services
from .forms import targets_form, targets_from
from .setup import setup_steps

blueprint = Blueprint("dashboard", __name__)


@blueprint.get("/")
@allow_roles(ALL_ROLES)
def index():
    board = services.dashboard(sees_mail=current_user.role in MANAGING_ROLES)
    steps = setup_steps() if current_user.manages else []
    return render_template("dashboard/index.html", board=board,
                           offers=offers.dashboard_summary() if current_user.manages else None,
                           setup=steps if not all(step.done for step in steps) else [])


@blueprint.route("/targets", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def targets():
    matrix = services.sampling_matrix()
    return form_page(targets_form(matrix), "dashboard/targets.html", matrix=matrix,
                     save=lambda form: services.set_targets(targets_from(form), by=current_user),
                     done=_saved)


def _saved(changed):
    flash(_("Targets saved (%(count)s changed).", count=changed) if changed
          else _("No targets changed."), "success")
    return redirect(url_for("dashboard.index"))
