"""A private calendar feed of 2,000 interviews beside Radicale serving the same 2,000 events.

Seeds one coordinator with 2,000 interviews in their feed (bulk inserts consistent with the
models), serves the app and Radicale each from a real HTTP server in a thread of this process,
and fetches them in interleaved rounds, alternating which goes first: the whole feed, the same
feed polled with its ETag (what calendar clients send every few minutes), and Radicale's GET of
the CalDAV collection that holds the same events, one .ics item per event. Prints p50 and p95 of
each and how many times faster the feed is than Radicale. Run from the project directory, in the
bench environment (requirements-bench.txt):

    .venv-bench/bin/python bench/feeds.py [--rounds 30] [--database-url postgresql+psycopg://...]

Without --database-url it uses a fresh SQLite file in a temporary directory. A PostgreSQL database
given by URL must be empty: the benchmark builds its schema with the migrations.
"""

import argparse
import http.client
import json
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import radicale  # noqa: E402
import radicale.config  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from config import TestConfig  # noqa: E402
from fieldwork import audit, create_app  # noqa: E402
from fieldwork.auth.services import create_user  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from fieldwork.informants.models import Informant  # noqa: E402
from fieldwork.interviews import feeds  # noqa: E402
from fieldwork.interviews.models import Interview, interview_informant, interview_interviewer  # noqa: E402
from fieldwork.organisations.services import create_organisation, create_role  # noqa: E402
from tests.factories import PASSWORD, published_version  # noqa: E402

EVENTS = 2_000
PLACES = ["Ullevål sykehus, bygg 2, møterom «Fjære»", "Rikshospitalet", "Haukeland, Bergen",
          "St. Olavs hospital, Øya helsehus, 3. etasje, rom 3.114 ved siden av kantinen"]


def build(now):
    """One coordinator with EVENTS interviews in their feed; returns the coordinator."""
    rng = random.Random(15)
    by = audit.COMMAND_LINE
    organisation = create_organisation({"name": "Sykehuset", "code": "SYK",
                                        "governance_level": "local"}, by=by)
    role = create_role({"name": "Radiolog", "code": "RAD"}, by=by)
    coordinator = create_user("coordinator@example.org", "Bench Coordinator", "coordinator",
                              PASSWORD, by=by)
    version = published_version(by=coordinator)
    db.session.execute(insert(Informant), [
        {"code": f"SYK-RAD-{n:04d}", "name": f"Informant Ødegård {n}",
         "email": f"informant{n}@example.org", "organisation_id": organisation.id,
         "role_id": role.id, "job_title": "", "language": "nb", "status": "agreed", "notes": "",
         "created_at": now, "updated_at": now} for n in range(EVENTS)])
    informant_ids = db.session.scalars(select(Informant.id).order_by(Informant.id)).all()
    # From 80 days back (inside the feed's 90) to about four months ahead, every 90 minutes.
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=80)
    rows = []
    for n in range(EVENTS):
        starts_at = first + timedelta(minutes=90 * n)
        mode = rng.choice(["in-person", "in-person", "video", "phone"])
        status = (rng.choice(["conducted"] * 8 + ["cancelled", "no-show"]) if starts_at < now
                  else rng.choice(["planned", "invited", "confirmed", "cancelled"]))
        rows.append({"uid": f"{rng.getrandbits(128):032x}@fieldwork.example",
                     "sequence": rng.randint(0, 3), "starts_at": starts_at,
                     "ends_at": starts_at + timedelta(minutes=rng.choice([45, 60, 90])),
                     "mode": mode, "place": rng.choice(PLACES) if mode == "in-person" else "",
                     "meeting_url": "https://meet.example/x" if mode == "video" else "",
                     "guide_version_id": version.id, "language": "nb", "status": status,
                     "created_at": now, "updated_at": now})
    db.session.execute(insert(Interview), rows)
    interview_ids = db.session.scalars(select(Interview.id).order_by(Interview.id)).all()
    links = [{"interview_id": iv, "informant_id": informant_ids[n]}
             for n, iv in enumerate(interview_ids)]
    # Every tenth is a group interview with a second informant.
    links += [{"interview_id": iv, "informant_id": informant_ids[(n + 7) % EVENTS]}
              for n, iv in enumerate(interview_ids) if n % 10 == 0]
    db.session.execute(insert(interview_informant), links)
    db.session.execute(insert(interview_interviewer), [
        {"interview_id": iv, "user_id": coordinator.id} for iv in interview_ids])
    db.session.commit()
    return coordinator


def radicale_collection(folder, feed):
    """Radicale's storage holding the feed's events, one item (a VCALENDAR) per event, in a
    calendar collection /bench/interviews/ as a CalDAV client would have put them."""
    text = feed.decode()
    head, _, rest = text.partition("BEGIN:VEVENT\r\n")
    events = ("BEGIN:VEVENT\r\n" + rest).rsplit("END:VCALENDAR\r\n", 1)[0].split(
        "END:VEVENT\r\n")[:-1]
    collection = Path(folder, "collection-root", "bench", "interviews")
    collection.mkdir(parents=True)
    (collection / ".Radicale.props").write_text(json.dumps(
        {"tag": "VCALENDAR", "D:displayname": "Interviews"}))
    calendar_head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fieldwork//interviews//EN\r\n"
    for n, event in enumerate(events):
        (collection / f"event-{n}.ics").write_bytes(
            (calendar_head + event + "END:VEVENT\r\nEND:VCALENDAR\r\n").encode())
    return len(events)


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def fetch(server, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=120)
    began = time.perf_counter()
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - began) * 1000
    connection.close()
    return response, body, elapsed


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{directory}/bench.db"
        app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url,
                                      "BASE_URL": "https://fieldwork.example"})
        with app.app_context():
            upgrade()
            coordinator = build(datetime.now(timezone.utc))
            token = feeds.reset_feed(coordinator, by=coordinator)
        fieldwork_server = serve(app)
        feed_path = f"/calendar/{token}.ics"
        response, feed, _ = fetch(fieldwork_server, feed_path)
        assert response.status == 200, response.status
        etag = response.getheader("ETag")

        storage = Path(directory, "radicale")
        items = radicale_collection(storage, feed)
        configuration = radicale.config.load()
        configuration.update({
            "auth": {"type": "none"}, "rights": {"type": "owner_only"},
            "storage": {"filesystem_folder": str(storage)},
            "logging": {"level": "warning"}, "web": {"type": "none"}}, "bench")
        radicale_server = serve(radicale.Application(configuration))
        # CalDAV clients log in; with auth "none" any password opens the user's own collections.
        login = {"Authorization": "Basic YmVuY2g6YmVuY2g="}  # bench:bench
        response, served, _ = fetch(radicale_server, "/bench/interviews/", login)
        assert response.status == 200, response.status
        assert served.count(b"BEGIN:VEVENT") == feed.count(b"BEGIN:VEVENT") == items == EVENTS

        sides = {
            "feed (200)": lambda: fetch(fieldwork_server, feed_path),
            "feed polled (304)": lambda: fetch(fieldwork_server, feed_path,
                                               {"If-None-Match": etag}),
            "Radicale collection": lambda: fetch(radicale_server, "/bench/interviews/", login),
        }
        expected = {"feed (200)": 200, "feed polled (304)": 304, "Radicale collection": 200}
        for measure in sides.values():  # warm caches (Radicale's item cache, templates)
            measure()
        timings = {label: [] for label in sides}
        order = list(sides)
        for round_number in range(args.rounds):
            for label in order if round_number % 2 == 0 else reversed(order):
                response, _, elapsed = sides[label]()
                assert response.status == expected[label], (label, response.status)
                timings[label].append(elapsed)
        fieldwork_server.shutdown()
        radicale_server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    backend = url.split(":", 1)[0].split("+")[0]
    radicale_p50 = statistics.median(timings["Radicale collection"])
    print(f"{EVENTS} events; database: {backend}; {args.rounds} interleaved rounds; "
          f"feed {len(feed):,} bytes, Radicale {len(served):,} bytes")
    print(f"{'':<22} {'p50':>10} {'p95':>10} {'Radicale p50 / this p50':>25}")
    for label, values in timings.items():
        p50 = statistics.median(values)
        print(f"{label:<22} {p50:7.1f} ms {percentile(values, 0.95):7.1f} ms "
              f"{radicale_p50 / p50:24.2f}x")


if __name__ == "__main__":
    main()
