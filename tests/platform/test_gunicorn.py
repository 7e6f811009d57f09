"""Production serving as the README describes it: gunicorn from requirements.txt, in front of a
database built by `flask db upgrade`, answering a real HTTP request."""

import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin, where requirements.txt installs gunicorn


def _readme_production_commands():
    section = (PROJECT / "README.md").read_text().split("### Running in production", 1)[1]
    section = section.split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.strip().startswith(".venv/bin/")]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_requirements_pin_the_gunicorn_that_is_installed():
    """Production serving needs no install step beyond requirements.txt."""
    pins = re.findall(r"^gunicorn==(\S+)$", (PROJECT / "requirements.txt").read_text(), re.M)
    assert pins == [version("gunicorn")]


def test_the_readme_production_commands_serve_the_login_page(tmp_path):
    """`flask db upgrade` on a fresh SQLite file, then the README's gunicorn line (on a free port,
    one worker) in production mode behind a proxy: the login page answers 200 with production's
    headers."""
    upgrade, serve = _readme_production_commands()
    assert upgrade == ".venv/bin/flask --app wsgi db upgrade"
    command = shlex.split(serve)
    assert command[0] == ".venv/bin/gunicorn" and command[-1] == "wsgi:app"
    port = _free_port()
    command[0] = str(BIN / "gunicorn")
    command[command.index("-b") + 1] = f"127.0.0.1:{port}"
    command[command.index("-w") + 1] = "1"  # two cores shared with the rest of the suite

    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("FIELDWORK_", "FLASK_"))}
    environment.update({
        "FIELDWORK_ENV": "production",
        "FIELDWORK_SECRET_KEY": secrets.token_urlsafe(48),
        "FIELDWORK_DATABASE_URL": f"sqlite:///{tmp_path / 'fieldwork.db'}",
        "FIELDWORK_MAIL_URL": f"file://{tmp_path / 'mail'}",
        "FIELDWORK_PROXY_FIX_HOPS": "1",  # as behind the README's TLS proxy
    })
    subprocess.run([str(BIN / "flask"), *shlex.split(upgrade)[1:]], cwd=PROJECT, env=environment,
                   check=True, capture_output=True, timeout=120)

    log = open(tmp_path / "gunicorn.log", "w+")
    server = subprocess.Popen(command, cwd=PROJECT, env=environment, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        response = _get_when_up(f"http://127.0.0.1:{port}/login", server, log)
        page = response.read().decode()
        assert response.status == 200
        assert 'name="password"' in page and 'name="csrf_token"' in page
        assert "Secure" in response.headers["Set-Cookie"]
        assert "max-age=" in response.headers["Strict-Transport-Security"]
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def _get_when_up(url, server, log, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        try:
            # What the TLS proxy adds; with PROXY_FIX_HOPS=1 the app sees an HTTPS request.
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
            return urllib.request.urlopen(request, timeout=10)
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                log.seek(0)
                pytest.fail(f"gunicorn did not answer on {url}:\n{log.read()}")
            time.sleep(0.2)
