"""Guide pages. Everyone reads guides; coordinators, researchers (and admins) write them.

    /guides/                                   list, create (/new)
    /guides/<id>                               detail, edit, import_file, compare
    /guides/<id>/versions/<n>                  version, edit_draft, print_version, export
    /guides/<id>/versions/<n>/<action>         publish, retire, new_version, delete_version
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import ALL_ROLES, allow_roles
from ..coverage.services import guide_coverage
from ..extensions import db
from ..forms import ConfirmForm, button_action, form_page, options, page_number
from ..organisations.services import role_choices
from . import formats, services
from .forms import CompareForm, DraftForm, GuideForm, ImportForm
from .models import VersionStatus
from .services import WRITING_ROLES

blueprint = Blueprint("guides", __name__, url_prefix="/guides")


@blueprint.context_processor
def _writing():
    return {"can_write_guides": current_user.is_authenticated
            and current_user.role in WRITING_ROLES}


@blueprint.get("/", endpoint="list")
@allow_roles(ALL_ROLES)
def list_guides():
    page = db.paginate(services.guide_list_query(), per_page=50, max_per_page=200,
                       error_out=False, page=page_number())
    return render_template("guides/list.html", page=page)


@blueprint.route("/new", methods=["GET", "POST"])
@allow_roles(WRITING_ROLES)
def create():
    return form_page(_guide_form(), "guides/form.html",
                     save=lambda form: services.create_guide(form.data, by=current_user),
                     done=_to_guide(_l("Guide created with an empty draft version 1.")))


@blueprint.get("/<int:guide_id>")
@allow_roles(ALL_ROLES)
def detail(guide_id):
    guide = services.get_guide(guide_id) or abort(404)
    return render_template("guides/detail.html", guide=guide, compare=_compare_form(guide),
                           confirm=ConfirmForm(), coverage=guide_coverage(guide.id))


@blueprint.route("/<int:guide_id>/edit", methods=["GET", "POST"])
@allow_roles(WRITING_ROLES)
def edit(guide_id):
    guide = services.get_guide(guide_id) or abort(404)
    form = _guide_form(obj=guide, language=guide.language.value,
                       target_role_ids=[r.id for r in guide.target_roles])
    return form_page(form, "guides/form.html", guide=guide,
                     save=lambda form: services.update_guide(guide, form.data, by=current_user),
                     done=_to_guide(_l("Guide saved.")))


@blueprint.route("/<int:guide_id>/import", methods=["GET", "POST"])
@allow_roles(WRITING_ROLES)
def import_file(guide_id):
    guide = services.get_guide(guide_id) or abort(404)
    return form_page(ImportForm(), "guides/import.html", guide=guide,
                     save=lambda form: services.import_version(
                         guide, form.file.data.filename, form.file.data.read(), by=current_user),
                     done=_to_version(_l("File imported into draft version %(number)s."),
                                       "edit_draft"))


@blueprint.get("/<int:guide_id>/compare")
@allow_roles(ALL_ROLES)
def compare(guide_id):
    guide = services.get_guide(guide_id) or abort(404)
    form = _compare_form(guide, request.args or None)
    if request.args and not form.validate():
        abort(400)
    old, new = (services.get_version(guide.id, n) or abort(404)
                for n in (form.old.data, form.new.data))
    return render_template("guides/compare.html", guide=guide, form=form, old=old, new=new,
                           diff=services.compare_versions(old, new))


@blueprint.get("/<int:guide_id>/versions/<int:number>")
@allow_roles(ALL_ROLES)
def version(guide_id, number):
    return _version_page(_version_or_404(guide_id, number))


@blueprint.route("/<int:guide_id>/versions/<int:number>/edit", methods=["GET", "POST"])
@allow_roles(WRITING_ROLES)
def edit_draft(guide_id, number):
    version = _version_or_404(guide_id, number)
    if not version.is_draft:
        flash(_("Version %(number)s is retired; make a new version to change it.", number=number)
              if version.status is VersionStatus.RETIRED else
              _("Version %(number)s is published; make a new version to change it.",
                number=number), "error")
        return redirect(url_for("guides.version", guide_id=guide_id, number=number))
    form = DraftForm(data={"content": formats.markdown_body(version.content),
                           "change_note": version.change_note})
    return form_page(form, "guides/edit_draft.html", version=version,
                     save=lambda form: services.update_draft(version, form.data, by=current_user),
                     done=_to_version(_l("Draft saved.")))


@blueprint.post("/<int:guide_id>/versions/<int:number>/publish")
@allow_roles(WRITING_ROLES)
def publish(guide_id, number):
    return _act(guide_id, number, services.publish_version,
                _l("Version %(number)s published. It can no longer change."))


@blueprint.post("/<int:guide_id>/versions/<int:number>/retire")
@allow_roles(WRITING_ROLES)
def retire(guide_id, number):
    return _act(guide_id, number, services.retire_version,
                _l("Version %(number)s retired: past interviews keep it, new ones cannot "
                   "choose it."))


@blueprint.post("/<int:guide_id>/versions/<int:number>/new-version")
@allow_roles(WRITING_ROLES)
def new_version(guide_id, number):
    return _act(guide_id, number, services.new_version,
                _l("Draft version %(number)s created as a copy; edit it, then publish it."),
                then="edit_draft")


@blueprint.post("/<int:guide_id>/versions/<int:number>/delete")
@allow_roles(WRITING_ROLES)
def delete_version(guide_id, number):
    return _act(guide_id, number, services.delete_draft,
                _l("Draft version %(number)s deleted."),
                then="detail")


@blueprint.get("/<int:guide_id>/versions/<int:number>/print")
@allow_roles(ALL_ROLES)
def print_version(guide_id, number):
    return render_printable(_version_or_404(guide_id, number))


@blueprint.get("/<int:guide_id>/versions/<int:number>/export.<any(md, json):kind>")
@allow_roles(ALL_ROLES)
def export(guide_id, number, kind):
    version = _version_or_404(guide_id, number)
    text, filename = services.export_version(
        version, "markdown" if kind == "md" else "json", by=current_user)
    mimetype = "text/markdown" if kind == "md" else "application/json"
    return Response(text, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}"})


def render_printable(version, *, interview_date=None, informant_code=None):
    """The interviewer's printout. The interviews feature calls this with the interview's date
    and the informant's pseudonym code (never the name) to print them in the header."""
    return render_template("guides/print.html", version=version, guide=version.guide,
                           interview_date=interview_date, informant_code=informant_code)


def _act(guide_id, number, action, message, then="version"):
    """A state change by button: confirm the CSRF token, call the service, say how it went."""
    version = _version_or_404(guide_id, number)

    def done(result):
        flash(str(message) % {"number": getattr(result, "number", number)}, "success")
        return _to_version(None, then)(result) if result is not None else redirect(
            url_for("guides.detail", guide_id=guide_id))
    return button_action(lambda: action(version, by=current_user), done=done,
                         refused=lambda: _version_page(_version_or_404(guide_id, number)))


def _version_page(version):
    return render_template("guides/version.html", version=version, guide=version.guide,
                           confirm=ConfirmForm(), compare=_compare_form(version.guide))


def _version_or_404(guide_id, number):
    return services.get_version(guide_id, number) or abort(404)


def _guide_form(**kwargs):
    form = GuideForm(**kwargs)
    form.target_role_ids.choices = options(role_choices())
    return form


def _compare_form(guide, formdata=None):
    numbers = [v.number for v in guide.versions]
    form = CompareForm(formdata, old=numbers[-2] if len(numbers) > 1 else numbers[-1],
                       new=numbers[-1])
    form.old.choices = form.new.choices = [(n, _("Version %(number)s", number=n))
                                            for n in reversed(numbers)]
    return form


def _to_guide(message):
    def done(guide):
        flash(str(message), "success")
        return redirect(url_for("guides.detail", guide_id=guide.id))
    return done


def _to_version(message, endpoint="version"):
    def done(version):
        if message:
            flash(str(message) % {"number": version.number}, "success")
        if endpoint == "detail":
            return redirect(url_for("guides.detail", guide_id=version.guide_id))
        return redirect(url_for(f"guides.{endpoint}", guide_id=version.guide_id,
                                number=version.number))
    return done
