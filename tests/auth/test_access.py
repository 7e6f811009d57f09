"""Who may use which route, security headers and cookies, production settings, CSRF, error pages.

The route tests walk `app.url_map`, so a route added later is checked without editing this file.
"""

import re

import pytest
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from config import ProductionConfig
from fieldwork import create_app
from fieldwork.access import ALL_ROLES, UserRole, allow_roles, public
from fieldwork.extensions import db
from fieldwork.organisations.models import Organisation
from tests import factories
from tests.factories import PASSWORD

# Pages anyone may open without logging in. Making another page public is a decision to review:
# add it here deliberately.
# The calendar feed answers to its secret token instead of a login (calendar programs cannot log in);
# the informant's consent, withdrawal, offer and member-check pages answer to their personal
# link's token.
PUBLIC_ENDPOINTS = {"auth.login", "auth.choose_language", "calendar_feed.feed", "consent_link.answer",
                    "consent_link.withdraw_from_answer", "consent_link.withdraw_link",
                    "consent_link.letter", "offer_link.show", "offer_link.book",
                    "offer_link.move", "offer_link.cancel_booking", "offer_link.decline",
                    "offer_link.consent", "memberchecks_link.answer_page",
                    "memberchecks_link.answer"}
STRONG_KEY = "LPSiAI0C8qfTwDb_XhnHY1_JrQ-MilVpUM1cr3zXfDyshLjMvEelF_LlakA8shyk"  # secrets.token_urlsafe(48)


def _dummy_value(converter):
    """A value the converter accepts: 1 for ints, an allowed item for `any(...)`, else "x"."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def _routes(app):
    """(endpoint, method, url) for every route and method, converters filled with dummy values."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        values = {name: _dummy_value(converter) for name, converter in rule._converters.items()}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _protected_routes(app):
    return [(e, m, u) for e, m, u in _routes(app)
            if not getattr(app.view_functions[e], "is_public", False)]


def _client_as(app, user):
    """A separate browser logged in as `user`, so one request's effects (logout) touch no other."""
    client = app.test_client()
    factories.log_client_in(client, user)
    return client


# The route × role matrix


def test_the_route_walk_finds_the_routes(app):
    """The walk sees the known routes, with their methods, so the checks below are not vacuous."""
    found = {(e, m) for e, m, _ in _routes(app)}
    assert {("dashboard.index", "GET"), ("auth.logout", "POST"), ("informants.detail", "GET"),
            ("organisations.create", "POST")} <= found
    assert ("auth.logout", "GET") not in found


def test_every_view_declares_roles_or_is_public(app):
    """Each view says who may use it; a view with neither declaration is a bug."""
    undeclared = [e for e, _, _ in _routes(app)
                  if not getattr(app.view_functions[e], "is_public", False)
                  and not getattr(app.view_functions[e], "allowed_roles", None)]
    assert undeclared == []


def test_only_the_expected_pages_are_public(app):
    """No page is reachable without login unless it is listed as public here."""
    public_endpoints = {e for e, _, _ in _routes(app)
                        if getattr(app.view_functions[e], "is_public", False)}
    assert public_endpoints == PUBLIC_ENDPOINTS


def test_anonymous_users_are_sent_to_log_in_everywhere(app, client):
    """Every non-public route, every method: a redirect to the login page (or 401)."""
    wrong = []
    for endpoint, method, url in _protected_routes(app):
        response = client.open(url, method=method)
        to_login = response.status_code == 302 and "/login" in response.headers["Location"]
        if not (to_login or response.status_code == 401):
            wrong.append((method, url, response.status_code))
    assert wrong == []


@pytest.mark.parametrize("role", list(UserRole), ids=lambda r: r.value)
def test_each_role_gets_403_exactly_where_it_is_not_allowed(app, role):
    """A role outside a route's allowed_roles gets 403; a role inside never does."""
    user = factories.make_user(role)
    wrong = []
    for endpoint, method, url in _protected_routes(app):
        allowed = role in app.view_functions[endpoint].allowed_roles
        status = _client_as(app, user).open(url, method=method).status_code
        if (status == 403) == allowed:
            wrong.append((method, url, status, "allowed" if allowed else "not allowed"))
    assert wrong == []


def test_every_role_is_allowed_somewhere_and_admin_everywhere(app):
    """Sanity of the declarations: the start page is for all; no route shuts out the admin."""
    assert app.view_functions["dashboard.index"].allowed_roles == ALL_ROLES
    assert all(UserRole.ADMIN in app.view_functions[e].allowed_roles
               for e, _, _ in _protected_routes(app))


def test_route_without_declaration_is_refused_to_everyone(app):
    """A view someone forgot to decorate fails closed: 403 even for an admin."""
    app.add_url_rule("/forgotten", "forgotten", lambda: "personal data")
    admin = factories.make_user("admin")
    response = _client_as(app, admin).get("/forgotten")
    assert response.status_code == 403
    assert b"personal data" not in response.data
    assert app.test_client().get("/forgotten").status_code == 302


def test_public_route_needs_no_login(app):
    """A view marked public answers anonymous visitors."""
    app.add_url_rule("/open", "open", public(lambda: "hello"))
    assert app.test_client().get("/open").status_code == 200


@pytest.mark.parametrize("roles", [("admin",), (), ([UserRole.ADMIN, "admin"],), (None,)])
def test_allow_roles_rejects_mistyped_declarations(roles):
    """A typo in a declaration fails when the code loads, not silently at request time."""
    with pytest.raises((TypeError, ValueError)):
        allow_roles(*roles)(lambda: None)


def test_allow_roles_accepts_roles_and_groups():
    """Single roles and sets of roles combine."""
    view = allow_roles(UserRole.ANALYST, {UserRole.ADMIN, UserRole.COORDINATOR})(lambda: None)
    assert view.allowed_roles == {UserRole.ANALYST, UserRole.ADMIN, UserRole.COORDINATOR}


# Security headers and cookies


def _directives(csp):
    parts = (p.strip().split(None, 1) for p in csp.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def _assert_security_headers(response):
    csp = _directives(response.headers["Content-Security-Policy"])
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src is not None and "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin")
    assert "no-store" in response.headers["Cache-Control"]


def test_security_headers_on_a_normal_page(client, login_as):
    """A page with data carries CSP, nosniff, a referrer policy and no-store."""
    login_as("coordinator")
    response = client.get("/informants/")
    assert response.status_code == 200
    _assert_security_headers(response)


def test_security_headers_on_the_login_page(client):
    """The login page is protected the same way."""
    response = client.get("/login")
    assert response.status_code == 200
    _assert_security_headers(response)


def test_security_headers_on_error_pages(client, login_as):
    """403 and 404 pages carry the headers too."""
    login_as("analyst")
    _assert_security_headers(client.get("/organisations/new"))
    _assert_security_headers(client.get("/no-such-page"))


def _session_cookie_header(response):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(headers) == 1
    return headers[0]


def test_session_cookie_is_httponly_and_samesite_lax(client):
    """Scripts cannot read the session cookie and other sites' forms do not send it."""
    factories.make_user("researcher", email="rita@example.org")
    response = client.post("/login", data={"email": "rita@example.org", "password": PASSWORD})
    cookie = _session_cookie_header(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def _production_app(app, monkeypatch, **overrides):
    monkeypatch.setenv("FIELDWORK_SECRET_KEY", STRONG_KEY)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return create_app(ProductionConfig, {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **overrides})


def test_session_cookie_is_secure_in_production(app, monkeypatch):
    """In production the session cookie is only ever sent over HTTPS."""
    production = _production_app(app, monkeypatch)
    response = production.test_client().get("/login")
    assert response.status_code == 200
    cookie = _session_cookie_header(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_sends_hsts_and_protects_forms_with_csrf(app, monkeypatch):
    """Production tells browsers to stay on HTTPS and checks CSRF tokens."""
    production = _production_app(app, monkeypatch)
    client = production.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 400


# Production settings


@pytest.mark.parametrize("key", [None, "", "changeme", "short-key-123", "dev"])
def test_production_refuses_to_start_without_a_strong_secret_key(monkeypatch, key):
    """A missing, placeholder or short FIELDWORK_SECRET_KEY stops production start-up."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    if key is None:
        monkeypatch.delenv("FIELDWORK_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("FIELDWORK_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="FIELDWORK_SECRET_KEY"):
        create_app(ProductionConfig)


@pytest.mark.parametrize("value", ["1", "true", "True", "yes"])
def test_production_refuses_to_start_in_debug_mode(monkeypatch, value):
    """FLASK_DEBUG switched on stops production start-up (the debugger runs code)."""
    monkeypatch.setenv("FIELDWORK_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("FLASK_DEBUG", value)
    with pytest.raises(RuntimeError, match="[Dd]ebug"):
        create_app(ProductionConfig)


def test_production_starts_with_a_strong_key_and_no_debug(app, monkeypatch):
    """The checks above do not refuse a correct configuration."""
    production = _production_app(app, monkeypatch)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert not production.debug and not production.testing


# CSRF


def _csrf_token(page):
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


def _organisation_count():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Organisation))


ORGANISATION = {"name": "Vestre Viken HT", "code": "VVHT", "governance_level": "local",
                "departments": ""}


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, client, login_as):
    """A forged form post (no token) gets 400 and creates nothing."""
    app.config["WTF_CSRF_ENABLED"] = True
    login_as("coordinator")
    response = client.post("/organisations/new", data=ORGANISATION)
    assert response.status_code == 400
    assert _organisation_count() == 0


def test_post_with_wrong_csrf_token_is_refused(app, client, login_as):
    """A token that was not issued to this session is refused too."""
    app.config["WTF_CSRF_ENABLED"] = True
    login_as("coordinator")
    client.get("/organisations/new")
    response = client.post("/organisations/new", data={**ORGANISATION, "csrf_token": "forged"})
    assert response.status_code == 400
    assert _organisation_count() == 0


def test_post_with_csrf_token_from_the_form_works(app, client, login_as):
    """The same post with the page's token succeeds: the refusals above are about the token."""
    app.config["WTF_CSRF_ENABLED"] = True
    login_as("coordinator")
    token = _csrf_token(client.get("/organisations/new").data)
    response = client.post("/organisations/new", data={**ORGANISATION, "csrf_token": token})
    assert response.status_code == 302
    assert _organisation_count() == 1


def test_logout_without_csrf_token_is_refused(app, client, login_as):
    """Another site cannot log a user out."""
    app.config["WTF_CSRF_ENABLED"] = True
    login_as("researcher")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_login_without_csrf_token_is_refused(app, client):
    """Login CSRF (logging a victim into an attacker's account) is refused."""
    app.config["WTF_CSRF_ENABLED"] = True
    factories.make_user("researcher", email="rita@example.org")
    response = client.post("/login", data={"email": "rita@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


# Error pages


def _assert_reveals_nothing(response, *secrets):
    body = response.get_data(as_text=True)
    for text in ("Traceback", "File \"", "werkzeug", "sqlalchemy", "jinja2", *secrets):
        assert text not in body


def test_404_page_reveals_nothing(client, login_as):
    """An unknown address gets 404 without echoing the address or any trace."""
    login_as("coordinator")
    response = client.get("/no-such-page/<script>alert(1)</script>")
    assert response.status_code == 404
    _assert_reveals_nothing(response, "<script>alert", "no-such-page")


def test_404_for_missing_record_reveals_nothing(client, login_as):
    """A record id that does not exist is a plain 404."""
    login_as("coordinator")
    response = client.get("/informants/987654")
    assert response.status_code == 404
    _assert_reveals_nothing(response, "987654")


def test_403_page_reveals_nothing(client, login_as):
    """A refused page says only that the role does not give access."""
    login_as("analyst")
    response = client.get("/organisations/new")
    assert response.status_code == 403
    _assert_reveals_nothing(response, "coordinator", "allowed_roles", "organisations/new")
    assert "does not give access" in response.get_data(as_text=True)


def test_405_page_reveals_nothing(client, login_as):
    """A wrong method gets a plain 405."""
    login_as("analyst")
    response = client.get("/logout")
    assert response.status_code == 405
    _assert_reveals_nothing(response)


def test_500_page_reveals_nothing(app):
    """An unexpected error shows a general page, not the exception or a trace."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/boom", "boom", public(lambda: 1 / 0 and "never"))
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    _assert_reveals_nothing(response, "ZeroDivisionError", "division by zero")
