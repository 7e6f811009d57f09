"""Availability pages: each interviewer's own (working hours, dates away, their calendar), which
they and the coordinators may change, and the coordinators' "Find a time"."""

from datetime import timedelta

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from ..access import IDENTITY_ROLES, MANAGING_ROLES, allow_roles
from ..auth.models import User
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..forms import ConfirmForm, button_action, form_page, show_domain_error
from ..interviews import queries
from ..interviews.planning import INTERVIEWER_ROLES
from ..timeutil import to_local
from . import services
from .forms import CalendarForm, DateAwayForm, FinderForm, WorkingHoursForm
from .models import BusyCalendar, DateAway, WorkingHours

blueprint = Blueprint("availability", __name__, url_prefix="/availability")


@blueprint.get("/", endpoint="list")
@allow_roles(IDENTITY_ROLES)
def list_interviewers():
    if not current_user.manages:
        return redirect(url_for("availability.detail", user_id=current_user.id))
    users = db.session.scalars(select(User).where(User.role.in_(INTERVIEWER_ROLES),
                                                  User.is_enabled.is_(True))
                               .order_by(func.lower(User.name))).all()
    ids = [u.id for u in users]
    calendars = {c.user_id: c for c in db.session.scalars(
        select(BusyCalendar).where(BusyCalendar.user_id.in_(ids)))} if ids else {}
    with_hours = set(db.session.scalars(select(WorkingHours.user_id).where(
        WorkingHours.user_id.in_(ids)).distinct())) if ids else set()
    return render_template("availability/list.html", users=users, calendars=calendars,
                           with_hours=with_hours)


@blueprint.get("/<int:user_id>")
@allow_roles(IDENTITY_ROLES)
def detail(user_id):
    return _detail_page(_editable(user_id))


def _detail_page(user, away_form=None):
    now = utcnow()
    week = services.week_of(user.id)
    return render_template(
        "availability/detail.html", user=user, week=week, weekdays=services.WEEKDAY_FIELDS,
        format_ranges=services.format_ranges,
        away=services.dates_away(user.id, today=to_local(now).date()),
        away_form=away_form or DateAwayForm(), calendar=services.calendar_of(user.id),
        busy_count=services.busy_count(user.id, now=now), confirm=ConfirmForm())


@blueprint.route("/<int:user_id>/hours", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def hours(user_id):
    user = _editable(user_id)
    week = services.week_of(user.id)
    form = WorkingHoursForm(**{name: services.format_ranges(week[day])
                               for day, name in enumerate(services.WEEKDAY_FIELDS)})
    return form_page(form, "availability/hours.html", user=user,
                     save=lambda form: services.set_working_hours(user, form.data,
                                                                  by=current_user),
                     done=_back_to(user, _("Working hours saved.")))


@blueprint.post("/<int:user_id>/away")
@allow_roles(IDENTITY_ROLES)
def add_away(user_id):
    user = _editable(user_id)
    form = DateAwayForm()
    if not form.validate_on_submit():
        if not form.is_submitted() or "csrf_token" in form.errors:
            abort(400)
        return _detail_page(user, form), 422
    try:
        services.add_date_away(user, form.data, by=current_user)
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return _detail_page(user, form), 422
    return _back_to(user, _("Dates away added."))(None)


@blueprint.post("/<int:user_id>/away/<int:away_id>/remove")
@allow_roles(IDENTITY_ROLES)
def remove_away(user_id, away_id):
    user = _editable(user_id)
    away = db.get_or_404(DateAway, away_id)
    if away.user_id != user.id:
        abort(404)
    return button_action(lambda: services.remove_date_away(away, by=current_user),
                         done=_back_to(user, _("Dates away removed.")),
                         refused=lambda: _detail_page(user))


@blueprint.route("/<int:user_id>/calendar", methods=["GET", "POST"])
@allow_roles(IDENTITY_ROLES)
def calendar(user_id):
    user = _editable(user_id)
    current = services.calendar_of(user.id)
    form = CalendarForm(kind=current.kind.value if current else None,
                        username=current.username if current else "")
    return form_page(form, "availability/calendar.html", user=user, current=current,
                     save=lambda form: services.set_busy_calendar(user, form.data,
                                                                  by=current_user),
                     done=_back_to(user, _("Calendar saved. Its busy times are read within a "
                                           "few minutes, or now with \"Read now\".")))


@blueprint.post("/<int:user_id>/calendar/remove")
@allow_roles(IDENTITY_ROLES)
def remove_calendar(user_id):
    user = _editable(user_id)
    return button_action(lambda: services.remove_busy_calendar(user, by=current_user),
                         done=_back_to(user, _("Calendar removed, with the busy times read from it.")),
                         refused=lambda: _detail_page(user))


@blueprint.post("/<int:user_id>/calendar/read")
@allow_roles(IDENTITY_ROLES)
def read_calendar(user_id):
    user = _editable(user_id)

    def done(outcome):
        if outcome == "failed":
            flash(_("The calendar could not be read: see the message below."), "error")
        else:
            flash(_("Calendar read."), "success")
        return redirect(url_for("availability.detail", user_id=user.id))
    return button_action(lambda: services.read_calendar_now(user), done=done,
                         refused=lambda: _detail_page(user))


def _editable(user_id):
    """An interviewer's availability: theirs to change, and the coordinators'."""
    user = db.get_or_404(User, user_id)
    if user.role not in INTERVIEWER_ROLES:
        abort(404)
    if user.id != current_user.id and not current_user.manages:
        abort(403)
    return user


def _back_to(user, message):
    def done(_result):
        flash(message, "success")
        return redirect(url_for("availability.detail", user_id=user.id))
    return done


# ---------------------------------------------------------------------------------------------

@blueprint.get("/find")
@allow_roles(MANAGING_ROLES)
def find():
    today = to_local(utcnow()).date()
    form = FinderForm(request.args, first_day=today + timedelta(days=1),
                      last_day=today + timedelta(days=14))
    if not {"interviewer", "find"} & set(request.args):  # opened from a link: suggest oneself
        form.interviewer.data = [current_user.id]
    form.picker = queries.picker_candidates(
        "", sees_identities=current_user.sees_identities,
        limit=current_app.config["PICKER_PAGE_SIZE"], chosen=form.informant.data or ())
    form.interviewer.choices = queries.interviewer_choices()
    search, status = None, 200
    if "find" in request.args:
        if form.validate():
            try:
                search = services.find_times(form.data, now=utcnow())
            except DomainError as error:
                show_domain_error(form, error)
                status = 422
        else:
            status = 422
    return render_template("availability/find.html", form=form, search=search,
                           offers_url=_offers_url()), status


def _offers_url():
    """The page that sends offers to informants; its address is fixed even before it exists."""
    try:
        return url_for("offers.new")
    except BuildError:
        return "/offers/new"
