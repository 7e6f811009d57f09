from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import ALL_ROLES, MANAGING_ROLES, allow_roles
from ..extensions import db
from ..forms import button_action, form_page
from . import services
from .forms import DeleteForm, OrganisationForm, RoleForm
from .models import Organisation, Role

blueprint = Blueprint("organisations", __name__)


@blueprint.get("/organisations", endpoint="list")
@allow_roles(ALL_ROLES)
def list_organisations():
    return render_template("organisations/list.html",
                           organisations=services.list_organisations(),
                           roles=services.list_roles(), delete_form=DeleteForm())


@blueprint.route("/organisations/new", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def create():
    return form_page(
        OrganisationForm(), "organisations/form.html",
        save=lambda form: services.create_organisation(form.data, by=current_user),
        done=_saved(_l("Organisation added.")), kind="organisation")


@blueprint.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def edit(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    return form_page(
        OrganisationForm(obj=organisation, governance_level=organisation.governance_level.value),
        "organisations/form.html",
        save=lambda form: services.update_organisation(organisation, form.data, by=current_user),
        done=_saved(_l("Organisation saved.")), kind="organisation", item=organisation)


@blueprint.post("/organisations/<int:organisation_id>/delete")
@allow_roles(MANAGING_ROLES)
def delete(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    return _delete(lambda: services.delete_organisation(organisation, by=current_user))


@blueprint.route("/roles/new", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def create_role():
    return form_page(RoleForm(), "organisations/form.html",
                     save=lambda form: services.create_role(form.data, by=current_user),
                     done=_saved(_l("Role added.")), kind="role")


@blueprint.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def edit_role(role_id):
    role = db.get_or_404(Role, role_id)
    return form_page(RoleForm(obj=role), "organisations/form.html",
                     save=lambda form: services.update_role(role, form.data, by=current_user),
                     done=_saved(_l("Role saved.")), kind="role", item=role)


@blueprint.post("/roles/<int:role_id>/delete")
@allow_roles(MANAGING_ROLES)
def delete_role(role_id):
    role = db.get_or_404(Role, role_id)
    return _delete(lambda: services.delete_role(role, by=current_user))


def _saved(message):
    def done(_result):
        flash(str(message), "success")
        return redirect(url_for("organisations.list"))
    return done


def _delete(action):
    return button_action(action, done=_saved(_l("Deleted.")), refused=list_organisations,
                         form=DeleteForm())
