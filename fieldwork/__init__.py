"""fieldwork: the fieldwork of a qualitative study, kept in order.

`create_app` reads as the table of contents of the application.
"""

import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, render_template, request, session
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .access import enforce_route_roles
from flask_talisman import Talisman

from .extensions import babel, csrf, db, login_manager
from .migrate import init_migrations
from .outbox import delivery as outbox_delivery

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Only what the app serves itself: no CDN, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config_class, overrides=None):
    """Build the application from a configuration class; `overrides` serve tests and tools."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    app.config.from_object(config_class())
    app.config.update(overrides or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    ZoneInfo(app.config["TIMEZONE"])  # fail at start-up, not on the first page, if misspelt
    trust_proxies(app)

    register_url_converters(app)
    register_extensions(app)
    register_languages(app)
    register_security_headers(app)
    register_request_hooks(app)
    outbox_delivery.init_app(app)  # email a request queued goes out after its commit
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_shell_context(app)
    configure_logging(app)
    return app


def trust_proxies(app):
    """Believe the X-Forwarded-* headers of as many proxies as FIELDWORK_PROXY_FIX_HOPS says.

    The client's address then comes from X-Forwarded-For, which anyone can send: it is true only
    when that many proxies of our own stand in front and each sets it. Said at every start, since
    a wrong value quietly lets a guesser change address at will and escape the per-address
    login limit (the per-account one still holds)."""
    hops = app.config["PROXY_FIX_HOPS"]
    if not hops:
        return
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.logger.warning(
        "FIELDWORK_PROXY_FIX_HOPS=%d: client addresses, scheme and host are taken from the "
        "X-Forwarded-For/-Proto/-Host headers set by the %d reverse proxy(ies) in front of the app. "
        "If the app can be reached without passing through them, anyone can forge their address "
        "and escape the per-address login limit: set 0 when no proxy is in front.", hops, hops)


def register_url_converters(app):
    from .routing import WholeNumberConverter

    app.url_map.converters["int"] = WholeNumberConverter


def register_extensions(app):
    from . import models  # noqa: F401  (every model, so Alembic and relationships see them all)
    from .consent import standing  # noqa: F401  (keeps derived columns in step on commit)

    db.init_app(app)
    init_migrations(app, db, directory=str(PROJECT_DIR / "migrations"), compare_type=True,
                    render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Log in to continue.")
    login_manager.localize_callback = str  # translated when flashed, in the visitor's language
    login_manager.session_protection = None  # our own server-side sessions replace it
    login_manager.user_loader(_load_user)


def register_languages(app):
    """Flask-Babel, with the page's language chosen by `i18n.page_language`."""
    from . import i18n

    babel.init_app(app, locale_selector=i18n.page_language,
                   default_timezone=app.config["TIMEZONE"],
                   default_translation_directories=str(i18n.TRANSLATIONS_DIR))
    babel.domain_instance = i18n.RequestDomain(domain="messages")
    i18n.install_template_gettext(app.jinja_env)
    # {% trans %} blocks are written across lines in templates; their whitespace is not text.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    i18n.warn_if_not_compiled(app)


def register_security_headers(app):
    """Talisman's headers: the content security policy, HSTS outside tests, no framing."""
    # Talisman keeps its settings on itself, so each app gets its own instance.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,  # TLS ends at the reverse proxy; see the README
        strict_transport_security=not app.testing and not app.debug,
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        frame_options="DENY",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )


def register_request_hooks(app):
    """Every request passes the route's role check; no response is kept in a cache."""
    app.before_request(enforce_route_roles)
    app.after_request(_no_store)


def _load_user(user_id):
    from .auth.services import user_for_session

    return user_for_session(user_id, session.get("session_token"))


def _no_store(response):
    """Pages carry personal data: no browser or proxy may keep a copy."""
    if not response.headers.get("Cache-Control"):
        response.headers["Cache-Control"] = "no-store"
    return response


def register_blueprints(app):
    from .audit.views import blueprint as audit_blueprint
    from .availability.views import blueprint as availability_blueprint
    from .auth.views import blueprint as auth_blueprint
    from .consent.views import blueprint as consent_blueprint
    from .consent.views import link_blueprint as consent_link_blueprint
    from .coverage.views import blueprint as coverage_blueprint
    from .exports.views import blueprint as exports_blueprint
    from .guides.views import blueprint as guides_blueprint
    from .dashboard.views import blueprint as dashboard_blueprint
    from .documents.views import blueprint as documents_blueprint
    from .informants.views import blueprint as informants_blueprint
    from .interviews.views import blueprint as interviews_blueprint
    from .interviews.feed_views import feed_blueprint as calendar_feed_blueprint
    from .jobs.views import blueprint as scheduler_blueprint
    from .replies.views import blueprint as replies_blueprint
    from .offers.views import blueprint as offers_blueprint
    from .offers.views import link_blueprint as offer_link_blueprint
    from .memberchecks.views import blueprint as memberchecks_blueprint
    from .memberchecks.views import link_blueprint as memberchecks_link_blueprint
    from .retention.views import blueprint as retention_blueprint
    from .organisations.views import blueprint as organisations_blueprint

    app.register_blueprint(dashboard_blueprint)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(organisations_blueprint)
    app.register_blueprint(informants_blueprint)
    app.register_blueprint(guides_blueprint)
    app.register_blueprint(interviews_blueprint)
    app.register_blueprint(coverage_blueprint)
    app.register_blueprint(availability_blueprint)
    app.register_blueprint(documents_blueprint)
    app.register_blueprint(calendar_feed_blueprint)
    app.register_blueprint(consent_blueprint)
    app.register_blueprint(consent_link_blueprint)
    app.register_blueprint(memberchecks_blueprint)
    app.register_blueprint(memberchecks_link_blueprint)
    app.register_blueprint(exports_blueprint)
    app.register_blueprint(audit_blueprint)
    app.register_blueprint(scheduler_blueprint)
    app.register_blueprint(retention_blueprint)
    app.register_blueprint(replies_blueprint)
    app.register_blueprint(offers_blueprint)
    app.register_blueprint(offer_link_blueprint)


# Werkzeug's names for the errors we show, in the page's language.
ERROR_TITLES = {
    400: lazy_gettext("Bad Request"),
    401: lazy_gettext("Unauthorized"),
    403: lazy_gettext("Forbidden"),
    404: lazy_gettext("Not Found"),
    405: lazy_gettext("Method Not Allowed"),
    409: lazy_gettext("Conflict"),
    413: lazy_gettext("Request Entity Too Large"),
    429: lazy_gettext("Too Many Requests"),
    500: lazy_gettext("Internal Server Error"),
}


def register_errorhandlers(app):
    """Error pages that say what went wrong in general terms and never echo data or traces."""

    def render_error(error):
        code = error.code if isinstance(error, HTTPException) else 500
        if code == 500:
            db.session.rollback()
        if code == 403:
            _record_refusal()
        title = ERROR_TITLES.get(code, ERROR_TITLES[500])
        # Only our own messages (fieldwork.forms.BadNumber), never Werkzeug's or a library's.
        message = error.description if getattr(error, "shows_description", False) else None
        return render_template("errors/error.html", code=code, title=title,
                               message=message), code

    for code in (400, 401, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(code, render_error)
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, render_error)


def _record_refusal():
    """Refused access is a security event (ASVS V7); what the request did before is discarded."""
    from .audit import security

    try:
        security.record_access_refused(
            by=current_user if current_user.is_authenticated else "anonymous",
            endpoint=request.endpoint, method=request.method)
    except Exception as error:  # the refusal stands even if it cannot be logged
        db.session.rollback()
        current_app.logger.error("audit: refused access not recorded: %s", type(error).__name__)


def register_template_helpers(app):
    from . import i18n, languages, timeutil
    from .forms import kept_form_markup
    from .markup import render_markdown
    from .routing import IdUrl

    app.jinja_env.filters["local"] = timeutil.format_local
    app.jinja_env.filters["local_date"] = timeutil.format_local_date
    app.jinja_env.filters["long"] = timeutil.format_long  # "tirsdag 10. mars 2026 kl. 10:00"
    app.jinja_env.filters["number"] = i18n.format_number
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["when_in"] = languages.format_when  # emails: {{ at|when_in(language) }}
    # emails: {{ day|local_in("EEEE dd.MM.y", language) }}, weekday and month names in the language
    app.jinja_env.filters["local_in"] = languages.format_local
    app.jinja_env.globals["study_name_in"] = languages.study_name  # informants' pages
    app.jinja_env.filters["language_label"] = languages.label
    app.jinja_env.globals["kept_form_markup"] = kept_form_markup
    app.jinja_env.globals["id_url"] = IdUrl

    @app.context_processor
    def study():
        page_lang = i18n.current_language()
        return {"study_name": languages.study_name(page_lang), "page_lang": page_lang,
                "timezone_name": app.config["TIMEZONE"]}


def register_commands(app):
    from .aggregates.cli import aggregates_cli
    from .auth.cli import users_cli
    from .consent.cli import consent_cli
    from .demo.cli import demo_cli
    from .outbox.cli import mail_cli
    from .replies.cli import read_replies_command
    from .retention.cli import retention_cli
    from .scheduler import scheduler_cli

    app.cli.add_command(scheduler_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    mail_cli.add_command(read_replies_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(consent_cli)
    app.cli.add_command(aggregates_cli)


def register_shell_context(app):
    """`flask shell` starts with `db` and every model class imported."""
    @app.shell_context_processor
    def shell_context():
        models = {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}
        return {"db": db, **models}


def configure_logging(app):
    # Requests are logged without query strings by the server we document; the app logs only
    # event names and ids, never names, emails or form values.
    if not app.debug and not app.testing:
        app.logger.setLevel(logging.INFO)
