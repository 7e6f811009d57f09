"""Consent pages: the team's (overview, forms, registering, withdrawal, re-consent) under
/consent, and the informant's personal pages (/c/<token> to answer, /w/<token> to withdraw)."""

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination

from ..access import (ALL_ROLES, IDENTITY_ROLES, MANAGING_ROLES, allow_roles, link_problem_page,
                      personal_link_page, public)
from ..audit import security
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..forms import ConfirmForm, button_action, form_page, options, page_number
from ..informants.forms import SearchForm
from ..informants.services import get_informant
from ..informants.views import detail_page
from ..organisations.services import organisation_choices, role_choices
from . import files, services
from .forms import (EVENT_ACTIONS, ITEM_LABELS, FormVersionForm, LinkAnswerForm,
                    LinkWithdrawForm, OverviewFilterForm, RegisterConsentForm, TaskDoneForm,
                    WithdrawForm)
from .models import ConsentStatus, DataTask, FormStatus, TokenPurpose
from .tokens import TokenProblem

blueprint = Blueprint("consent", __name__, url_prefix="/consent")
SEARCH_SESSION_KEY = "consent_search"


@blueprint.app_template_filter("consent_item")
def consent_item_label(key):
    """A consent item's name as the forms show it ("re_contact" → "Re-contact for follow-up")."""
    label = ITEM_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


@blueprint.app_template_filter("consent_action")
def consent_action_label(action):
    """A history entry's action in words ("re-consent-requested" → "Re-consent requested")."""
    label = EVENT_ACTIONS.get(action)
    return str(label) if label is not None else action.replace("-", " ")


class RowPagination(SelectPagination):
    """A page of rows (informant, status, next interview, at risk), not of single objects."""

    def _query_items(self):
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(query).all())

    def _query_count(self):
        # Counted over the informants alone, not by wrapping the page's query.
        return self._query_args["counter"]()

link_blueprint = Blueprint("consent_link", __name__)


# The overview


@blueprint.get("/", endpoint="overview")
@allow_roles(ALL_ROLES)
def overview():
    filters = OverviewFilterForm(request.args)
    filters.organisation.choices = options([("", _("Any organisation"))] + organisation_choices())
    filters.role.choices = options([("", _("Any role"))] + role_choices())
    if not filters.validate():
        return render_template("consent/overview.html", filters=filters, page=None, rows=[],
                               item_labels=ITEM_LABELS,
                               search_form=SearchForm(q=session.get(SEARCH_SESSION_KEY, ""))), 400
    criteria = services.OverviewFilter(
        organisation_id=int(filters.organisation.data) if filters.organisation.data else None,
        role_id=int(filters.role.data) if filters.role.data else None,
        status=ConsentStatus(filters.status.data) if filters.status.data else None,
        missing_within_days=filters.within_days.data,
        text=session.get(SEARCH_SESSION_KEY, ""), sees_identities=current_user.sees_identities)
    now = utcnow()
    page = RowPagination(select=services.overview_query(criteria, now=now),
                         counter=lambda: services.overview_count(criteria, now=now),
                         session=db.session, page=page_number(),
                         per_page=current_app.config["PAGE_SIZE"], max_per_page=200,
                         error_out=False)
    return render_template("consent/overview.html", filters=filters, page=page,
                           rows=services.overview_rows(page.items), item_labels=ITEM_LABELS,
                           tasks=services.open_data_tasks() if current_user.manages else [],
                           search_form=SearchForm(q=session.get(SEARCH_SESSION_KEY, "")),
                           filter_args={k: v for k, v in request.args.items() if k != "page"})


@blueprint.post("/search")
@allow_roles(ALL_ROLES)
def search():
    """The search text is kept in the session, not the URL: it may be a name."""
    form = SearchForm()
    if form.validate_on_submit():
        session[SEARCH_SESSION_KEY] = (form.q.data or "").strip()[:200]
    return redirect(url_for("consent.overview", **{k: v for k, v in request.args.items()
                                                    if k != "page"}))


# Form versions


@blueprint.get("/forms")
@allow_roles(ALL_ROLES)
def forms():
    return render_template("consent/forms.html", versions=services.form_versions())


@blueprint.get("/forms/<int:version_id>")
@allow_roles(ALL_ROLES)
def form_detail(version_id):
    version = services.get_form_version(version_id) or abort(404)
    return render_template("consent/form_detail.html", version=version, confirm=ConfirmForm(),
                           item_labels=ITEM_LABELS)


@blueprint.route("/forms/new", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def form_create():
    form = FormVersionForm()
    return _form_version_page(form, None, lambda data, pdf: services.create_form_version(
        data, by=current_user, letter_pdf=pdf))


@blueprint.route("/forms/<int:version_id>/edit", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def form_edit(version_id):
    version = services.get_form_version(version_id) or abort(404)
    if version.status is not FormStatus.DRAFT:
        flash(_("An active or retired form never changes. Make a new version instead."), "error")
        return redirect(url_for("consent.form_detail", version_id=version.id))
    wording = {f"wording_{item.key}": item.wording for item in version.items}
    form = FormVersionForm(obj=version, **wording)
    del form.language  # a version keeps the language it was made for
    return _form_version_page(form, version, lambda data, pdf: services.update_form_version(
        version, data, by=current_user, letter_pdf=pdf))


def _form_version_page(form, version, save):
    def done(saved):
        flash(_("Form saved as a draft."), "success")
        return redirect(url_for("consent.form_detail", version_id=saved.id))

    return form_page(form, "consent/form_edit.html", version=version, done=done, save=lambda form: save(
        form.data, files.read_limited(form.letter_pdf.data) if form.letter_pdf.data else None))


@blueprint.post("/forms/<int:version_id>/<any(activate, retire):action>")
@allow_roles(MANAGING_ROLES)
def form_status(version_id, action):
    version = services.get_form_version(version_id) or abort(404)
    change = services.activate_form_version if action == "activate" else services.retire_form_version

    def done(_changed):
        flash(_("The form is active.") if action == "activate" else _("The form is retired."),
              "success")
        return redirect(url_for("consent.form_detail", version_id=version_id))
    return button_action(lambda: change(version, by=current_user), done=done,
                         refused=lambda: form_detail(version_id))


@blueprint.get("/forms/<int:version_id>/letter.pdf")
@allow_roles(ALL_ROLES)
def form_letter(version_id):
    version = services.get_form_version(version_id) or abort(404)
    return _send_letter(version)


def _send_letter(version):
    if not version.letter_pdf_name:
        abort(404)
    response = send_file(files.path_of(files.LETTER_FOLDER, version.letter_pdf_name),
                         mimetype="application/pdf", as_attachment=True,
                         download_name="information-letter.pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# One informant


@blueprint.post("/informants/<int:informant_id>/request")
@allow_roles(MANAGING_ROLES)
def request_consent(informant_id):
    informant = get_informant(informant_id) or abort(404)
    return _on_informant_page(informant_id, lambda: services.request_consent(informant,
                                                                           by=current_user),
                              _("Consent request sent."))


@blueprint.route("/informants/<int:informant_id>/register", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def register(informant_id):
    informant = get_informant(informant_id) or abort(404)
    form = RegisterConsentForm()
    form.form_version_id.choices = options(
        [(v.id, _("%(form)s (%(status)s)", form=v.name, status=v.status.label.lower()))
         for v in services.form_versions()
         if v.status is not FormStatus.DRAFT])
    return form_page(form, "consent/register.html", informant=informant,
                     save=lambda form: _register(informant, form),
                     done=_to_informant(informant_id, _("Consent registered.")))


def _register(informant, form):
    version = services.get_form_version(form.form_version_id.data or 0)
    if form.answer.data == "declined":
        return services.decline_consent(informant, method=form.method.data, by=current_user,
                                        version=version, note=form.note.data or "")
    evidence = files.read_limited(form.evidence.data) if form.evidence.data else None
    return services.give_consent(informant, form.item_states(), method=form.method.data,
                                 by=current_user, consented_on=form.consented_on.data,
                                 version=version, evidence=evidence, note=form.note.data or "")


@blueprint.route("/informants/<int:informant_id>/withdraw", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def withdraw(informant_id):
    informant = get_informant(informant_id) or abort(404)
    def done(withdrawal):
        flash(ngettext("%(code)s has withdrawn. %(num)d future interview cancelled; the "
                       "data-handling checklist is open.",
                       "%(code)s has withdrawn. %(num)d future interviews cancelled; the "
                       "data-handling checklist is open.",
                       len(withdrawal.cancelled_interviews), code=informant.code), "success")
        return redirect(url_for("informants.detail", informant_id=informant_id))

    return form_page(WithdrawForm(), "consent/withdraw.html", informant=informant,
                     interviews=services.future_open_interviews(informant.id, utcnow()),
                     save=lambda form: services.withdraw_consent(informant, by=current_user,
                                                                 note=form.note.data or ""),
                     done=done)


@blueprint.get("/evidence/<int:evidence_id>")
@allow_roles(IDENTITY_ROLES)
def evidence(evidence_id):
    found = services.evidence_file(evidence_id, by=current_user) or abort(404)
    path, content_type = found
    response = send_file(path, mimetype=content_type, as_attachment=True,
                         download_name=f"consent-evidence-{evidence_id}{path.suffix}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.post("/tasks/<int:task_id>/done")
@allow_roles(MANAGING_ROLES)
def task_done(task_id):
    task = db.get_or_404(DataTask, task_id)
    form = TaskDoneForm()
    return _on_informant_page(task.informant_id, lambda: services.complete_data_task(
        task, by=current_user, note=form.note.data or ""), _("Task marked done."), form=form)


def _on_informant_page(informant_id, do, message, form=None):
    """A button on the informant page: refused, the page comes back with the reason."""
    return button_action(do, done=_to_informant(informant_id, message), form=form,
                         refused=lambda: detail_page(informant_id))


def _to_informant(informant_id, message):
    def done(_result):
        flash(message, "success")
        return redirect(url_for("informants.detail", informant_id=informant_id))
    return done


# Re-consent


@blueprint.route("/re-consent", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def re_consent():
    form = ConfirmForm()
    if form.validate_on_submit():
        asked, skipped = services.request_re_consent_all(by=current_user)
        flash(ngettext("Re-consent requested from %(num)d informant.",
                       "Re-consent requested from %(num)d informants.", len(asked)), "success")
        for reason in skipped:
            flash(reason, "error")
        return redirect(url_for("consent.re_consent"))
    return render_template("consent/re_consent.html", form=form,
                           rows=services.re_consent_candidates())


# The informant's own pages: no login, nothing about anyone else, no change on a bad link.

def _problem(problem, purpose):
    security.record_link_refused(purpose=purpose.value, problem=problem.kind,
                                 token_id=problem.token_id)
    return link_problem_page(problem.kind)


@link_blueprint.route("/c/<token>", methods=["GET", "POST"])
@public
def answer(token):
    try:
        context = services.open_link(token, TokenPurpose.CONSENT)
    except TokenProblem as problem:
        return _problem(problem, TokenPurpose.CONSENT)
    form = LinkAnswerForm()
    form.items.choices = [(item.key, item.wording) for item in context.version.items]
    status = 200
    # One of the two buttons must have been pressed: a bare submission is no answer.
    if form.validate_on_submit() and (form.consent.data or form.decline.data):
        chosen = set(form.items.data or ())
        try:
            services.answer_through_link(
                context, {item.key: item.key in chosen for item in context.version.items},
                agree=bool(form.consent.data))
        except TokenProblem as problem:  # answered a moment ago, in another tab
            db.session.rollback()
            return _problem(problem, TokenPurpose.CONSENT)
        except DomainError as error:
            form.items.errors = [*form.items.errors, error.message]
            status = 422
        else:
            return personal_link_page(
                "consent/link_done.html", language=context.version.language.value,
                outcome="consented" if form.consent.data else "declined")
    elif form.is_submitted():
        status = 400
    return personal_link_page("consent/link_answer.html", status, form=form,
                              version=context.version, language=context.version.language.value,
                              token=token, withdraw_form=LinkWithdrawForm())


@link_blueprint.post("/c/<token>/withdraw")
@public
def withdraw_from_answer(token):
    """Withdrawal from the consent page itself: one button, as easy as consenting."""
    return _withdraw(token, TokenPurpose.CONSENT)


@link_blueprint.route("/w/<token>", methods=["GET", "POST"])
@public
def withdraw_link(token):
    return _withdraw(token, TokenPurpose.WITHDRAW)


def _withdraw(token, purpose):
    try:
        context = services.open_link(token, purpose)
    except TokenProblem as problem:
        return _problem(problem, purpose)
    language = context.informant.language.value
    form = LinkWithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_through_link(context)
        except TokenProblem as problem:
            db.session.rollback()
            return _problem(problem, purpose)
        return personal_link_page("consent/link_done.html", language=language, outcome="withdrawn")
    status = 400 if form.is_submitted() else 200
    return personal_link_page("consent/link_withdraw.html", status, form=form, language=language,
                              token=token)


@link_blueprint.get("/c/<token>/letter.pdf")
@public
def letter(token):
    try:
        context = services.open_link(token, TokenPurpose.CONSENT)
    except TokenProblem as problem:
        return _problem(problem, TokenPurpose.CONSENT)
    return _send_letter(context.version)
