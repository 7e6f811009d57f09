from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ALL_ROLES, UserRole, allow_roles
from ..downloads import send
from ..forms import options
from ..organisations.services import organisation_choices, role_choices
from . import columns, services
from .forms import ExportFilterForm

blueprint = Blueprint("exports", __name__, url_prefix="/exports")


@blueprint.get("/", endpoint="index")
@allow_roles(ALL_ROLES)
def index():
    filters = _filter_form()
    is_valid = filters.validate()
    return _index_page(filters), 200 if is_valid or not request.args else 400


def _index_page(filters):
    return render_template("exports/index.html", filters=filters,
                           min_cell_size=services.min_cell_size(),
                           filter_args={k: v for k, v in request.args.items() if v})


@blueprint.get("/interviews.<any(csv, xlsx):file_format>")
@allow_roles(ALL_ROLES)
def interviews(file_format):
    return _interviews(file_format, with_identities=False, name="interview-cases")


@blueprint.get("/interviews-coarsened.<any(csv, xlsx):file_format>")
@allow_roles(ALL_ROLES)
def interviews_coarsened(file_format):
    return _interviews(file_format, coarsened=True, name="interview-cases-coarsened")


@blueprint.get("/interviews-identified.<any(csv, xlsx):file_format>")
@allow_roles(UserRole.ADMIN)
def interviews_identified(file_format):
    return _interviews(file_format, with_identities=True, name="interview-cases-identified")


@blueprint.get("/project.qdpx")
@allow_roles(ALL_ROLES)
def project():
    return _project(name="fieldwork-project")


@blueprint.get("/project-coarsened.qdpx")
@allow_roles(ALL_ROLES)
def project_coarsened():
    return _project(coarsened=True, name="fieldwork-project-coarsened")


@blueprint.get("/project-identified.qdpx")
@allow_roles(UserRole.ADMIN)
def project_identified():
    return _project(with_identities=True, name="fieldwork-project-identified")


@blueprint.get("/documents.csv")
@allow_roles(ALL_ROLES)
def documents():
    header = columns.requested_style()
    chunks, mimetype = services.export_documents(by=current_user, header=header)
    return send(chunks, filename="documents.csv", mimetype=mimetype, name="documents")


def _interviews(file_format, *, name, with_identities=False, coarsened=False):
    header = columns.requested_style()
    filters = _filter_form()
    if not filters.validate():
        # Back to the page, with the message next to the filter, instead of a file.
        return _index_page(filters), 400
    chunks, mimetype = services.export_interviews(_criteria(filters), by=current_user,
                                                  file_format=file_format,
                                                  with_identities=with_identities,
                                                  coarsened=coarsened, header=header)
    return send(chunks, filename=f"{name}.{file_format}", mimetype=mimetype, name=name)


def _project(*, name, with_identities=False, coarsened=False):
    # Always English, whatever `header` asks: REFI-QDA variable ids are made from the names.
    filters = _filter_form()
    if not filters.validate():
        return _index_page(filters), 400
    from . import qdpx  # zipfile and the XML writer only for the processes that build one

    chunks, mimetype = qdpx.export_project(_criteria(filters), by=current_user,
                                           with_identities=with_identities,
                                           coarsened=coarsened)
    return send(chunks, filename=f"{name}.qdpx", mimetype=mimetype, name=name)


def _filter_form():
    form = ExportFilterForm(request.args)
    form.organisation.choices = options([("", _("Any organisation"))] + organisation_choices())
    form.role.choices = options([("", _("Any role"))] + role_choices())
    return form


def _criteria(form):
    return services.ExportFilter(include=form.include.data or "conducted",
                                 organisation_id=form.organisation.data, role_id=form.role.data,
                                 date_from=form.date_from.data, date_to=form.date_to.data)
