"""Load test: gunicorn with four workers under the Locust scenario of bench/locustfile.py.

Builds the data with bench/pages.py's `build` at one of its two scales (1: 5,000 informants,
20,000 interviews, 500 documents; 10: 50,000 / 100,000 / 5,000), adds the people the scenario
logs in as (ten coordinators, five researchers) and a calendar feed of 2,000 interviews for each
coordinator, starts gunicorn on it as production would (`wsgi:app`, real password hashing, CSRF
on), runs Locust headless and prints its table (requests, failures, p50, p95 per page). Run from
the project directory, in the bench environment (requirements-bench.txt):

    .venv-bench/bin/python bench/load.py --database postgresql --scale 10 --users 50 \
        --run-time 5m [--output-dir DIR]

A PostgreSQL database given by URL must be empty: the schema is built with the migrations;
`--database postgresql` starts a throwaway cluster instead (tests/support/postgres.py). Without
either it uses a SQLite file (a smoke test; production runs on PostgreSQL). gunicorn's log and
Locust's CSV files are kept in `--output-dir` if given; any traceback in the log is printed and
fails the run, as a failed request does.
"""

import argparse
import inspect
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(0, str(PROJECT_DIR / "bench"))

import pages  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from config import TestConfig  # noqa: E402
from fieldwork import audit, create_app  # noqa: E402
from fieldwork.auth.services import create_user  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from fieldwork.guides.models import GuideVersion  # noqa: E402
from fieldwork.informants.models import Informant, RecruitmentStatus  # noqa: E402
from fieldwork.interviews import feeds  # noqa: E402
from fieldwork.interviews.models import Interview, interview_interviewer  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.support.postgres import ThrowawayCluster, find_bindir  # noqa: E402

COORDINATORS, RESEARCHERS, FEED_EVENTS = 10, 5, 2_000
# pages.py's 1x and 10x: the interviews grow five times, not ten (the 100,000).
SCALES = {1: {"informants": 5_000, "interviews": 20_000, "documents": 500},
          10: {"informants": 50_000, "interviews": 100_000, "documents": 5_000}}


def build(scale, now):
    sizes = SCALES[scale]
    if "informants" in inspect.signature(pages.build).parameters:
        pages.build(now, **sizes)
    else:
        pages.INFORMANTS, pages.INTERVIEWS, pages.DOCUMENTS = sizes.values()
        pages.build(now)
    people = {"password": PASSWORD, "coordinators": [], "researchers": [], "feeds": [],
              "user_ids": {}}
    by = audit.COMMAND_LINE
    recent = db.session.scalars(select(Interview.id).where(Interview.starts_at >= now)
                                .order_by(Interview.starts_at)
                                .limit(COORDINATORS * FEED_EVENTS)).all()
    for n in range(COORDINATORS):
        email = f"coordinator{n}@example.org"
        user = create_user(email, f"Coordinator {n}", "coordinator", PASSWORD, by=by)
        people["coordinators"].append(email)
        people["user_ids"][email] = user.id
        db.session.execute(insert(interview_interviewer), [
            {"interview_id": interview_id, "user_id": user.id}
            for interview_id in recent[n::COORDINATORS]])
        db.session.commit()
        people["feeds"].append(f"/calendar/{feeds.reset_feed(user, by=by)}.ics")
    for n in range(RESEARCHERS):
        email = f"researcher{n}@example.org"
        create_user(email, f"Researcher {n}", "researcher", PASSWORD, by=by)
        people["researchers"].append(email)
    people["interviews"] = db.session.scalar(select(db.func.max(Interview.id)))
    # Those who may be contacted: scheduling anyone else is refused, as it should be.
    people["informants"] = db.session.scalars(
        select(Informant.id).where(Informant.status.in_([
            RecruitmentStatus.IDENTIFIED, RecruitmentStatus.CONTACTED, RecruitmentStatus.AGREED,
            RecruitmentStatus.INTERVIEWED])).order_by(Informant.id).limit(5_000)).all()
    people["guide_version_id"] = db.session.scalar(select(db.func.max(GuideVersion.id)))
    return sizes, people


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tracebacks(log):
    """The exceptions in gunicorn's log, each with its traceback (a chained one included)."""
    found, current, chained = [], None, False
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Traceback"):
            if chained and found:
                current = found[-1]
            else:
                current = []
                found.append(current)
            current.append(line)
            chained = False
        elif line.startswith(("The above exception", "During handling")):
            chained = True
        elif current is not None:
            current.append(line)
            if line and not line.startswith((" ", "\t")):
                current = None  # the exception's own line ends it
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite",
                        help="without --database-url: a SQLite file or a throwaway cluster")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="keep gunicorn's log and Locust's CSV files here")
    parser.add_argument("--scale", type=int, choices=sorted(SCALES), default=1)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--exclude-tags", default=None,
                        help="Locust tasks left out, such as scheduling (to see what it costs)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        output = args.output_dir or Path(directory)
        output.mkdir(parents=True, exist_ok=True)
        cluster = None
        if args.database_url is None and args.database == "postgresql":
            cluster = ThrowawayCluster(find_bindir()).start()
            args.database_url = cluster.create_database("load")
        try:
            returncode = run(args, directory, output)
        finally:
            if cluster is not None:
                cluster.stop()
    sys.exit(returncode)


def run(args, directory, output):
    url = args.database_url or f"sqlite:///{directory}/load.db"
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        sizes, people = build(args.scale, datetime.now(timezone.utc))
        built = time.perf_counter() - began
        db.session.remove()
        db.engine.dispose()
    people_file = Path(directory, "people.json")
    people_file.write_text(json.dumps(people))
    print(f"built {sizes} in {built:.0f} s on {url.split(':', 1)[0]}", flush=True)

    port = free_port()
    # Production settings but for the cookie's Secure flag, which would keep Locust's
    # plain-HTTP client from sending it back (a TLS proxy stands in front in production).
    environment = {**os.environ, "FIELDWORK_ENV": "development",
                   "FIELDWORK_SECRET_KEY": secrets.token_urlsafe(48),
                   "FIELDWORK_DATABASE_URL": url,
                   "FIELDWORK_BASE_URL": f"http://127.0.0.1:{port}",
                   "FIELDWORK_MAIL_URL": f"file://{directory}/mail",
                   "FIELDWORK_LOAD_PEOPLE": str(people_file)}
    log = output / "gunicorn.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
             f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
            cwd=PROJECT_DIR, env=environment, stderr=log_file)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # Each worker's first request pays for what it imports on first use: not measured.
        for _ in range(4 * args.workers):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=120).read()
        result = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(PROJECT_DIR / "bench" / "locustfile.py"),
             "--headless", "--only-summary", "-u", str(args.users), "-r",
             str(args.spawn_rate), "-t", args.run_time, "--host", f"http://127.0.0.1:{port}",
             "--csv", str(output / "load"),
             *(["--exclude-tags", args.exclude_tags] if args.exclude_tags else [])],
            cwd=PROJECT_DIR, env=environment)
    finally:
        server.terminate()
        server.wait()
    errors = tracebacks(log)
    print(f"gunicorn's log ({log}): {len(errors)} exceptions", flush=True)
    for lines in errors[:5]:
        print("\n".join(lines[-40:]), flush=True)
    return result.returncode or (1 if errors else 0)


if __name__ == "__main__":
    main()
