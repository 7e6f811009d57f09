"""Login throttling: counted before the password is checked, so parallel guesses are limited too;
a growing delay, not a lock; and what FIELDWORK_PROXY_FIX_HOPS trusts, said at start-up."""

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from config import TestConfig
from fieldwork import create_app
from fieldwork.audit.models import AuditEvent
from fieldwork.auth import services, throttle
from fieldwork.database import utcnow
from fieldwork.extensions import db
from tests import factories
from tests.factories import PASSWORD
from tests.support.concurrency import fire_at_once, statuses

WRONG = "wrong-password-entirely"


@pytest.fixture
def user(app):
    return factories.make_user(role="admin", email="rita@example.org")


@pytest.fixture
def checked(monkeypatch):
    """How many passwords were actually checked (hashed), from any thread."""
    calls, lock = [], threading.Lock()
    real = services.verify_password

    def counting(*args):
        with lock:
            calls.append(1)
        return real(*args)

    monkeypatch.setattr(services, "verify_password", counting)
    monkeypatch.setattr(services, "burn_time_for_unknown_account", lambda *args: counting("x", "y"))
    return calls


def _actions():
    db.session.rollback()
    return db.session.scalars(select(AuditEvent.action)).all()


def _from_address(n):
    def prepare(client, i):
        client.environ_base["REMOTE_ADDR"] = f"10.0.{n(i) // 250}.{n(i) % 250 + 1}"
    return prepare


def test_thirty_parallel_guesses_at_one_account_check_five_passwords(app, user, checked):
    """From thirty addresses at once, so only the per-account count can stop them."""
    app.config["LOGIN_DELAY_SECONDS"] = 3600  # however slow the machine, all thirty come "now"
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]

    outcomes = fire_at_once(app, [
        lambda c: c.post("/login", data={"email": "rita@example.org", "password": WRONG})
    ] * 30, prepare=_from_address(lambda i: i))

    assert statuses(outcomes) == [401] * limit + [429] * (30 - limit)
    assert len(checked) == limit
    actions = _actions()
    assert actions.count("auth.login_failed") == limit
    assert actions.count("auth.login_throttled") == 30 - limit


def test_thirty_parallel_guesses_from_one_address_check_its_limit(app, user, checked):
    """Thirty accounts, one address: the per-address count stops them."""
    app.config["LOGIN_DELAY_SECONDS"] = 3600
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]

    outcomes = fire_at_once(app, [
        lambda c, n=n: c.post("/login", data={"email": f"guess{n}@example.org", "password": WRONG})
        for n in range(30)])

    assert statuses(outcomes) == [401] * limit + [429] * (30 - limit)
    assert len(checked) == limit
    throttled = [o for o in outcomes if o.status_code == 429]
    assert str(services.THROTTLED_LOGIN_ERROR) in throttled[0].text


def test_two_logins_to_one_account_from_one_address_do_not_deadlock(app, user, monkeypatch):
    """A double click on Log in: the first login, past its password check, holds a throttle row
    while the second claims its attempt. Each must take the rows in the same order (the
    address's, then the account's), or each waits for the other's and PostgreSQL ends one
    with an error (found by the load test)."""
    first_holds_a_row, second_claims_the_account = threading.Event(), threading.Event()
    real_claim, real_forget, real_refund = (throttle.claim_attempt, throttle.forget_account,
                                            throttle.refund_address)

    def claim(key, **kwargs):
        if threading.current_thread().name == "second" and key.startswith("account:"):
            second_claims_the_account.set()  # it holds the address's row by now
        return real_claim(key, **kwargs)

    def holding(real):
        def step(key):
            real(key)
            if threading.current_thread().name == "first" and not first_holds_a_row.is_set():
                first_holds_a_row.set()
                # Reached only if the second got past the address's row; time for it to block.
                if second_claims_the_account.wait(timeout=1.5):
                    time.sleep(0.3)
        return step

    monkeypatch.setattr(throttle, "claim_attempt", claim)
    monkeypatch.setattr(throttle, "forget_account", holding(real_forget))
    monkeypatch.setattr(throttle, "refund_address", holding(real_refund))
    outcomes = {}

    def log_in(name):
        client = app.test_client()
        try:
            outcomes[name] = client.post("/login", data={"email": "rita@example.org",
                                                         "password": PASSWORD}).status_code
        except Exception as error:  # the deadlock, as the server would answer it
            outcomes[name] = f"500 {type(error).__name__}: {error}"[:300]

    first = threading.Thread(target=log_in, args=("first",), name="first", daemon=True)
    second = threading.Thread(target=log_in, args=("second",), name="second", daemon=True)
    first.start()
    assert first_holds_a_row.wait(timeout=30)
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)
    assert outcomes == {"first": 302, "second": 302}


def test_the_wait_doubles_after_the_free_attempts_and_stops_at_the_cap(app, user):
    app.config.update(LOGIN_DELAY_SECONDS=10, LOGIN_MAX_DELAY_SECONDS=600)
    assert throttle.delays() == [10, 20, 40, 80, 160, 320, 600]
    t = utcnow()

    def attempt(at, password=WRONG):
        return services.authenticate("rita@example.org", password, address="192.0.2.1", now=at)

    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        with pytest.raises(services.LoginRefused) as refused:
            attempt(t)
        assert not isinstance(refused.value, services.LoginThrottled)
    for wait in (10, 20, 40):
        with pytest.raises(services.LoginThrottled) as throttled:
            attempt(t + timedelta(seconds=wait - 1), PASSWORD)
        assert throttled.value.retry_after == 1
        t += timedelta(seconds=wait)
        with pytest.raises(services.LoginRefused) as refused:
            attempt(t)  # let through, and wrong: the next wait is twice as long
        assert not isinstance(refused.value, services.LoginThrottled)


def test_guesses_slow_the_owner_down_but_do_not_lock_them_out(app, client, user):
    """Five wrong guesses by anyone, then the owner: refused for a few seconds, not for long."""
    t = utcnow()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        with pytest.raises(services.LoginRefused):
            services.authenticate("rita@example.org", WRONG, address="203.0.113.9", now=t)
    response = client.post("/login", data={"email": "rita@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= app.config["LOGIN_DELAY_SECONDS"] + 1
    later = t + timedelta(seconds=app.config["LOGIN_DELAY_SECONDS"])
    assert services.authenticate("rita@example.org", PASSWORD, address="192.0.2.1",
                                 now=later).id == user.id
    # The success starts the count again: five more tries before any wait.
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        with pytest.raises(services.LoginRefused) as refused:
            services.authenticate("rita@example.org", WRONG, address="192.0.2.1", now=later)
        assert not isinstance(refused.value, services.LoginThrottled)


def test_the_start_up_warns_what_proxy_hops_trust(caplog, monkeypatch):
    # Alembic's logging set-up (run by the migration tests) disables loggers it does not name.
    monkeypatch.setattr(logging.getLogger("fieldwork"), "disabled", False)
    with caplog.at_level(logging.WARNING):
        create_app(TestConfig, {"PROXY_FIX_HOPS": 1})
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "FIELDWORK_PROXY_FIX_HOPS=1" in warning and "X-Forwarded-For" in warning
    assert "forge" in warning and "set 0 when no proxy is in front" in warning
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app(TestConfig, {"PROXY_FIX_HOPS": 0})
    assert not [r for r in caplog.records if "PROXY_FIX_HOPS" in r.getMessage()]
