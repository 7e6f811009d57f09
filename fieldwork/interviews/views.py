from datetime import datetime

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import languages
from ..access import ALL_ROLES, IDENTITY_ROLES, MANAGING_ROLES, allow_roles
from ..consent.gates import consent_summaries
from ..coverage.services import coverage_of
from ..database import utcnow
from ..extensions import db
from ..forms import (ConfirmForm, button_action, coerce_optional_id, form_page, options,
                     page_number)
from ..guides.services import choosable_versions
from ..guides.views import render_printable
from ..informants.models import Informant
from ..memberchecks.queries import quote_states
from ..organisations.services import filter_choices
from ..outbox import services as outbox
from ..outbox.models import OutboxMessage
from ..replies import services as replies
from ..replies.links import offer_urls
from ..timeutil import format_local, to_local
from . import afterwards, feeds, invitations, picker, pipeline, queries, services
from . import calendar as calendars
from .forms import (CalendarForm, PickerSearchForm, ConductForm, InterviewFilterForm, InterviewForm,
                    NotesForm, RecordingForm, TranscriptForm)
from .models import Interview, InterviewMode, InterviewStatus

blueprint = Blueprint("interviews", __name__, url_prefix="/interviews")


@blueprint.get("/", endpoint="list")
@allow_roles(ALL_ROLES)
def list_interviews():
    filters = _filter_form(InterviewFilterForm(request.args))
    if not filters.validate():
        return render_template("interviews/list.html", filters=filters, page=None), 400
    page = queries.interview_page(_criteria(filters), page=page_number(),
                                  per_page=current_app.config["PAGE_SIZE"])
    marks = replies.answer_marks([i.id for i in page.items], now=utcnow())
    return render_template("interviews/list.html", filters=filters, page=page, marks=marks,
                           filter_args={k: v for k, v in request.args.items() if k != "page"})


@blueprint.get("/calendar")
@allow_roles(ALL_ROLES)
def calendar():
    form = _with_interviewers(CalendarForm(request.args))
    status = 200 if form.validate() else 400
    view = form.view.data if form.view.data in calendars.VIEWS else "week"
    # An unusable date shows this week, with the message beside the date field.
    day = (form.date.data if status == 200 else None) or to_local(utcnow()).date()
    days = calendars.load_days(view, calendars.calendar_days(view, day),
                               interviewer_id=form.interviewer.data,
                               with_names=current_user.sees_identities)
    previous, following = calendars.neighbours(view, day)
    marks = replies.answer_marks([e.id for d in days for e in d.entries], now=utcnow())
    return render_template("interviews/calendar.html", form=form, view=view, day=day,
                           marks=marks,
                           weeks=[days[n:n + 7] for n in range(0, len(days), 7)],
                           grid=calendars.week_grid(days) if view == "week" else None,
                           previous=previous, following=following,
                           today=to_local(utcnow()).date()), status


@blueprint.get("/<int:interview_id>")
@allow_roles(ALL_ROLES)
def detail(interview_id):
    return _detail_page(interview_id)


def _detail_page(interview_id):
    """The interview page; also what a refused action shows again, with its reason."""
    interview = queries.get_interview_with_aftermath(interview_id) or abort(404)
    messages = []
    if current_user.sees_identities:
        messages = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.interview_id == interview.id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())).all()
    answers = replies.answers_for(interview)
    return render_template("interviews/detail.html", interview=interview, messages=messages,
                           answers=answers, proposals=replies.open_proposals(interview),
                           offer_urls=offer_urls(answers),
                           confirm=ConfirmForm(), now=utcnow(), today=to_local(utcnow()).date(),
                           consents=consent_summaries(i.id for i in interview.informants),
                           transcript_form=TranscriptForm(
                               transcript_status=interview.transcript_status.value),
                           transcript_history=queries.transcript_history(interview.id),
                           coverage=coverage_of(interview.id),
                           quotes=quote_states([interview.id])[interview.id])


@blueprint.route("/new", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def create():
    form = _interview_form(**_suggestions(request.args))
    if picker.is_find_request():
        return picker.found_page("interviews/form.html", form)
    return form_page(form, "interviews/form.html",
                     save=lambda form: services.schedule_interview(
                         form.data, by=current_user, send_invites=form.send_invites.data),
                     done=_saved(_("Interview scheduled.")))


@blueprint.post("/picker")
@allow_roles(MANAGING_ROLES)
def picker_search():
    """The informant picker's search as you type: the rows found, as HTML to put in the list.
    A POST, so that a name searched for stays out of the address and the logs."""
    form = PickerSearchForm()
    if not form.validate_on_submit():
        return render_template("interviews/_picker_refused.html", form=form), 422
    found = picker.load_picker(form)
    return render_template("interviews/_picker_found.html", picker=found.picker,
                           sees_identities=current_user.sees_identities)


@blueprint.route("/<int:interview_id>/edit", methods=["GET", "POST"])
@allow_roles(MANAGING_ROLES)
def edit(interview_id):
    interview = queries.get_interview(interview_id) or abort(404)
    if not interview.status.is_open:  # reached with Back after cancelling, say
        flash(services.closed_message(interview.status, "changed"), "error")
        return _detail_page(interview_id), 409
    start = to_local(interview.starts_at)
    form = _interview_form(
        current=interview, start_date=start.date(), start_time=start.time(),
        place=interview.place, meeting_url=interview.meeting_url, notes=interview.notes,
        guide_version_id=interview.guide_version_id,
        duration_minutes=interview.duration_minutes, mode=interview.mode.value,
        language=interview.language.value if interview.language else "",
        informant_ids=[i.id for i in interview.informants],
        interviewer_ids=[u.id for u in interview.interviewers])
    del form.send_invites
    if picker.is_find_request():
        return picker.found_page("interviews/form.html", form, interview=interview)
    return form_page(form, "interviews/form.html", interview=interview,
                     save=lambda form: services.reschedule_interview(interview, form.data,
                                                                     by=current_user),
                     done=_saved(_("Interview saved.")))


@blueprint.get("/<int:interview_id>/cancel")
@allow_roles(MANAGING_ROLES)
def cancel_page(interview_id):
    interview = queries.get_interview(interview_id) or abort(404)
    return render_template("interviews/cancel.html", interview=interview, form=ConfirmForm())


@blueprint.post("/<int:interview_id>/cancel")
@allow_roles(MANAGING_ROLES)
def cancel(interview_id):
    interview = db.get_or_404(Interview, interview_id)
    return _act(interview_id, lambda: services.cancel_interview(interview, by=current_user),
                _("Interview cancelled."))


@blueprint.post("/<int:interview_id>/<any(invite, confirm, 'no-show'):action>")
@allow_roles(MANAGING_ROLES)
def change_status(interview_id, action):
    interview = db.get_or_404(Interview, interview_id)
    if action == "invite":
        return _act(interview_id, lambda: services.send_invitations(interview, by=current_user),
                    _("Invitations sent."))
    status = InterviewStatus.CONFIRMED if action == "confirm" else InterviewStatus.NO_SHOW
    message = (_("Interview marked confirmed.") if status is InterviewStatus.CONFIRMED
               else _("Interview marked as a no-show."))
    return _act(interview_id, lambda: services.set_status(interview, status, by=current_user),
                message)


@blueprint.get("/pipeline")
@allow_roles(ALL_ROLES)
def pipeline_board():
    return render_template("interviews/pipeline.html", columns=pipeline.pipeline_board())


@blueprint.route("/<int:interview_id>/conduct", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def conduct(interview_id):
    interview = queries.get_interview_with_aftermath(interview_id) or abort(404)
    start = to_local(interview.actual_started_at or interview.starts_at)
    form = ConductForm(
        actual_start_date=start.date(), actual_start_time=start.time(),
        actual_duration_minutes=interview.actual_duration_minutes or interview.duration_minutes,
        present_interviewer_ids=[u.id for u in (interview.present_interviewers
                                                or interview.interviewers)])
    form.present_interviewer_ids.choices = queries.interviewer_choices()
    known = {value for value, _ in form.present_interviewer_ids.choices}
    form.present_interviewer_ids.choices += [(u.id, u.name) for u in interview.present_interviewers
                                             if u.id not in known]
    return form_page(form, "interviews/conduct.html", interview=interview,
                     save=lambda form: afterwards.mark_conducted(interview, form.data,
                                                                 by=current_user),
                     done=_after_saved(_("Interview marked conducted.")))


@blueprint.route("/<int:interview_id>/notes", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def notes(interview_id):
    interview = queries.get_interview_with_aftermath(interview_id) or abort(404)
    form = NotesForm(obj=interview)
    return form_page(form, "interviews/notes.html", interview=interview,
                     save=lambda form: afterwards.update_notes(interview, form.data,
                                                               by=current_user),
                     done=_after_saved(_("Notes saved.")))


@blueprint.route("/<int:interview_id>/recording", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def recording(interview_id):
    interview = queries.get_interview_with_aftermath(interview_id) or abort(404)
    form = RecordingForm(obj=interview)
    return form_page(form, "interviews/recording.html", interview=interview,
                     default_deadline=afterwards.default_recording_deadline(now=utcnow()),
                     save=lambda form: afterwards.register_recording(interview, form.data,
                                                                     by=current_user),
                     done=_after_saved(_("Recording registered.")))


@blueprint.post("/<int:interview_id>/recording/deleted")
@allow_roles(IDENTITY_ROLES)
def recording_deleted(interview_id):
    interview = db.get_or_404(Interview, interview_id)
    return _act(interview_id,
                lambda: afterwards.mark_recording_deleted(interview, by=current_user),
                _("Recording marked as deleted."))


@blueprint.post("/<int:interview_id>/transcript")
@allow_roles(IDENTITY_ROLES)
def transcript(interview_id):
    interview = db.get_or_404(Interview, interview_id)
    form = TranscriptForm()
    return _act(interview_id, lambda: afterwards.set_transcript_status(
        interview, form.transcript_status.data, note=form.note.data, by=current_user),
        _("Transcript stage saved."), form=form)


@blueprint.post("/<int:interview_id>/messages/<int:message_id>/retry")
@allow_roles(MANAGING_ROLES)
def retry_message(interview_id, message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    if message.interview_id != interview_id:
        abort(404)
    return _act(interview_id, lambda: outbox.retry_failed(message, by=current_user),
                _("The email will be sent again."))


@blueprint.get("/<int:interview_id>/interview.ics")
@allow_roles(IDENTITY_ROLES)
def download(interview_id):
    interview = queries.get_interview(interview_id) or abort(404)
    calendar = invitations.download_file(interview, language=languages.for_user(current_user),
                                         now=utcnow())
    return Response(calendar, mimetype="text/calendar",
                    headers={"Content-Disposition": "attachment; filename=interview.ics"})


@blueprint.get("/<int:interview_id>/guide")
@allow_roles(ALL_ROLES)
def print_guide(interview_id):
    """The guide version this interview uses, printed with its date and the informants' codes."""
    interview = queries.get_interview(interview_id) or abort(404)
    return render_printable(interview.guide_version,
                            interview_date=format_local(interview.starts_at),
                            informant_code=", ".join(i.code for i in interview.informants))


@blueprint.route("/subscription", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def subscription():
    form, token = ConfirmForm(), None
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            feeds.revoke_feed(current_user, by=current_user)
            flash(_("Your calendar subscription link no longer works."), "success")
            return redirect(url_for("interviews.subscription"))
        token = feeds.reset_feed(current_user, by=current_user)
    url = (current_app.config["BASE_URL"].rstrip("/") +
           url_for("calendar_feed.feed", token=token)) if token else None
    return render_template("interviews/subscription.html", form=form, url=url,
                           feed=feeds.feed_of(current_user))


def _act(interview_id, do, message, form=None):
    """A button on the interview page: refused, the page comes back with the reason."""
    def done(_):
        flash(message, "success")
        return redirect(url_for("interviews.detail", interview_id=interview_id))
    return button_action(do, done=done, refused=lambda: _detail_page(interview_id), form=form)


def _saved(message):
    def done(interview):
        flash(message, "success")
        _warn_about_consent(interview)
        return redirect(url_for("interviews.detail", interview_id=interview.id))
    return done


def _warn_about_consent(interview):
    """Scheduling before consent is allowed (the invitation carries the consent link), but the
    interview cannot be marked conducted until participation consent is given."""
    interview = queries.get_interview(interview.id)
    summaries = consent_summaries(i.id for i in interview.informants)
    missing = [i.code for i in interview.informants if not summaries[i.id].may_participate]
    if missing:
        flash(_("No participation consent yet from %(codes)s. Invitations carry the consent "
                "link; the interview cannot be marked conducted without consent.",
                codes=", ".join(missing)), "warning")


def _after_saved(message):
    def done(interview):
        flash(message, "success")
        return redirect(url_for("interviews.detail", interview_id=interview.id))
    return done


def _suggestions(args):
    """A new interview may come prefilled from a link: `informant` (the informant page; their
    role's guide is suggested too), and from the finder also `interviewer`, `start` (UTC, as
    2026-12-09T13:00:00Z), `duration` and `mode`. Prefill only suggests: whatever cannot be
    read is left out, and the usual checks run when the form is saved."""
    values = {}
    informant_ids = _ids(args.getlist("informant"))
    informants = db.session.scalars(select(Informant).where(Informant.id.in_(informant_ids))
                                    .order_by(Informant.id)).all() if informant_ids else []
    if informants:
        values["informant_ids"] = [i.id for i in informants]
        version = queries.suggested_guide_version(informants[0])
        values["guide_version_id"] = version.id if version else None
        values["interviewer_ids"] = [current_user.id]
    interviewer_ids = _ids(args.getlist("interviewer"))
    if interviewer_ids:
        values["interviewer_ids"] = interviewer_ids
    start = _utc_instant(args.get("start"))
    if start is not None:
        local = to_local(start)
        values["start_date"], values["start_time"] = local.date(), local.time()
    duration = args.get("duration", "")
    if duration.isascii() and duration.isdigit() and 0 < int(duration) <= 24 * 60:
        values["duration_minutes"] = int(duration)
    if args.get("mode") in {m.value for m in InterviewMode}:
        values["mode"] = args["mode"]
    return values


def _ids(values):
    ids = []
    for value in values:
        try:
            ids.append(coerce_optional_id(value))
        except ValueError:
            continue
    return [i for i in ids if i is not None]


def _utc_instant(value):
    try:
        when = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return when if when is not None and when.utcoffset() is not None else None


def _interview_form(current=None, **kwargs):
    form = picker.load_picker(InterviewForm(**kwargs))
    form.interviewer_ids.choices = queries.interviewer_choices()
    versions = choosable_versions()
    if current is not None and current.guide_version not in versions:
        versions = [current.guide_version, *versions]
    form.guide_version_id.choices = options(
        [("", _("Choose a guide version"))] +
        [(v.id, _("%(title)s, version %(number)s (retired)", title=v.guide.title, number=v.number)
          if v.status.value == "retired" else
          _("%(title)s, version %(number)s", title=v.guide.title, number=v.number))
         for v in versions])
    return form


def _filter_form(form):
    organisations, roles = filter_choices()
    form.organisation.choices = options([("", _("Any organisation"))] + organisations)
    form.role.choices = options([("", _("Any role"))] + roles)
    return _with_interviewers(form)


def _with_interviewers(form):
    form.interviewer.choices = options([("", _("Any interviewer"))] + queries.interviewer_choices())
    return form


def _criteria(form):
    return queries.InterviewFilter(
        upcoming={"upcoming": True, "past": False, "all": None}[form.when.data or "upcoming"],
        organisation_id=form.organisation.data, role_id=form.role.data,
        interviewer_id=form.interviewer.data,
        status=InterviewStatus(form.status.data) if form.status.data else None,
        date_from=form.date_from.data, date_to=form.date_to.data)
