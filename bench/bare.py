"""The framework's own limit for the two main lists: a bare Flask app over the same database.

No forms, ORM, Flask-Login or layout: each view runs the same queries as the app's page with
SQLAlchemy Core (the user of the session, as every logged-in request must; the total; one page of
rows with what each row shows) and renders a plain Jinja table with the same columns. The
session is a cookie `bare_session` holding "user id:token" of a real login session.
bench/pages.py measures it beside the app in every run, so the ratio to it is measured, not
remembered.

    /informants/?sort=code|name|organisation|role|status|created&order=asc|desc&page=N
    /interviews/?when=upcoming|all&page=N
"""

import hashlib
from datetime import datetime, timedelta, timezone

from flask import Flask, abort, request
from jinja2 import Environment
from sqlalchemy import create_engine, func, select

from fieldwork.auth.models import User, UserSession
from fieldwork.guides.models import Guide, GuideVersion
from fieldwork.informants.models import Informant
from fieldwork.interviews.models import Interview, interview_informant, interview_interviewer
from fieldwork.interviews.planning import MAX_DURATION
from fieldwork.organisations.models import Organisation, Role
from fieldwork.timeutil import format_local

informant, organisation, role = Informant.__table__, Organisation.__table__, Role.__table__
interview, guide_version, guide = Interview.__table__, GuideVersion.__table__, Guide.__table__
user, user_session = User.__table__, UserSession.__table__
SORTS = {"code": informant.c.code, "name": informant.c.name, "organisation": organisation.c.code,
         "role": role.c.name, "status": informant.c.status, "created": informant.c.created_at}

TEMPLATES = Environment(autoescape=True)
INFORMANTS = TEMPLATES.from_string("""<!doctype html><title>Informants</title>
<table><tr><th>Code</th><th>Name</th><th>Job title</th><th>Organisation</th><th>Role</th><th>Status</th></tr>
{% for r in rows %}<tr><td><a href="/informants/{{ r.id }}">{{ r.code }}</a></td><td>{{ r.name }}</td>
<td>{{ r.job_title }}</td><td><abbr title="{{ r.organisation_name }}">{{ r.organisation_code }}</abbr>
{{ r.governance_level.label }}</td><td>{{ r.role_name }}</td><td>{{ r.status.label }}</td></tr>
{% endfor %}</table><p>{{ total }} in all.</p>""")
INTERVIEWS = TEMPLATES.from_string("""<!doctype html><title>Interviews</title>
<table><tr><th>When</th><th>Informants</th><th>Interviewers</th><th>Mode</th><th>Guide</th><th>Status</th></tr>
{% for r in rows %}<tr><td><a href="/interviews/{{ r.id }}">{{ local(r.starts_at) }}</a></td>
<td>{% for i in informants.get(r.id, []) %}{{ i.code }} {{ i.name }}{% if not loop.last %}, {% endif %}{% endfor %}</td>
<td>{% for u in interviewers.get(r.id, []) %}{{ u.name }}{% if not loop.last %}, {% endif %}{% endfor %}</td>
<td>{{ r.mode.label }}</td><td>{{ r.title }} v{{ r.number }}</td><td>{{ r.status.label }}</td></tr>
{% endfor %}</table><p>{{ total }} in all.</p>""")


def create_bare_app(url, *, page_size=50):
    app = Flask(__name__)
    app.config["TIMEZONE"] = "Europe/Oslo"  # the study's zone, as the app shows times
    engine = create_engine(url)
    app.extensions["bare_engine"] = engine

    def page():
        return max(1, request.args.get("page", 1, type=int))

    def logged_in(connection):
        user_id, _, token = request.cookies.get("bare_session", "").partition(":")
        row = connection.execute(
            select(user).join(user_session, user_session.c.user_id == user.c.id)
            .where(user.c.id == int(user_id or 0),
                   user_session.c.token_hash == hashlib.sha256(token.encode()).hexdigest(),
                   user_session.c.expires_at > datetime.now(timezone.utc))).first()
        if row is None:
            abort(403)

    @app.get("/informants/")
    def informants():
        column = SORTS.get(request.args.get("sort"), informant.c.code)
        descending = request.args.get("order") == "desc"
        with engine.connect() as connection:
            logged_in(connection)
            total = connection.scalar(select(func.count()).select_from(informant))
            rows = connection.execute(
                select(informant.c.id, informant.c.code, informant.c.name, informant.c.job_title,
                       informant.c.status, organisation.c.code.label("organisation_code"),
                       organisation.c.name.label("organisation_name"),
                       organisation.c.governance_level, role.c.name.label("role_name"))
                .join(organisation, organisation.c.id == informant.c.organisation_id)
                .join(role, role.c.id == informant.c.role_id)
                .order_by(column.desc() if descending else column, informant.c.id)
                .limit(page_size).offset((page() - 1) * page_size)).all()
        return INFORMANTS.render(rows=rows, total=total)

    @app.get("/interviews/")
    def interviews():
        condition = []
        order = [interview.c.starts_at.desc(), interview.c.id.desc()]
        if request.args.get("when", "upcoming") == "upcoming":
            now = datetime.now(timezone.utc)
            condition = [interview.c.starts_at >= now - timedelta(minutes=MAX_DURATION),
                         interview.c.ends_at >= now]
            order = [interview.c.starts_at, interview.c.id]
        with engine.connect() as connection:
            logged_in(connection)
            total = connection.scalar(select(func.count()).select_from(interview).where(*condition))
            rows = connection.execute(
                select(interview.c.id, interview.c.starts_at, interview.c.mode, interview.c.status,
                       guide.c.title, guide_version.c.number)
                .join(guide_version, guide_version.c.id == interview.c.guide_version_id)
                .join(guide, guide.c.id == guide_version.c.guide_id)
                .where(*condition).order_by(*order)
                .limit(page_size).offset((page() - 1) * page_size)).all()
            ids = [r.id for r in rows]
            informants, interviewers = {}, {}
            for r in connection.execute(
                    select(interview_informant.c.interview_id, informant.c.code, informant.c.name)
                    .join(informant, informant.c.id == interview_informant.c.informant_id)
                    .where(interview_informant.c.interview_id.in_(ids))
                    .order_by(informant.c.code)):
                informants.setdefault(r.interview_id, []).append(r)
            for r in connection.execute(
                    select(interview_interviewer.c.interview_id, user.c.name)
                    .join(user, user.c.id == interview_interviewer.c.user_id)
                    .where(interview_interviewer.c.interview_id.in_(ids))
                    .order_by(user.c.name)):
                interviewers.setdefault(r.interview_id, []).append(r)
        return INTERVIEWS.render(rows=rows, total=total, informants=informants,
                                 interviewers=interviewers, local=format_local)

    return app
