from flask import (Blueprint, abort, current_app, flash, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ..access import ALL_ROLES, MANAGING_ROLES, UserRole, allow_roles
from ..audit import security
from ..downloads import send
from ..errors import DomainError
from ..extensions import db
from ..forms import (ConfirmForm, button_action, form_page, options, page_number,
                     show_domain_error)
from ..consent.services import consent_panel
from ..interviews.queries import interviews_of_informant
from ..organisations.models import GovernanceLevel
from ..organisations.services import filter_choices, organisation_choices, role_choices
from ..outbox import services as outbox
from ..validation import clean_text
from . import exporting, importing, services
from .forms import ImportForm, InformantFilterForm, InformantForm, SearchForm
from .models import Informant, RecruitmentStatus

blueprint = Blueprint("informants", __name__, url_prefix="/informants")
SEARCH_SESSION_KEY = "informant_search"


@blueprint.get("/", endpoint="list")
@allow_roles(ALL_ROLES)
def list_informants():
    return _list_page(SearchForm(q=_search_text()))


def _list_page(search_form, status=200):
    filters = _filter_form()
    if not filters.validate():
        return render_template("informants/list.html", filters=filters, page=None,
                               search_form=search_form), 400
    page = services.informant_page(_criteria(filters), sees_identities=current_user.sees_identities,
                                   page=page_number(), per_page=_page_size())
    return render_template("informants/list.html", filters=filters, page=page,
                           search_form=search_form, filter_args=_filter_args()), status


@blueprint.post("/search")
@allow_roles(ALL_ROLES)
def search():
    form = SearchForm()
    if not form.validate_on_submit():
        # Refused text (a NUL, say) is never kept: the list comes back with the message.
        return _list_page(form, 422)
    session[SEARCH_SESSION_KEY] = form.q.data
    return redirect(url_for("informants.list", **_filter_args()))


@blueprint.get("/<int:informant_id>")
@allow_roles(ALL_ROLES)
def detail(informant_id):
    page = detail_page(informant_id)
    if current_user.sees_identities:  # once the page is found: a 404 showed no one
        security.record_identity_view(by=current_user, informant_id=informant_id)
    return page


def detail_page(informant_id):
    """The informant page; also what a refused action on it shows again, with its reason."""
    informant = services.get_informant(informant_id) or abort(404)
    failed_emails = outbox.failed_for_informant(informant.id) if current_user.sees_identities \
        else []
    return render_template("informants/detail.html", informant=informant,
                           interviews=interviews_of_informant(informant.id),
                           consent=consent_panel(informant.id), failed_emails=failed_emails)


@blueprint.route("/new", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def create():
    return form_page(_informant_form(), "informants/form.html",
                     save=lambda form: services.create_informant(form.data, by=current_user),
                     done=_saved(_l("Informant registered.")))


@blueprint.route("/<int:informant_id>/edit", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def edit(informant_id):
    informant = db.get_or_404(Informant, informant_id)
    form = _informant_form(obj=informant, language=informant.language.value,
                           status=informant.status.value)
    return form_page(form, "informants/form.html", informant=informant,
                     save=lambda form: services.update_informant(informant, form.data,
                                                                 by=current_user),
                     done=_saved(_l("Informant saved.")))


@blueprint.post("/<int:informant_id>/delete")
@allow_roles(UserRole.ADMIN)
def delete(informant_id):
    informant = db.get_or_404(Informant, informant_id)

    def done(_result):
        flash(_("Informant deleted. The code is never given to anyone else."), "success")
        return redirect(url_for("informants.list"))
    return button_action(lambda: services.delete_informant(informant, by=current_user),
                         done=done, refused=lambda: detail_page(informant_id))


@blueprint.get("/export.csv")
@allow_roles(ALL_ROLES)
def export():
    filters = _filter_form()
    if not filters.validate():
        abort(400)
    chunks = exporting.export_informants(
        _criteria(filters), by=current_user,
        with_identities=current_user.role in MANAGING_ROLES)
    return send(chunks, filename="informants.csv", mimetype="text/csv", name="informants")


@blueprint.route("/import", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def import_upload():
    form = ImportForm()
    if form.validate_on_submit():
        try:
            staged_id, preview = importing.stage_import(form.file.data.read(), by=current_user)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return render_template("informants/import_preview.html", preview=preview,
                                   staged_id=staged_id, form=ConfirmForm()), \
                200 if preview.is_valid else 422
    return render_template("informants/import.html", form=form,
                           columns=importing.COLUMNS), 422 if form.is_submitted() else 200


@blueprint.post("/import/<staged_id>/confirm")
@allow_roles(MANAGING_ROLES)
def import_confirm(staged_id):
    def done(count):
        flash(ngettext("%(num)d informant imported.", "%(num)d informants imported.", count),
              "success")
        return redirect(url_for("informants.list"))
    return button_action(lambda: importing.confirm_import(staged_id, by=current_user), done=done,
                         refused=lambda: render_template("informants/import.html",
                                                         form=ImportForm(),
                                                         columns=importing.COLUMNS))


def _informant_form(**kwargs):
    form = InformantForm(**kwargs)
    form.organisation_id.choices = options([("", _("Choose an organisation"))] + organisation_choices())
    form.role_id.choices = options([("", _("Choose a role"))] + role_choices())
    return form


def _filter_form():
    form = InformantFilterForm(request.args)
    organisations, roles = filter_choices()
    form.organisation.choices = options([("", _("Any organisation"))] + organisations)
    form.role.choices = options([("", _("Any role"))] + roles)
    if not current_user.sees_identities:
        form.sort.choices = [c for c in form.sort.choices if c.value not in services.IDENTITY_SORTS]
    return form


def _filter_args():
    """The current filters (never the search text) for links that keep them."""
    return {k: v for k, v in request.args.items()
            if k in ("organisation", "level", "role", "status", "sort", "order") and v}


def _criteria(form):
    return services.InformantFilter(
        organisation_id=int(form.organisation.data) if form.organisation.data else None,
        governance_level=GovernanceLevel(form.level.data) if form.level.data else None,
        role_id=int(form.role.data) if form.role.data else None,
        status=RecruitmentStatus(form.status.data) if form.status.data else None,
        text=_search_text(),
        sort=form.sort.data or "code",
        descending=form.order.data == "desc",
    )


def _search_text():
    """The search kept in the session; one the text rule refuses (kept by an older version in a
    cookie) is dropped rather than sent to the database."""
    try:
        return clean_text(session.get(SEARCH_SESSION_KEY, ""), max_length=200)
    except DomainError:
        session.pop(SEARCH_SESSION_KEY, None)
        return ""


def _page_size():
    return current_app.config["PAGE_SIZE"]


def _saved(message):
    def done(informant):
        flash(str(message), "success")
        return redirect(url_for("informants.detail", informant_id=informant.id))
    return done
