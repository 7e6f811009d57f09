"""A web process imports only what serving a page needs: the libraries for spreadsheets,
migrations, the scheduler, password strength, Markdown, encrypted calendar secrets and upload
checks load when first used."""

import json
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
LOADED_ON_FIRST_USE = ["xlsxwriter", "openpyxl", "icalendar", "alembic", "flask_migrate",
                       "apscheduler", "zxcvbn", "markdown_it", "nh3", "phonenumbers",
                       "email_validator", "cryptography", "filetype"]


def test_building_the_app_and_serving_the_login_page_imports_none_of_them(tmp_path):
    script = f"""
import json, sys
from config import DevelopmentConfig
from fieldwork import create_app
app = create_app(DevelopmentConfig, {{"SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/x.db",
                                      "SECRET_KEY": "x" * 64}})
assert app.test_client().get("/login").status_code == 200
print(json.dumps([name for name in {LOADED_ON_FIRST_USE!r} if name in sys.modules]))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, check=True,
                            capture_output=True, text=True)
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_the_migration_commands_are_there_when_asked_for(tmp_path):
    environment = {"FIELDWORK_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                   "FIELDWORK_SECRET_KEY": "x" * 64, "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "db"]
    subprocess.run([*command, "upgrade"], cwd=PROJECT_DIR, env=environment, check=True,
                   capture_output=True)
    current = subprocess.run([*command, "current"], cwd=PROJECT_DIR, env=environment,
                             check=True, capture_output=True, text=True)
    assert "(head)" in current.stdout


def test_the_first_login_of_any_kind_makes_the_dummy_hash(app):
    """Made on first use, not at start-up, but by the first login whoever it is for: a first
    login to a real account costs what a first login to an unknown one does."""
    from fieldwork.auth import passwords

    passwords._dummy_hash.cache_clear()
    stored = passwords.hash_password("a real passphrase")
    assert passwords.verify_password(stored, "a real passphrase")
    assert passwords._dummy_hash.cache_info().currsize == 1
    assert not passwords.verify_password(None, "a real passphrase")
