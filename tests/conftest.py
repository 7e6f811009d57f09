"""Fixtures: the app on a migrated SQLite file and on a throwaway PostgreSQL cluster, clients,
users per role, query counting, and a real Chromium for browser tests.

Every test that uses the database runs twice, once per backend (`[sqlite]`, `[postgresql]`).
Without PostgreSQL or Chromium those tests skip on a developer's machine; with CI=true they fail.
"""

import contextvars
import os
import shutil
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from config import TestConfig
from fieldwork import create_app
from fieldwork.extensions import db
from fieldwork.i18n import compile_catalogs
from fieldwork.outbox.delivery import courier_for
from tests import factories
from tests.support.postgres import ThrowawayCluster, find_bindir

# `make test` compiles the catalogs; a bare `pytest` gets them too, so no page falls back to English.
compile_catalogs()

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("FIELDWORK_CHROMIUM", "/usr/bin/chromium")


def require(available, reason):
    """Skip when something the test needs is missing, except in CI, where that is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: missing services fail the run)")
    pytest.skip(reason)


def _reuse_url_builders():
    """Every test creates its app, and werkzeug compiles two Python functions for each of the
    app's URL rules every time: more than half of create_app. They depend only on the rule and
    its defaults, so the tests compile each once. (A private werkzeug method: without it, or
    with another signature, the tests just compile as the app does.)"""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "reused", False):
        return
    builders = {}

    def reused(self, append_unknown=True):
        converters = repr([(name, type(c), sorted((k, v) for k, v in vars(c).items() if k != "map"))
                           for name, c in sorted(self._converters.items())])
        key = (self.rule, self.subdomain, self.host, tuple(self._trace),
               repr(sorted((self.defaults or {}).items())), converters, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    reused.reused = True
    Rule._compile_builder = reused


_reuse_url_builders()


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record):
    """A test's SQLite file is thrown away: it need not survive a power cut, so no fsync (after
    the app's own PRAGMAs, which this listener follows)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


class FreshContextClient(FlaskClient):
    """Each request runs in its own context, as in production: the test's app context (and its
    database session and `g`) is not shared with the request's."""

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if response.is_streamed:
            # A streamed body is written while it is read: in the request's context, as a server
            # reads it in the thread that ran the view.
            response.response = _InContext(context, response.response)
        return response


class _InContext:
    """An iterable read, and closed, inside one `contextvars.Context`."""

    def __init__(self, context, iterable):
        self.context, self.iterable, self.iterator = context, iterable, iter(iterable)

    def __iter__(self):
        return self

    def __next__(self):
        return self.context.run(next, self.iterator)

    def close(self):
        if hasattr(self.iterable, "close"):
            self.context.run(self.iterable.close)

    def __del__(self):
        # A response dropped unread still ends its request in the request's own context.
        self.close()


def _migrate(url):
    """Build the schema with the real Alembic migrations, as `flask db upgrade` does."""
    from flask_migrate import upgrade

    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_cluster():
    bindir = find_bindir()
    require(bindir is not None, "PostgreSQL is not installed (Debian package postgresql)")
    cluster = ThrowawayCluster(bindir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database(postgres_cluster):
    """A migrated PostgreSQL database, emptied after each test."""
    url = postgres_cluster.create_database("fieldwork_test")
    _migrate(url)
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request):
    """(backend, template): a migrated SQLite file to copy, or a migrated PostgreSQL database.

    The migrations run once per backend and test session (per worker under xdist), however
    often the run switches between the two backends."""
    if request.param == "sqlite":
        return "sqlite", request.getfixturevalue("sqlite_template")
    return "postgresql", request.getfixturevalue("postgres_database")


def _empty_tables(app):
    """Leave the PostgreSQL database as the migrations made it, at the cost of what the test wrote.

    TRUNCATE of every table gives each table and index a new file: 150-220 ms after every test
    on a busy two-core machine, against 10-20 ms for this. One query finds the tables that hold
    rows, those are emptied with DELETE, and only the sequences that were used start again at 1
    (as RESTART IDENTITY did). `session_replication_role = replica` turns off triggers for this
    transaction: the append-only triggers of audit_event and guide_version, and the foreign-key
    checks, so the order of the DELETEs does not matter (every table with rows is emptied)."""
    tables = db.metadata.sorted_tables
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT FROM \"{t.name}\")"
                               for t in tables)
    with app.app_context(), db.engine.begin() as connection:
        written = {name for (name,) in connection.execute(text(probe))}
        if written:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(tables):
                if table.name in written:
                    connection.execute(table.delete())
        connection.execute(text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value,"
            " false) FROM pg_sequences WHERE last_value IS NOT NULL"))


@pytest.fixture
def app(request, database, tmp_path):
    backend, template = database
    if backend == "sqlite":
        path = tmp_path / "fieldwork.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    else:
        url = template
    overrides = {"SQLALCHEMY_DATABASE_URI": url}
    if request.node.get_closest_marker("production_hashing"):
        overrides["PASSWORD_HASH_PARAMETERS"] = {}
    app = create_app(TestConfig, overrides)
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
    # Mail handed to the courier by the test's last requests is delivered before the database goes.
    assert courier_for(app).wait_until_idle(timeout=60), "delivery after a request did not finish"
    if backend == "postgresql":
        _empty_tables(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app, client):
    """Log the test client in as a new user with the given role; returns the user."""

    def login(role, **kwargs):
        user = factories.make_user(role=role, **kwargs)
        factories.log_client_in(client, user)
        return user

    return login


@pytest.fixture
def now():
    """The frozen moment (factories.NOW) that services are given as `now=`."""
    return factories.NOW


@pytest.fixture
def study_zone(app):
    """The study's time zone, in which people read every date and time."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(app.config["TIMEZONE"])


@pytest.fixture
def coordinator(app):
    return factories.make_user(role="coordinator", name="Kari Koordinator",
                              email="kari.koordinator@example.org")


@pytest.fixture
def researcher(app):
    return factories.make_user(role="researcher", name="Rolf Researcher",
                              email="rolf.researcher@example.org")


@pytest.fixture
def analyst(app):
    return factories.make_user(role="analyst", name="Anne Analytiker",
                              email="anne.analytiker@example.org")


@pytest.fixture
def admin(app):
    return factories.make_user(role="admin", name="Ada Admin",
                              email="ada.admin@example.org")


@pytest.fixture
def informant(app):
    """An informant whose name is not ASCII, at a new organisation and role, writing bokmål."""
    return factories.make_informant(name="Åse Øvrebø", email="ase@example.org")


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements run while the returned counter's `with` block is open."""

    class Counter:
        def __init__(self):
            self.statements = []
            self.active = False

        def __enter__(self):
            self.statements.clear()
            self.active = True
            return self

        def __exit__(self, *exc):
            self.active = False

        @property
        def count(self):
            return len(self.statements)

    counter = Counter()

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if counter.active:
            counter.statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    yield counter
    event.remove(db.engine, "before_cursor_execute", on_execute)


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright (its own browser download does not work here)."""
    require(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed at {CHROMIUM} (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app served over HTTP on 127.0.0.1 in a thread, with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=contextvars.Context().run, args=(server.serve_forever,),
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def smtp_server(request):
    """A real SMTP server on 127.0.0.1 (tests/support/smtp.py): `.url`, `.messages`,
    `.reply_next("RCPT", "550 ...")`, `.stop()` and `.start()` on the same port. In a test with
    the app, mail queued by a request is delivered right after it, as in production."""
    from tests.support.smtp import SmtpSink

    sink = SmtpSink().start()
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["MAIL_SEND_AFTER_REQUEST"] = True
    yield sink
    sink.stop()


@pytest.fixture
def outbox(app):
    """The outbox as the database holds it: `outbox.rows()`, `outbox.messages()` (parsed),
    `len(outbox)`, `outbox.last`; read afresh on every call."""
    from email import policy
    from email.parser import BytesParser

    from sqlalchemy import select

    from fieldwork.outbox.models import OutboxMessage

    class Outbox:
        def rows(self, **filters):
            query = select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)
            return db.session.scalars(query.execution_options(populate_existing=True)).all()

        def messages(self, **filters):
            return [BytesParser(policy=policy.default).parsebytes(r.raw) for r in self.rows(**filters)]

        @property
        def last(self):
            messages = self.messages()
            return messages[-1] if messages else None

        def __len__(self):
            return len(self.rows())

    return Outbox()
