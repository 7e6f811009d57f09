"""The application factory: each `register_*` does one kind of thing, and `flask shell` is ready."""

from flask import Flask

from config import TestConfig
from fieldwork import (create_app, register_extensions, register_request_hooks,
                       register_security_headers)
from fieldwork.access import enforce_route_roles
from fieldwork.interviews.models import InterviewMode
from fieldwork.database import LabelledEnum


def _bare_app():
    app = Flask(__name__)
    app.config.from_object(TestConfig())
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    return app


def _hooks(funcs):
    return [f for per_blueprint in funcs.values() for f in per_blueprint]


def test_register_extensions_registers_no_request_hooks_or_headers():
    """Extensions alone: the role check, the cache rule and Talisman come from their own step."""
    app = _bare_app()
    register_extensions(app)
    assert {"sqlalchemy", "migrate", "csrf"} <= set(app.extensions)
    assert "talisman" not in app.extensions
    assert enforce_route_roles not in _hooks(app.before_request_funcs)
    assert all(f.__name__ != "_no_store" for f in _hooks(app.after_request_funcs))


def test_security_headers_and_request_hooks_are_registered_by_their_own_steps():
    app = _bare_app()
    register_security_headers(app)
    assert "talisman" in app.extensions
    assert enforce_route_roles not in _hooks(app.before_request_funcs)
    register_request_hooks(app)
    assert enforce_route_roles in _hooks(app.before_request_funcs)
    assert any(f.__name__ == "_no_store" for f in _hooks(app.after_request_funcs))


def test_the_full_app_still_sends_security_headers_and_no_store():
    """Splitting the steps changed nothing a browser sees."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.get("/_probe")
    def probe():
        return "ok"

    response = app.test_client().get("/_probe")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_flask_shell_context_has_db_and_the_models():
    from fieldwork.extensions import db
    from fieldwork.models import ConsentRecord, Informant, Interview, OutboxMessage, User

    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():  # as `flask shell` runs it
        context = app.make_shell_context()
    assert context["db"] is db
    for model in (ConsentRecord, Informant, Interview, OutboxMessage, User):
        assert context[model.__name__] is model


def test_interview_mode_labels_come_from_the_shared_base():
    """One `label` for every enum: InterviewMode no longer repeats it, and shows the same words."""
    assert issubclass(InterviewMode, LabelledEnum)
    assert "label" not in vars(InterviewMode)
    assert [mode.label for mode in InterviewMode] == ["In person", "Video", "Phone"]
