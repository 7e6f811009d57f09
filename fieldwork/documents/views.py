from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import ALL_ROLES, allow_roles
from ..extensions import db
from ..forms import form_page, options, page_number
from ..organisations.models import GovernanceLevel
from ..organisations.services import organisation_choices
from . import services
from .forms import DocumentFilterForm, DocumentForm
from .models import DocumentStatus, DocumentType

blueprint = Blueprint("documents", __name__, url_prefix="/documents")
FILTER_NAMES = ("type", "organisation", "level", "status", "theme")


@blueprint.get("/", endpoint="list")
@allow_roles(ALL_ROLES)
def list_documents():
    filters = _filter_form()
    if not filters.validate():
        return render_template("documents/list.html", filters=filters, page=None), 400
    page = db.paginate(services.document_query(_criteria(filters)),
                       per_page=current_app.config["PAGE_SIZE"], max_per_page=200,
                       error_out=False, page=page_number())
    return render_template("documents/list.html", filters=filters, page=page,
                           filter_args={k: v for k, v in request.args.items()
                                        if k in FILTER_NAMES and v})


@blueprint.get("/<int:document_id>")
@allow_roles(ALL_ROLES)
def detail(document_id):
    document = services.get_document(document_id) or abort(404)
    return render_template("documents/detail.html", document=document)


# Documents hold no personal data, so every role may register and describe them.
@blueprint.route("/new", methods=["GET", "POST"])
@allow_roles(ALL_ROLES)
def create():
    return form_page(_document_form(), "documents/form.html", document=None,
                     save=lambda form: services.create_document(form.data, by=current_user),
                     done=_saved(_l("Document registered.")))


@blueprint.route("/<int:document_id>/edit", methods=["GET", "POST"])
@allow_roles(ALL_ROLES)
def edit(document_id):
    document = services.get_document(document_id) or abort(404)
    form = _document_form(data=services.form_values(document))
    return form_page(form, "documents/form.html", document=document,
                     save=lambda form: services.update_document(document, form.data,
                                                                by=current_user),
                     done=_saved(_l("Document saved.")))


def _document_form(**kwargs):
    form = DocumentForm(**kwargs)
    form.organisation_id.choices = options([("", _("Not registered"))] + organisation_choices())
    return form


def _filter_form():
    form = DocumentFilterForm(request.args)
    form.organisation.choices = options([("", _("Any organisation"))] + organisation_choices())
    form.theme.choices = options([("", _("Any theme"))] + services.theme_choices())
    return form


def _criteria(form):
    return services.DocumentFilter(
        document_type=DocumentType(form.type.data) if form.type.data else None,
        organisation_id=form.organisation.data,
        governance_level=GovernanceLevel(form.level.data) if form.level.data else None,
        status=DocumentStatus(form.status.data) if form.status.data else None,
        theme_id=form.theme.data)


def _saved(message):
    def done(document):
        flash(str(message), "success")
        return redirect(url_for("documents.detail", document_id=document.id))
    return done
