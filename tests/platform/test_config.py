"""Settings from the environment: one table, consistent names, clear refusals, and the README's
configuration table listing exactly the same variables."""

import base64
import os
import re
import secrets
import subprocess
import sys
import warnings
from datetime import date
from pathlib import Path

import pytest

from config import (INSTANCE_DIR, SECRET_KEY_MIN_BITS, SETTINGS, STUDY_NAME, Config, ConfigError,
                    DevelopmentConfig, Integer, ProductionConfig, Setting, TestConfig,
                    config_from_environment, read_setting, secret_key_bits)
from fieldwork import create_app

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No FIELDWORK_* variable of the developer's shell leaks into these tests."""
    for setting in SETTINGS:
        for name in (setting.name, *setting.old_envs):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def _readme_table():
    """{variable: default cell} for every row of the README's configuration table."""
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if line.startswith("| `") and len(cells) == 3:
            for name in re.findall(r"`([A-Z_]+)`", cells[0]):
                rows[name] = cells[2]
    return rows


def _documented_default(setting):
    """The default as the README writes it, or None where the README describes it in words."""
    default = setting.default
    if default is None or str(INSTANCE_DIR) in str(default):
        return None
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, dict):
        return ",".join(f"{name}={seconds}" for name, seconds in default.items())
    return str(default)


def test_every_variable_is_fieldwork_and_its_config_key():
    """FIELDWORK_<KEY> throughout; FIELDWORK_DATABASE_URL predates the rule and stays."""
    exceptions = {setting.name: setting.key for setting in SETTINGS
                  if setting.name != f"FIELDWORK_{setting.key}"}
    assert exceptions == {"FIELDWORK_DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}
    assert len({setting.name for setting in SETTINGS}) == len(SETTINGS)


def test_readme_lists_every_setting_and_nothing_else():
    """A new setting must be documented; a documented one must exist."""
    assert set(_readme_table()) == {setting.name for setting in SETTINGS}


def test_readme_gives_the_defaults_of_the_code():
    table = _readme_table()
    checked = 0
    for setting in SETTINGS:
        expected = _documented_default(setting)
        if expected is not None:
            assert f"`{expected}`" in table[setting.name], setting.name
            checked += 1
    assert checked >= 18


def test_defaults_are_what_they_were():
    """Nothing set, nothing changed: the values the app had before the table."""
    config = Config()
    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{INSTANCE_DIR / 'fieldwork.db'}"
    assert config.MAIL_URL == f"file://{INSTANCE_DIR / 'mail'}"
    assert config.STUDY_NAME == config.STUDY_NAME_EN == STUDY_NAME
    assert config.ORGANIZER_NAME_NB is None and config.ORGANIZER_NAME_EN is None
    assert config.SECRET_KEY is None and config.STUDY_END is None
    assert (config.INTERVIEW_TRAVEL_BUFFER_MINUTES, config.PROXY_FIX_HOPS, config.DIGEST_HOUR,
            config.REMINDER_HOURS, config.CONSENT_UPLOAD_MAX_BYTES) == (30, 0, 7, 24, 10485760)
    assert config.MAIL_SEND_AFTER_REQUEST is True
    assert config.SCHEDULER_INTERVALS == {"heartbeat": 10, "mail": 30, "reminders": 60,
                                          "consent": 3600, "digest": 300, "retention": 3600,
                                          "busy": 60, "replies": 60, "offers": 900,
                                          "memberchecks": 600}
    assert (config.BUSY_REFRESH_MINUTES, config.BUSY_FETCH_TIMEOUT_SECONDS,
            config.BUSY_MAX_BYTES) == (15, 20, 5 * 1024 * 1024)
    assert config_from_environment() is DevelopmentConfig


def test_a_dict_default_is_not_shared_between_configurations():
    Config().SCHEDULER_INTERVALS["mail"] = 1
    assert Config().SCHEDULER_INTERVALS["mail"] == 30


def test_values_are_read_with_their_types(monkeypatch):
    for name, value in {"FIELDWORK_INTERVIEW_TRAVEL_BUFFER_MINUTES": "45",
                        "FIELDWORK_REMINDER_HOURS": "1.5",
                        "FIELDWORK_MAIL_SEND_AFTER_REQUEST": "Off",
                        "FIELDWORK_STUDY_END": "2027-06-30", "FIELDWORK_TIMEZONE": "Europe/London",
                        "FIELDWORK_SCHEDULER_INTERVALS": "mail=5, heartbeat=0.5",
                        "FIELDWORK_ENV": "production"}.items():
        monkeypatch.setenv(name, value)
    config = Config()
    assert config.INTERVIEW_TRAVEL_BUFFER_MINUTES == 45
    assert config.REMINDER_HOURS == 1.5
    assert config.MAIL_SEND_AFTER_REQUEST is False
    assert config.STUDY_END == date(2027, 6, 30)
    assert config.TIMEZONE == "Europe/London"
    assert config.SCHEDULER_INTERVALS["mail"] == 5
    assert config.SCHEDULER_INTERVALS["heartbeat"] == 0.5
    assert config_from_environment().ENV == "production"


@pytest.mark.parametrize("word, value", [("true", True), ("YES", True), ("on", True), ("1", True),
                                         ("false", False), ("no", False), ("0", False)])
def test_boolean_words(monkeypatch, word, value):
    monkeypatch.setenv("FIELDWORK_MAIL_SEND_AFTER_REQUEST", word)
    assert Config().MAIL_SEND_AFTER_REQUEST is value


def test_the_old_travel_buffer_name_still_works_with_a_warning(monkeypatch):
    monkeypatch.setenv("FIELDWORK_TRAVEL_BUFFER_MINUTES", "45")
    with pytest.warns(FutureWarning, match="FIELDWORK_TRAVEL_BUFFER_MINUTES is deprecated.*"
                                           "FIELDWORK_INTERVIEW_TRAVEL_BUFFER_MINUTES"):
        app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["INTERVIEW_TRAVEL_BUFFER_MINUTES"] == 45


def test_the_new_name_wins_over_the_old_one(monkeypatch):
    monkeypatch.setenv("FIELDWORK_TRAVEL_BUFFER_MINUTES", "45")
    monkeypatch.setenv("FIELDWORK_INTERVIEW_TRAVEL_BUFFER_MINUTES", "15")
    with pytest.warns(FutureWarning, match="FIELDWORK_TRAVEL_BUFFER_MINUTES is ignored"):
        assert Config().INTERVIEW_TRAVEL_BUFFER_MINUTES == 15


def test_the_new_name_alone_warns_about_nothing(monkeypatch):
    monkeypatch.setenv("FIELDWORK_INTERVIEW_TRAVEL_BUFFER_MINUTES", "15")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Config().INTERVIEW_TRAVEL_BUFFER_MINUTES == 15


@pytest.mark.parametrize("name, value, message", [
    ("FIELDWORK_INTERVIEW_TRAVEL_BUFFER_MINUTES", "half an hour", "must be a whole number from 0"),
    ("FIELDWORK_TRAVEL_BUFFER_MINUTES", "-5", "must be a whole number from 0"),
    ("FIELDWORK_DIGEST_HOUR", "24", "must be a whole number from 0 to 23"),
    ("FIELDWORK_CONSENT_LINK_DAYS", "３０", "must be a whole number"),  # fullwidth digits
    ("FIELDWORK_CONSENT_UPLOAD_MAX_BYTES", "1_000", "must be a whole number"),
    ("FIELDWORK_CONSENT_UPLOAD_MAX_BYTES", "99999999", "from 1 to 16777216"),
    ("FIELDWORK_PROXY_FIX_HOPS", "1.0", "must be a whole number"),
    ("FIELDWORK_REMINDER_HOURS", "nan", "must be a number from 0 to 720"),
    ("FIELDWORK_MAIL_SEND_AFTER_REQUEST", "maybe", "must be true or false"),
    ("FIELDWORK_STUDY_END", "30.06.2027", "YYYY-MM-DD"),
    ("FIELDWORK_TIMEZONE", "Europe/Olso", "IANA time zone"),
    ("FIELDWORK_SCHEDULER_INTERVALS", "mail=0", "seconds above 0"),
    ("FIELDWORK_SCHEDULER_INTERVALS", "mial=5", "names from heartbeat, mail"),
])
def test_a_bad_value_stops_start_up_naming_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the old name's warning is not the point
        with pytest.raises(ConfigError) as caught:
            create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert str(caught.value).startswith(f"{name} ")
    assert message in str(caught.value)
    assert repr(value) in str(caught.value)


def test_an_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("FIELDWORK_ENV", "prod")
    with pytest.raises(ConfigError, match="FIELDWORK_ENV must be one of development, production"):
        config_from_environment()


def test_a_secret_value_is_never_shown(monkeypatch):
    setting = Setting("PIN", Integer(0, 9), 0, "a secret number", secret=True)
    monkeypatch.setenv("FIELDWORK_PIN", "hunter2")
    with pytest.raises(ConfigError) as caught:
        read_setting(setting)
    assert "FIELDWORK_PIN" in str(caught.value) and "hunter2" not in str(caught.value)
    assert "not shown" in str(caught.value)


def test_config_error_is_a_runtime_error():
    """Callers that caught RuntimeError before the table still catch a refused setting."""
    assert issubclass(ConfigError, RuntimeError)


# The production secret key (issue 13, item 10)

GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


@pytest.mark.parametrize("key", [
    "a" * 32,
    "changemechangemechangemechangeme12",
    "Password1Password1Password1Password1",
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "MyCompanyFieldworkSecretKey2026!",
    "qwertyuiopasdfghjklzxcvbnm1234567890",
])
def test_production_refuses_a_key_with_too_little_entropy(monkeypatch, key):
    """Long enough, but repeated, a sequence, words or a keyboard walk: refused, with how to
    make a good key, and without repeating the key."""
    monkeypatch.setenv("FIELDWORK_SECRET_KEY", key)
    with pytest.raises(ConfigError) as caught:
        create_app(ProductionConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    message = str(caught.value)
    assert message.startswith("FIELDWORK_SECRET_KEY is too easy to guess")
    assert GENERATE in message
    assert key not in message


@pytest.mark.parametrize("key", ["", "tooshort", "x" * 31, "changeme"])
def test_production_refuses_a_missing_or_short_key_saying_how_to_make_one(monkeypatch, key):
    monkeypatch.setenv("FIELDWORK_SECRET_KEY", key)
    refusal = "FIELDWORK_SECRET_KEY (must be set|is too short)"
    with pytest.raises(ConfigError, match=refusal) as caught:
        ProductionConfig()
    assert GENERATE in str(caught.value)
    assert not key or key not in str(caught.value)


@pytest.mark.parametrize("make_key", [
    lambda: secrets.token_urlsafe(48),
    lambda: secrets.token_hex(32),
    lambda: secrets.token_urlsafe(32),
    lambda: base64.b64encode(secrets.token_bytes(32)).decode(),  # openssl rand -base64 32
    lambda: secrets.token_urlsafe(100),
])
def test_production_accepts_generated_keys(monkeypatch, make_key):
    """What the README and common tools generate passes, every time (10 keys each)."""
    for _ in range(10):
        key = make_key()
        assert secret_key_bits(key) >= SECRET_KEY_MIN_BITS + 80, key
        monkeypatch.setenv("FIELDWORK_SECRET_KEY", key)
        assert ProductionConfig().SECRET_KEY == key


def test_the_estimate_counts_repeats_and_the_alphabet():
    assert secret_key_bits("") == 0
    assert secret_key_bits("a" * 64) < 20
    # the same random block twice is worth little more than once
    block = "Xq7#pL2@vN9$wR4!"
    assert secret_key_bits(block * 2) < secret_key_bits(block) + 20
    # a wider alphabet is worth more per character
    assert secret_key_bits("k3Jx9Q2mZ7pW4tR8") > secret_key_bits("k3jx9q2mz7pw4tr8")


def test_development_and_tests_keep_their_keys(monkeypatch):
    """The entropy rule is production's: development and test configurations start as before."""
    monkeypatch.setenv("FIELDWORK_SECRET_KEY", "dev")
    assert DevelopmentConfig().SECRET_KEY == "dev"
    assert TestConfig().SECRET_KEY.startswith("test-secret-key")


def _flask(tmp_path, **env):
    """`flask --app wsgi routes` as a shell would start it, with only these FIELDWORK_ variables."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("FIELDWORK_", "FLASK_"))}
    environment.update({"FIELDWORK_DATABASE_URL": f"sqlite:///{tmp_path / 'fieldwork.db'}",
                        "FIELDWORK_SECRET_KEY": "development-key-for-this-test-only", **env})
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
                          cwd=README.parent, env=environment, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("env, expected", [
    ({"FIELDWORK_DIGEST_HOUR": "25"},
     "ConfigError: FIELDWORK_DIGEST_HOUR must be a whole number from 0 to 23, not '25'."),
    ({"FIELDWORK_ENV": "production", "FIELDWORK_SECRET_KEY": "changeme" * 4 + "12"},
     "ConfigError: FIELDWORK_SECRET_KEY is too easy to guess"),
])
def test_start_up_stops_with_the_message(tmp_path, env, expected):
    result = _flask(tmp_path, **env)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "changemechangeme" not in result.stderr


def test_start_up_warns_about_the_old_name_and_goes_on(tmp_path):
    result = _flask(tmp_path, FIELDWORK_TRAVEL_BUFFER_MINUTES="45")
    assert result.returncode == 0, result.stderr
    assert ("FutureWarning: FIELDWORK_TRAVEL_BUFFER_MINUTES is deprecated and will stop working: "
            "rename it FIELDWORK_INTERVIEW_TRAVEL_BUFFER_MINUTES.") in result.stderr
