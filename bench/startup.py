"""How long a fresh process takes to answer its first request, beside a bare Flask app.

Each round starts two new Python processes one after the other (alternating which goes first),
each serving one app with the same server (werkzeug, one thread): fieldwork as `wsgi.py` builds
it in production, and a bare Flask app with one /login page rendered from a template. The time
is from starting the process to the first 200 on /login; the CPU time is what the process used
until then (less disturbed by other work on the machine). Prints p50 and p95 of each and the
ratios. `--stages` adds, in the same rounds, the bare app after importing what fieldwork is
built on, one layer more each: Flask-SQLAlchemy (and so SQLAlchemy), the other Flask extensions
a web process loads (Flask-Login, Talisman, Flask-WTF), then every model of fieldwork declared;
the difference from one to the next is that layer's cost.
Run from the project directory:

    .venv/bin/python bench/startup.py [--rounds 15] [--stages]

fieldwork runs against a SQLite database in a temporary directory, migrated once beforehand.
Both apps' bytecode is cached in that directory by the warm-up round, as a deployed app's is
after its first start, even where PYTHONDONTWRITEBYTECODE is set: otherwise every round would
compile fieldwork's modules from source and the bare app's few lines only.
"""

import argparse
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

SERVE = """
import sys
from werkzeug.serving import make_server
{load}
make_server("127.0.0.1", int(sys.argv[1]), app, threaded=False).serve_forever()
"""
FIELDWORK = "from wsgi import app"
BARE = textwrap.dedent('''
    from flask import Flask, render_template_string
    app = Flask(__name__)

    @app.get("/login")
    def login():
        return render_template_string(
            "<!doctype html><title>Log in</title><form method=post>"
            "<input name=email><input name=password type=password><button>Log in</button>"
            "</form>")
''')

# Layers under fieldwork, each imported before the bare app (cumulative).
STAGES = {
    "+ SQLAlchemy": "import flask_sqlalchemy, sqlalchemy.orm",
    "+ extensions": "import flask_sqlalchemy, sqlalchemy.orm, flask_login, flask_talisman, "
                    "flask_wtf.csrf",
    "+ models": "import fieldwork.models",
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_200(code, environment):
    """Seconds from starting a process that serves `code` to its first 200 on /login, and the
    CPU seconds it used (an idle server uses none after that)."""
    port = free_port()
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", SERVE.format(load=code), str(port)],
                               cwd=PROJECT_DIR, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()[-2000:])
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/login")
                status = connection.getresponse().status
                connection.close()
            except OSError:
                time.sleep(0.002)
                continue
            elapsed = time.perf_counter() - began
            if status != 200:
                raise RuntimeError(f"/login answered {status}")
            break
    finally:
        process.terminate()
        _, _, usage = os.wait4(process.pid, 0)
    return elapsed, usage.ru_utime + usage.ru_stime


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--stages", action="store_true",
                        help="also time the bare app over fieldwork's layers")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        environment = {**os.environ, "FIELDWORK_ENV": "production",
                       "FIELDWORK_SECRET_KEY": secrets.token_urlsafe(48),
                       "FIELDWORK_DATABASE_URL": f"sqlite:///{directory}/fieldwork.db",
                       "FIELDWORK_MAIL_URL": f"file://{directory}/mail",
                       "PYTHONPYCACHEPREFIX": f"{directory}/pycache"}
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=PROJECT_DIR, env=environment, check=True, capture_output=True)
        sides = {"fieldwork": FIELDWORK, "bare Flask": BARE}
        if args.stages:
            sides.update({label: f"{imports}\n{BARE}" for label, imports in STAGES.items()})
        for code in sides.values():  # warm the file system cache and the .pyc files
            first_200(code, environment)
        timings = {label: [] for label in sides}
        cpu = {label: [] for label in sides}
        for round_number in range(args.rounds):
            order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
            for label in order:
                elapsed, used = first_200(sides[label], environment)
                timings[label].append(elapsed)
                cpu[label].append(used)

    bare = statistics.median(timings["bare Flask"])
    bare_cpu = statistics.median(cpu["bare Flask"])
    print(f"time to the first 200 on /login, {args.rounds} interleaved rounds")
    print(f"{'':<14} {'p50':>9} {'p95':>9} {'p50 / bare':>11} {'CPU p50':>9} {'CPU / bare':>11}")
    for label, values in timings.items():
        p50, cpu_p50 = statistics.median(values), statistics.median(cpu[label])
        print(f"{label:<14} {p50 * 1000:6.0f} ms {percentile(values, 0.95) * 1000:6.0f} ms "
              f"{p50 / bare:10.2f}x {cpu_p50 * 1000:6.0f} ms {cpu_p50 / bare_cpu:10.2f}x")


if __name__ == "__main__":
    main()
