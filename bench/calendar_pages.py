"""The calendar pages (week and month) at 1x and 10x the data of bench/pages.py, in interleaved
rounds on one machine: SQL statements per request, median and 95th percentile, and the 10x/1x
ratio of the medians (the goal: the same statements, at most 1.3x the time). Run from the
project directory:

    .venv/bin/python bench/calendar_pages.py [--postgres] [--rounds 3] [--repeat 10]

1x is 5,000 informants, 20,000 interviews and 500 documents; 10x is 50,000, 100,000 and 5,000,
built with bench/pages.py's own build(). SQLite files go to a temporary directory; --postgres
starts a throwaway PostgreSQL cluster (as the tests do).
"""
import argparse
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
spec = importlib.util.spec_from_file_location("pages", PROJECT_DIR / "bench" / "pages.py")
pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pages)

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from config import TestConfig  # noqa: E402
from fieldwork import create_app  # noqa: E402
from fieldwork.auth.models import User  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from fieldwork.timeutil import to_local  # noqa: E402
from tests.factories import log_client_in  # noqa: E402

SIZES = {"1x": (5_000, 20_000, 500), "10x": (50_000, 100_000, 5_000)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    cluster = None
    if args.postgres:
        from tests.support.postgres import ThrowawayCluster, find_bindir
        cluster = ThrowawayCluster(find_bindir()).start()
    directory = tempfile.mkdtemp()
    apps = {}
    try:
        for size, (inf, itv, docs) in SIZES.items():
            pages.INFORMANTS, pages.INTERVIEWS, pages.DOCUMENTS = inf, itv, docs
            url = (cluster.create_database(f"bench_{size}") if cluster
                   else f"sqlite:///{directory}/{size}.db")
            app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
            with app.app_context():
                upgrade()
                started = time.perf_counter()
                coordinator = pages.build(now)
                if cluster:
                    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                        c.exec_driver_sql("VACUUM ANALYZE")
                else:
                    db.session.execute(db.text("ANALYZE"))
                    db.session.commit()
                print(f"{size}: built in {time.perf_counter() - started:.1f} s", flush=True)
                today = to_local(now).date().isoformat()
                coordinator_id = coordinator.id
                db.session.remove()
            apps[size] = (app, coordinator_id, today)
        paths = {"calendar week": "/interviews/calendar?view=week&date={today}",
                 "calendar month": "/interviews/calendar?view=month&date={today}"}
        timings = {(s, p): [] for s in SIZES for p in paths}
        counts = {(s, p): set() for s in SIZES for p in paths}
        clients = {}
        for size, (app, coordinator_id, today) in apps.items():
            with app.app_context():
                client = app.test_client()
                log_client_in(client, db.session.get(User, coordinator_id))
                db.session.remove()
            statements = []
            with app.app_context():
                event.listen(db.engine, "before_cursor_execute", lambda *a, s=statements: s.append(1))
            clients[size] = (client, statements, today)
        for _ in range(args.rounds):
            for size in SIZES:
                client, statements, today = clients[size]
                for label, path in paths.items():
                    path = path.format(today=today)
                    for _ in range(2):
                        assert client.get(path).status_code == 200
                    for _ in range(args.repeat):
                        statements.clear()
                        begun = time.perf_counter()
                        response = client.get(path)
                        timings[(size, label)].append((time.perf_counter() - begun) * 1000)
                        assert response.status_code == 200
                        counts[(size, label)].add(len(statements))
        backend = "postgresql" if cluster else "sqlite"
        print(f"database: {backend}; {args.rounds} interleaved rounds x {args.repeat} requests per page and size")
        print(f"{'page':<16} {'size':<5} {'statements':>10} {'p50 ms':>8} {'p95 ms':>8}")
        medians = {}
        for label in paths:
            for size in SIZES:
                t = sorted(timings[(size, label)])
                p95 = t[min(len(t) - 1, round(0.95 * (len(t) - 1)))]
                medians[(size, label)] = statistics.median(t)
                print(f"{label:<16} {size:<5} {'/'.join(map(str, sorted(counts[(size, label)]))):>10} "
                      f"{statistics.median(t):8.1f} {p95:8.1f}")
            print(f"{label:<16} 10x/1x p50 ratio: {medians[('10x', label)] / medians[('1x', label)]:.2f}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        if cluster:
            for app, _, _ in apps.values():
                with app.app_context():
                    db.engine.dispose()
            cluster.stop()


if __name__ == "__main__":
    main()
