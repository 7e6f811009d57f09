"""Member-check pages: the team's quotes of an interview under /quotes, and the informant's
personal page /m/<token> (no login, nothing about anyone else, not indexed)."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..access import (ALL_ROLES, IDENTITY_ROLES, allow_roles, link_problem_page, personal_link_page,
                      public)
from ..consent.gates import consent_summaries
from ..consent.tokens import TokenProblem
from ..database import utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..forms import form_page, options
from ..informants.services import get_informant
from ..interviews.queries import get_interview
from . import links, queries, services
from .forms import AnswerForm, AskForm, QuoteForm

blueprint = Blueprint("memberchecks", __name__, url_prefix="/quotes")
link_blueprint = Blueprint("memberchecks_link", __name__)


# The team's pages


@blueprint.get("/interview/<int:interview_id>", endpoint="list")
@allow_roles(ALL_ROLES)
def quote_list(interview_id):
    interview = get_interview(interview_id) or abort(404)
    return render_template("memberchecks/list.html", interview=interview,
                           quotes=queries.quotes_of_interview(interview.id),
                           consents=consent_summaries(i.id for i in interview.informants))


@blueprint.route("/interview/<int:interview_id>/new", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def create(interview_id):
    interview = get_interview(interview_id) or abort(404)
    form = QuoteForm()
    form.informant_id.choices = options(
        [("", _("Choose an informant"))] + [(i.id, f"{i.code} {i.name}") for i in interview.informants])
    return form_page(form, "memberchecks/form.html", interview=interview,
                     save=lambda form: services.add_quote(interview, form.data, by=current_user),
                     done=_to_list(interview_id, _("Quote saved. Send a member check to ask "
                                                   "the informant about it.")))


@blueprint.route("/interview/<int:interview_id>/ask/<int:informant_id>", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def ask(interview_id, informant_id):
    interview = get_interview(interview_id) or abort(404)
    informant = get_informant(informant_id) or abort(404)
    if informant.id not in {i.id for i in interview.informants}:
        abort(404)
    return form_page(AskForm(), "memberchecks/ask.html", interview=interview, informant=informant,
                     save=lambda form: services.ask_informant(
                         interview, informant, deadline=form.deadline.data, by=current_user),
                     done=_to_list(interview_id, _("Member check sent to %(code)s.",
                                                   code=informant.code)))


def _to_list(interview_id, message):
    def done(_):
        flash(message, "success")
        return redirect(url_for("memberchecks.list", interview_id=interview_id))
    return done


# The informant's page

def _problem(problem):
    links.record_link_refused(problem, now=utcnow())
    return link_problem_page(problem.kind)


def _answer_page(context, token, status=200, forms=None, message=None):
    quotes = services.quotes_of_request(context.request.id)
    forms = forms or {}
    return personal_link_page(
        "memberchecks/link_page.html", status, token=token, quotes=quotes, message=message,
        forms={q.id: forms.get(q.id) or AnswerForm(edited_text=q.text, formdata=None)
               for q in quotes},
        language=context.request.language.value,
        deadline=services.deadline_day(context.request))


@link_blueprint.get("/m/<token>")
@public
def answer_page(token):
    try:
        context = links.open_link(token, now=utcnow())
    except TokenProblem as problem:
        return _problem(problem)
    return _answer_page(context, token)


@link_blueprint.post("/m/<token>/quotes/<int:quote_id>")
@public
def answer(token, quote_id):
    try:
        context = links.open_link(token, now=utcnow())
    except TokenProblem as problem:
        return _problem(problem)
    form = AnswerForm()
    if not form.validate_on_submit():
        form.edited_text.errors = ["invalid"]
        return _answer_page(context, token, 422, forms={quote_id: form})
    try:
        request = services.answer_quote(context, quote_id, form.answer.data,
                                        edited_text=form.edited_text.data)
    except TokenProblem as problem:  # closed a moment ago: withdrawn, past the deadline
        db.session.rollback()
        return _problem(problem)
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, NotAllowed):  # answered a moment ago, in another tab
            return _answer_page(context, token, 409, message="already-answered")
        # The page words the message in the informant's language.
        form.edited_text.errors = ["same" if isinstance(error, services.SameWording) else "invalid"]
        return _answer_page(context, token, 422, forms={quote_id: form})
    if request.status.value == "answered":
        return personal_link_page("memberchecks/link_done.html", language=request.language.value)
    return redirect(url_for("memberchecks_link.answer_page", token=token,
                            _anchor=f"quote-{quote_id}"), 303)
