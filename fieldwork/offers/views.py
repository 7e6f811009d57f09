"""Offers: the team's pages under /offers, and the informant's personal page /o/<token>."""

from datetime import timedelta

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import languages
from ..access import MANAGING_ROLES, allow_roles, link_problem_page, personal_link_page, public
from ..audit import security
from ..consent.forms import LinkAnswerForm
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..forms import BadNumber, ConfirmForm, button_action, form_page, options, page_number
from ..i18n import current_language
from ..guides.services import choosable_versions
from ..interviews import picker, queries
from ..interviews.invitations import local_when
from ..interviews.models import InterviewMode
from ..timeutil import to_local
from ..validation import parse_whole_number
from . import services
from .forms import BookForm, MessageForm, OfferFilterForm, OfferForm
from .models import OfferNeed, OfferStatus
from .services import CutoffPassed, SlotTaken, TokenProblem

blueprint = Blueprint("offers", __name__, url_prefix="/offers")
link_blueprint = Blueprint("offer_link", __name__)


@blueprint.app_template_filter("offer_when")
def offer_when(instant, language):
    """"onsdag 9. desember 2026 kl. 14:00": the weekday spelled out, in the study's zone."""
    return local_when(instant, language)


# The team's pages


@blueprint.get("/", endpoint="list")
@allow_roles(MANAGING_ROLES)
def list_offers():
    filters = OfferFilterForm(request.args)
    if not filters.validate():
        return render_template("offers/list.html", filters=filters, page=None, counts={}), 400
    status = OfferStatus(filters.status.data) if filters.status.data else None
    page = services.offer_page(status=status, page=page_number(),
                               per_page=current_app.config["PAGE_SIZE"])
    return render_template("offers/list.html", filters=filters, page=page,
                           counts=services.status_counts(),
                           filter_args={k: v for k, v in request.args.items() if k != "page"})


@blueprint.route("/new", methods=["GET", "POST"], endpoint="new")
@allow_roles(MANAGING_ROLES)
def new():
    form = _offer_form(**(_from_finder(request.args) if request.method == "GET" else {}))
    if picker.is_find_request():
        return picker.found_page("offers/new.html", form)

    def done(offers):
        flash(ngettext("Offer sent to %(num)d informant.", "Offer sent to %(num)d informants.",
                       len(offers)), "success")
        return redirect(url_for("offers.list"))

    return form_page(form, "offers/new.html", done=done,
                     save=lambda form: services.create_offers(_values(form), by=current_user))


@blueprint.get("/<int:offer_id>")
@allow_roles(MANAGING_ROLES)
def detail(offer_id):
    return _detail_page(offer_id)


def _detail_page(offer_id):
    offer = services.get_offer(offer_id) or abort(404)
    free = services.free_interviewers(offer, exclude_interview_id=offer.interview_id)
    return render_template("offers/detail.html", offer=offer, free=free, confirm=ConfirmForm(),
                           now=utcnow())


@blueprint.post("/<int:offer_id>/cancel")
@allow_roles(MANAGING_ROLES)
def cancel(offer_id):
    offer = services.get_offer(offer_id) or abort(404)

    def done(_offer):
        flash(_("The offer is withdrawn; its link no longer works."), "success")
        return redirect(url_for("offers.detail", offer_id=offer_id))

    return button_action(lambda: services.withdraw_offer(offer, by=current_user), done=done,
                         refused=lambda: _detail_page(offer_id))


def _offer_form(**data):
    form = picker.load_picker(OfferForm(**data))
    form.interviewer_ids.choices = queries.interviewer_choices()
    form.guide_version_id.choices = options(
        [("", _("Choose a guide version"))] +
        [(v.id, _("%(title)s, version %(number)s", title=v.guide.title, number=v.number))
         for v in choosable_versions()])
    # The times come with the request: from the finder's address, or back from the form.
    starts = request.form.getlist("times") if request.method == "POST" else data.get("times", [])
    instants = [(value, services.parse_instant(value)) for value in starts]
    language = current_language()
    form.times.choices = options((value, local_when(instant, language))
                                 for value, instant in instants if instant is not None)
    return form


def _from_finder(args):
    """What the finder page sends (informant, interviewer, need, duration, mode, start), as the
    form's starting values. Something there that is not usable is a 400 that says what."""
    data = {}
    try:
        informants = [parse_whole_number(v) for v in args.getlist("informant")]
        interviewers = [parse_whole_number(v) for v in args.getlist("interviewer")]
    except DomainError:
        raise BadNumber(_("An informant or interviewer in the address is not a number.")) \
            from None
    if informants:
        data["informant_ids"] = informants
    if interviewers:
        data["interviewer_ids"] = interviewers
    if "need" in args:
        if args["need"] not in {n.value for n in OfferNeed}:
            raise BadNumber(_("`need` must be all or any."))
        data["need"] = args["need"]
    if "duration" in args:
        try:
            data["duration_minutes"] = parse_whole_number(args["duration"],
                                                          label=_("The duration"))
        except DomainError as error:
            raise BadNumber(error.message) from None
    if "mode" in args:
        if args["mode"] not in {m.value for m in InterviewMode}:
            raise BadNumber(_("The mode in the address is not one the app knows."))
        data["mode"] = args["mode"]
    starts = args.getlist("start")
    if any(services.parse_instant(value) is None for value in starts):
        raise BadNumber(_("A time in the address could not be read: times are sent in UTC, as "
                          "%(example)s.", example="2026-12-09T13:00:00Z"))
    if starts:
        data["times"] = sorted(set(starts))
        first = min(services.parse_instant(v) for v in starts)
        today = to_local(utcnow()).date()
        data["expires_on"] = max(today, min(today + timedelta(days=3),
                                            to_local(first).date() - timedelta(days=1)))
    return data


def _values(form):
    return {**form.data, "starts": form.times.data or [], "local_starts": form.local_starts()}


# The informant's page: no login, their language, nothing about anyone else.


def _problem(problem):
    security.record_link_refused(purpose="offer", problem=problem.kind, token_id=problem.token_id,
                                 entity_type="offer_link")
    return link_problem_page(problem.kind)


def _offer_page(token, context, status=200, *, error=None, consent_form=None, book_form=None,
                message_form=None):
    consent_form = consent_form or LinkAnswerForm()
    return personal_link_page("offers/link.html", status, context=context, token=token,
                              language=context.language,
                              study_name=languages.study_name(context.language), error=error,
                              consent_form=consent_form, book_form=book_form or BookForm(),
                              message_form=message_form or MessageForm())


@link_blueprint.get("/o/<token>")
@public
def show(token):
    try:
        context = services.open_offer(token)
    except TokenProblem as problem:
        return _problem(problem)
    services.mark_opened(context)
    return _offer_page(token, context)


def _informant_action(token, act, *, form, done_message):
    """One of the informant's buttons: a refusal shows the page again, as it is now, with a
    message in their language; nothing is changed."""
    try:
        context = services.open_offer(token)
    except TokenProblem as problem:
        return _problem(problem)
    if not form.validate_on_submit():
        # A message refused by the text rules is invalid input (422); a missing or unreadable
        # choice, or a missing CSRF token, is a request no page of ours sends (400).
        if form.errors.get("message"):
            return _offer_page(token, context, 422, error="message")
        return _offer_page(token, context, 400,
                           error="choose" if "slot" in form.errors else "state")
    try:
        act(context, form)
    except TokenProblem as problem:
        db.session.rollback()
        return _problem(problem)
    except (SlotTaken, CutoffPassed) as refusal:
        db.session.rollback()
        kind = "taken" if isinstance(refusal, SlotTaken) else "cutoff"
        return _offer_page(token, services.open_offer(token), 409, error=kind)
    except DomainError as refusal:
        db.session.rollback()
        status = 422 if refusal.field else 409
        try:
            context = services.open_offer(token)
        except TokenProblem as problem:
            return _problem(problem)
        return _offer_page(token, context, status, error=refusal.field or "state")
    flash(done_message[context.language], "success")
    return redirect(url_for("offer_link.show", token=token))


def _slot_form(token):
    form = BookForm()
    # Any whole number is a choice here: the service refuses a slot of another offer.
    form.slot.choices = options([(form.slot.data, "")]) if isinstance(form.slot.data, int) else []
    return form


@link_blueprint.post("/o/<token>/book")
@public
def book(token):
    return _informant_action(
        token, lambda context, form: services.book(context, form.slot.data),
        form=_slot_form(token),
        done_message={"nb": "Intervjuet er booket. Du får en kalenderinvitasjon på e-post.",
                      "en": "The interview is booked. A calendar invitation is on its way by "
                            "email."})


@link_blueprint.post("/o/<token>/move")
@public
def move(token):
    return _informant_action(
        token, lambda context, form: services.move(context, form.slot.data),
        form=_slot_form(token),
        done_message={"nb": "Intervjuet er flyttet. Du får en oppdatert kalenderinvitasjon.",
                      "en": "The interview is moved. An updated calendar invitation is on its "
                            "way."})


@link_blueprint.post("/o/<token>/cancel")
@public
def cancel_booking(token):
    return _informant_action(
        token, lambda context, form: services.cancel_booking(context,
                                                             message=form.message.data),
        form=MessageForm(),
        done_message={"nb": "Intervjuet er avlyst. Takk for at du sa fra.",
                      "en": "The interview is cancelled. Thank you for letting us know."})


@link_blueprint.post("/o/<token>/decline")
@public
def decline(token):
    return _informant_action(
        token, lambda context, form: services.decline(context, message=form.message.data),
        form=MessageForm(),
        done_message={"nb": "Takk, vi har fått svaret ditt og tar kontakt.",
                      "en": "Thank you, we have your answer and will be in touch."})


@link_blueprint.post("/o/<token>/consent")
@public
def consent(token):
    try:
        context = services.open_offer(token)
    except TokenProblem as problem:
        return _problem(problem)
    if not context.needs_consent or context.consent_version is None:
        return _offer_page(token, context, 409, error="state")
    form = LinkAnswerForm()
    form.items.choices = [(item.key, item.wording) for item in context.consent_version.items]
    if not (form.validate_on_submit() and (form.consent.data or form.decline.data)):
        return _offer_page(token, context, 400, consent_form=form, error="consent")
    chosen = set(form.items.data or ())
    try:
        services.give_consent_through_offer(
            context, {item.key: item.key in chosen for item in context.consent_version.items},
            agree=bool(form.consent.data))
    except DomainError:
        db.session.rollback()
        return _offer_page(token, services.open_offer(token), 422, consent_form=form,
                           error="consent")
    if form.decline.data:
        return personal_link_page("consent/link_done.html", language=context.language,
                                  outcome="declined")
    flash({"nb": "Takk, samtykket ditt er registrert. Velg et tidspunkt nedenfor.",
           "en": "Thank you, your consent is registered. Choose a time below."}[context.language],
          "success")
    return redirect(url_for("offer_link.show", token=token))
