"""Login, logout, sessions, throttling, the password policy and the `flask users` commands."""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.auth import services
from fieldwork.auth.models import LoginThrottle, User, UserSession
from fieldwork.auth.passwords import password_problem
from fieldwork.database import utcnow
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from tests import factories
from tests.factories import PASSWORD

GENERIC = services.GENERIC_LOGIN_ERROR.encode()
THROTTLED = services.THROTTLED_LOGIN_ERROR.encode()
NEW_PASSWORD = "copper-meadow-lantern-58"


def _login(client, email, password=PASSWORD, next=None):
    url = "/login" if next is None else "/login?" + urlencode({"next": next})
    return client.post(url, data={"email": email, "password": password})


def _logged_in(client):
    """Whether the client's session opens the start page (instead of being sent to log in)."""
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _actions():
    db.session.rollback()  # see what the requests committed
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def _copy_session_cookie(app, source):
    """A second browser holding a copy of `source`'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", source.get_cookie("session").value)
    return other


def _user_count():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def user(app):
    return factories.make_user("researcher", email="rita@example.org", name="Rita Solberg")


# Logging in


def test_right_credentials_log_in_and_pages_work(client, user):
    """A correct login redirects to the start page, which then opens."""
    response = _login(client, "rita@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/informants/").status_code == 200


def test_login_email_is_not_case_sensitive(client, user):
    """People type their address with capitals and spaces; it still matches."""
    assert _login(client, "  Rita@Example.ORG ").status_code == 302


def test_successful_login_is_audited(client, user):
    """A login writes an auth.login event for the user."""
    _login(client, "rita@example.org")
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login")).one()
    assert event.entity_type == "user" and event.entity_id == str(user.id)


@pytest.mark.parametrize("email, password", [
    ("rita@example.org", "wrong-password-entirely"),
    ("nobody@example.org", PASSWORD),
])
def test_wrong_password_and_unknown_email_get_the_same_refusal(client, user, email, password):
    """Either way: 401, the one generic message, an auth.login_failed event, no login."""
    response = _login(client, email, password)
    assert response.status_code == 401
    assert GENERIC in response.data
    assert _actions().count("auth.login_failed") == 1
    assert not _logged_in(client)


def test_failed_login_does_not_record_the_typed_email(client, user):
    """An unknown address (perhaps a mistyped password) is stored nowhere."""
    _login(client, "secret-typo@example.org", "x" * 12)
    db.session.rollback()
    events = db.session.scalars(select(AuditEvent)).all()
    assert events and all("secret-typo" not in repr((e.actor_label, e.before, e.after))
                          for e in events)


def test_empty_login_form_is_refused_with_422(client, user):
    """A form without email or password is a form error, not a login attempt."""
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "auth.login_failed" not in _actions()


def test_login_page_redirects_when_already_logged_in(client, user):
    """A logged-in user who opens the login page goes to the start page."""
    _login(client, "rita@example.org")
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


# Throttling


def test_account_is_throttled_after_too_many_failures(app, client, user):
    """After the account's limit of failures even the right password is refused with 429."""
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert _login(client, "rita@example.org", "wrong-password-entirely").status_code == 401
    response = _login(client, "rita@example.org")
    assert response.status_code == 429
    assert THROTTLED in response.data
    assert not _logged_in(client)
    assert "auth.login_throttled" in _actions()


def test_every_attempt_is_audited_by_account_id_alone(app, client, user):
    """Logged in, failed and throttled attempts each leave an audit event naming the account by
    id; neither the email typed nor the password is stored in it."""
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        _login(client, "rita@example.org", "wrong-password-entirely")
    for _ in range(3):
        assert _login(client, "rita@example.org").status_code == 429
    _login(client, "nobody@example.org", "wrong-password-entirely")
    assert _actions().count("auth.login_throttled") == 3
    assert _actions().count("auth.login_failed") == app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("auth.login%"))).all()
    assert {event.entity_id for event in events} == {str(user.id), None}
    for event in events:
        stored = repr((event.actor_label, event.entity_id, event.before, event.after))
        assert "example.org" not in stored and "wrong-password" not in stored


def test_throttled_attempts_do_not_hash_passwords(app, client, user, monkeypatch):
    """A refused attempt is cheap: no argon2 work the attacker could use to load the server."""
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        _login(client, "rita@example.org", "wrong-password-entirely")

    def no_hashing(*args):
        raise AssertionError("password hashed for a throttled attempt")

    monkeypatch.setattr(services, "verify_password", no_hashing)
    monkeypatch.setattr(services, "burn_time_for_unknown_account", no_hashing)
    assert _login(client, "rita@example.org").status_code == 429


def test_account_throttle_holds_across_addresses(app, user):
    """Guessing one account's password from many addresses is still limited."""
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        _login(other, "rita@example.org", "wrong-password-entirely")
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _login(fresh, "rita@example.org").status_code == 429


def test_address_is_throttled_after_failures_on_many_accounts(app, client, user):
    """One address trying many emails is stopped, even for a right password afterwards."""
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        assert _login(client, f"guess{n}@example.org", "wrong-password-entirely").status_code == 401
    response = _login(client, "rita@example.org")
    assert response.status_code == 429 and THROTTLED in response.data


def test_address_throttle_leaves_other_addresses_alone(app, client, user):
    """Another address can still log in while one is throttled."""
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        _login(client, f"guess{n}@example.org", "wrong-password-entirely")
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _login(other, "rita@example.org").status_code == 302


def test_failures_are_counted_in_the_database_without_the_email(client, user):
    """Attempts are counted in login_throttle, keyed by a hash: the address is not stored."""
    _login(client, "rita@example.org", "wrong-password-entirely")
    db.session.rollback()
    keys = db.session.scalars(select(LoginThrottle.key)).all()
    assert len(keys) == 2
    assert all("rita" not in key and "example.org" not in key and "127.0.0.1" not in key
               for key in keys)


def test_old_failures_no_longer_count(app, user):
    """Failures older than the throttle window do not block a login."""
    long_ago = utcnow() - timedelta(seconds=app.config["LOGIN_THROTTLE_WINDOW"] + 60)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        with pytest.raises(services.LoginRefused):
            services.authenticate("rita@example.org", "wrong-password-entirely",
                                  address="192.0.2.1", now=long_ago)
    assert services.authenticate("rita@example.org", PASSWORD, address="192.0.2.1").id == user.id


def test_successful_login_resets_the_account_count(app, client, user):
    """Failures before a successful login do not add up with later ones."""
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        _login(client, "rita@example.org", "wrong-password-entirely")
    assert _login(client, "rita@example.org").status_code == 302
    other = app.test_client()
    for _ in range(limit - 1):
        _login(other, "rita@example.org", "wrong-password-entirely")
    assert _login(other, "rita@example.org").status_code == 302


# Where a login leads


@pytest.mark.parametrize("target", [
    "//evil.example",
    "/\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "https://evil.example/",
    "/%0d%0aLocation:evil",
    "/\r\nLocation:evil",
    "/\tevil.example",
    " //evil.example",
])
def test_hostile_next_leads_to_the_start_page(client, user, target):
    """A `next` that could leave the site is ignored."""
    response = _login(client, "rita@example.org", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("raw_query", [
    "next=//evil.example",
    "next=/%5Cevil.example",
    "next=https:evil.example",
    "next=/%0d%0aLocation:evil",
    "next=https://evil.example/",
])
def test_hostile_next_in_a_crafted_link_leads_to_the_start_page(client, user, raw_query):
    """The same holds for a link whose query string is written by hand."""
    response = client.post("/login?" + raw_query,
                           data={"email": "rita@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_on_this_site_is_followed(client, user):
    """A path on this site is where the login leads."""
    response = _login(client, "rita@example.org", next="/informants/")
    assert response.headers["Location"] == "/informants/"


def test_login_page_keeps_next_from_the_redirect(client, user):
    """An anonymous visit is sent to log in, then back where it started."""
    location = client.get("/informants/").headers["Location"]
    response = client.post(location, data={"email": "rita@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/informants/"


# Sessions


def test_session_is_renewed_at_login(app, client, user):
    """Login gives a new cookie; what the session held before is dropped."""
    with client.session_transaction() as session:
        session["planted"] = "from before login"
    before = client.get_cookie("session").value
    _login(client, "rita@example.org")
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session


def test_cookie_from_before_login_does_not_get_the_login(app, client, user):
    """A cookie planted or copied before login stays anonymous after the login."""
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "x"
    planted = _copy_session_cookie(app, client)
    _login(client, "rita@example.org")
    assert _logged_in(client)
    assert not _logged_in(planted)


def test_logout_ends_the_session_for_copies_of_the_cookie(app, client, user):
    """A cookie copied before logout is logged out too: the session ends on the server."""
    _login(client, "rita@example.org")
    copy = _copy_session_cookie(app, client)
    assert _logged_in(copy)
    response = client.post("/logout")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _logged_in(client)
    assert not _logged_in(copy)
    assert "auth.logout" in _actions()


def test_logout_by_get_is_refused(client, user):
    """GET /logout is 405 and leaves the user logged in (a link or image cannot log out)."""
    _login(client, "rita@example.org")
    assert client.get("/logout").status_code == 405
    assert _logged_in(client)


def test_password_change_ends_other_sessions_only(app, client, user):
    """The changing browser stays logged in; a copy of its old cookie does not."""
    _login(client, "rita@example.org")
    copy = _copy_session_cookie(app, client)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(copy)


def test_password_change_ends_sessions_on_other_browsers(app, client, user):
    """A separate login elsewhere is ended by the password change."""
    elsewhere = app.test_client()
    _login(elsewhere, "rita@example.org")
    _login(client, "rita@example.org")
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert not _logged_in(elsewhere)


def test_session_for_another_users_id_is_refused(app, client, user):
    """A session token only works for the user it was issued to."""
    other = factories.make_user("admin")
    _login(client, "rita@example.org")
    with client.session_transaction() as session:
        session["_user_id"] = str(other.id)
    assert not _logged_in(client)


def test_session_expires_on_the_server(app, client, user):
    """A session past its lifetime no longer works, whatever the cookie says."""
    _login(client, "rita@example.org")
    db.session.rollback()
    for row in db.session.scalars(select(UserSession)):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not _logged_in(client)


# Password policy


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "qwertyuiop123",
                                      "Passw0rd!2024", "aaaaaaaaaaaaaaaa"])
def test_weak_passwords_are_refused(password):
    """Short or common passwords have a reason to be refused."""
    assert password_problem(password)


def test_too_short_password_message_names_the_minimum():
    """The message for a short password says how long it must be."""
    assert "12" in password_problem("Xk7#pq9!Lm2")


@pytest.mark.parametrize("password", [PASSWORD, NEW_PASSWORD, "correct horse battery staple"])
def test_strong_passwords_are_accepted(password):
    """Several unrelated words pass."""
    assert password_problem(password) is None


@pytest.mark.parametrize("length", [73, 100, 256])
def test_long_passphrases_are_accepted(length):
    """Long passphrases up to the maximum are judged, not a crash."""
    password = ("violet harbour kettle moss quartz " * 8)[:length]
    assert password_problem(password) is None


def test_passwords_over_the_maximum_are_refused():
    """More than 256 characters is refused with a message."""
    assert "256" in password_problem("x" * 257)


def test_long_passphrase_can_be_set_through_the_form(app, client, user):
    """A 100-character passphrase is accepted by the change-password page."""
    _login(client, "rita@example.org")
    long_password = ("violet harbour kettle moss quartz " * 3)[:100]
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": long_password,
        "confirm_password": long_password})
    assert response.status_code == 302
    assert _login(app.test_client(), "rita@example.org", long_password).status_code == 302


def test_password_made_of_the_users_name_is_refused(app, user):
    """A password built from the user's own name or email is easy to guess."""
    with pytest.raises(DomainError) as error:
        services.change_password(user, PASSWORD, "rita@example.org1")
    assert error.value.field == "new_password"


def test_password_change_with_strong_password_takes_effect(app, client, user):
    """After a change the new password logs in and the old one does not."""
    _login(client, "rita@example.org")
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert _login(app.test_client(), "rita@example.org", NEW_PASSWORD).status_code == 302
    assert _login(app.test_client(), "rita@example.org", PASSWORD).status_code == 401
    assert "user.password_changed" in _actions()


@pytest.mark.parametrize("form, message", [
    ({"new_password": "short-pw-1", "confirm_password": "short-pw-1"}, b"12"),
    ({"new_password": "password1234", "confirm_password": "password1234"}, b"too common"),
    ({"new_password": "qwertyuiop123", "confirm_password": "qwertyuiop123"}, b"too common"),
    ({"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"}, b"differ"),
    ({"current_password": "wrong-password-entirely"}, b"current password is not correct"),
    ({"new_password": PASSWORD, "confirm_password": PASSWORD}, b"different from the current"),
])
def test_refused_password_change_rerenders_with_422_and_changes_nothing(
        app, client, user, form, message):
    """The form comes back with the reason; the old password still works."""
    _login(client, "rita@example.org")
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD, **form}
    response = client.post("/account/password", data=data)
    assert response.status_code == 422
    assert message in response.data
    assert _logged_in(client)
    assert _login(app.test_client(), "rita@example.org", PASSWORD).status_code == 302
    assert "user.password_changed" not in _actions()


def test_current_password_guessing_is_throttled(app, client, user):
    """Wrong current passwords count like failed logins; past the limit even the right one fails."""
    _login(client, "rita@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        response = client.post("/account/password", data={
            "current_password": "wrong-password-entirely", "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD})
        assert response.status_code == 422
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert response.status_code == 429 and THROTTLED in response.data
    assert "user.password_changed" not in _actions()
    assert (_actions().count("auth.password_change_failed")
            == app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"])


@pytest.mark.production_hashing
def test_password_hashes_are_argon2id(user):
    """Stored hashes use argon2id with the library's recommended cost, never the password."""
    from argon2 import PasswordHasher, extract_parameters

    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    recommended = PasswordHasher()
    parameters = extract_parameters(user.password_hash)
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        recommended.time_cost, recommended.memory_cost, recommended.parallelism)


# Deactivated and expired accounts


def _set_user(user_id, **values):
    db.session.rollback()
    row = db.session.get(User, user_id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


@pytest.mark.parametrize("values", [
    {"is_enabled": False},
    {"expires_on": date.today() - timedelta(days=2)},
])
def test_inactive_user_cannot_log_in(client, user, values):
    """A deactivated or expired account gets the generic refusal."""
    _set_user(user.id, **values)
    response = _login(client, "rita@example.org")
    assert response.status_code == 401 and GENERIC in response.data
    assert not _logged_in(client)


@pytest.mark.parametrize("values", [
    {"is_enabled": False},
    {"expires_on": date.today() - timedelta(days=2)},
])
def test_inactive_users_existing_session_stops_working(client, user, values):
    """A session opened before deactivation or expiry is no longer accepted."""
    _login(client, "rita@example.org")
    _set_user(user.id, **values)
    assert not _logged_in(client)


def test_account_expiring_today_still_works(app, client, user):
    """The expiry date is the last day the account may log in."""
    today = datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()
    _set_user(user.id, expires_on=today)
    assert _login(client, "rita@example.org").status_code == 302


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_expiry_follows_the_study_calendar(app, user, zone):
    """Expiry is judged by the date in the study's time zone, not the server's."""
    app.config["TIMEZONE"] = zone
    today = datetime.now(ZoneInfo(zone)).date()
    _set_user(user.id, expires_on=today)
    assert db.session.get(User, user.id).is_active
    _set_user(user.id, expires_on=today - timedelta(days=1))
    assert not db.session.get(User, user.id).is_active


def test_deactivation_ends_sessions_at_once(client, user):
    """Deactivating through the service logs the user out everywhere."""
    _login(client, "rita@example.org")
    services.deactivate_user("rita@example.org", by="command line")
    assert not _logged_in(client)


# Command line


def _create(runner, *args, input=None):
    return runner.invoke(args=["users", "create", *args], input=input)


def _find(email):
    db.session.rollback()
    return services.find_user_by_email(email)


def test_cli_creates_user_with_password_from_stdin(runner):
    """--password-stdin reads one line; the user can then log in."""
    result = _create(runner, "Anna@Example.org", "--name", "Anna Berg", "--role", "coordinator",
                     "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    created = _find("anna@example.org")
    assert created.role.value == "coordinator" and created.name == "Anna Berg"
    assert created.password_hash.startswith("$argon2id$")
    assert services.authenticate("anna@example.org", PASSWORD, address="cli-test").id == created.id


def test_cli_asks_for_the_password_twice(runner):
    """Without --password-stdin the password is prompted for and confirmed."""
    result = _create(runner, "anna@example.org", "--name", "Anna Berg", "--role", "analyst",
                     input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert _find("anna@example.org").password_hash.startswith("$argon2id$")


def test_cli_refuses_differing_passwords(runner):
    """Two different entries create no user."""
    result = _create(runner, "anna@example.org", "--name", "Anna Berg", "--role", "analyst",
                     input=f"{PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert _find("anna@example.org") is None


@pytest.mark.parametrize("password", ["short", "password1234", ""])
def test_cli_refuses_weak_password_with_a_clear_message(runner, password):
    """A weak password fails with the reason, a non-zero exit and no user."""
    result = _create(runner, "anna@example.org", "--name", "Anna Berg", "--role", "analyst",
                     "--password-stdin", input=password + "\n")
    assert result.exit_code != 0
    assert "Use at least 12 characters" in result.output or "too common" in result.output
    assert _user_count() == 0


def test_cli_refuses_duplicate_email(runner):
    """An address already in use (in any case) is refused."""
    factories.make_user("analyst", email="anna@example.org")
    result = _create(runner, "ANNA@example.org", "--name", "Anna Two", "--role", "admin",
                     "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert _user_count() == 1


def test_cli_refuses_unknown_role(runner):
    """Only the four roles exist."""
    result = _create(runner, "anna@example.org", "--name", "Anna Berg", "--role", "superuser",
                     "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "superuser" in result.output
    assert _user_count() == 0


def test_cli_refuses_invalid_email(runner):
    """A malformed address is refused before anything is stored."""
    result = _create(runner, "not-an-address", "--name", "Anna Berg", "--role", "analyst",
                     "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "valid email" in result.output
    assert _user_count() == 0


def test_cli_sets_expiry(runner):
    """--expires gives the last day the account may log in."""
    result = _create(runner, "anna@example.org", "--name", "Anna Berg", "--role", "analyst",
                     "--expires", "2031-06-30", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert _find("anna@example.org").expires_on == date(2031, 6, 30)


def test_cli_creation_is_audited(runner):
    """The audit log shows the user was created from the command line."""
    _create(runner, "anna@example.org", "--name", "Anna Berg", "--role", "analyst",
            "--password-stdin", input=PASSWORD + "\n")
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
    assert event.actor_label == "command line"
    assert "password" not in repr(event.after).lower()


def test_cli_lists_users_with_role_and_state(runner):
    """`users list` shows each user's email, role and whether they can log in."""
    factories.make_user("admin", email="ada@example.org")
    factories.make_user("analyst", email="ben@example.org")
    services.deactivate_user("ben@example.org", by="command line")
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("ada@example.org") and "admin" in lines[0] and "\tactive" in lines[0]
    assert lines[1].startswith("ben@example.org") and "inactive" in lines[1]
    assert "$argon2" not in result.output


def test_cli_deactivates_user(runner, client, user):
    """`users deactivate` blocks the login and ends open sessions."""
    _login(client, "rita@example.org")
    result = runner.invoke(args=["users", "deactivate", "RITA@example.org"])
    assert result.exit_code == 0, result.output
    assert not _find("rita@example.org").is_enabled
    assert not _logged_in(client)
    assert _login(client, "rita@example.org").status_code == 401


def test_cli_deactivate_unknown_email_fails(runner):
    """Deactivating an address nobody has is an error."""
    result = runner.invoke(args=["users", "deactivate", "ghost@example.org"])
    assert result.exit_code != 0
    assert "No user" in result.output
