"""How the list pages answer at 1x and at 10x the study, against a bare Flask + Core baseline.

Builds two databases with `bench/seed.py` (bulk inserts): 1x (by default 5,000 informants,
20,000 interviews, 500 documents) and 10x (by default 50,000 / 100,000 / 5,000), on SQLite and on
PostgreSQL. Then, in interleaved rounds, requests every page from the app over both databases as
a logged-in coordinator, and the same informant and interview lists from `bench/bare.py` (a bare
Flask app running the same queries with SQLAlchemy Core and a plain Jinja table) over the same
databases. Each request goes through the test client on its own, so it pushes its own app
context and loads its session and user as a real request does; every SQL statement it runs is
counted. Prints one table per database:

- statements at 1x and 10x (goal: the same);
- p50 and p95 at 1x and 10x, and p50 10x / 1x (goal: at most 1.3);
- for the informant and interview lists, p95 page / p95 bare at 1x and at 10x (goal: at most 1.3);
- beside each ratio, the same ratio in CPU time of the requesting thread, steadier when other
  processes load the machine.

Exports are not here: bench/exports.py measures them. Run from the project directory:

    .venv/bin/python bench/pages.py [--rounds 30] [--database sqlite --database postgresql]
        [--informants 5000 --interviews 20000 --documents 500]
        [--large-informants 50000 --large-interviews 100000 --large-documents 5000]
        [--database-url URL_1X --database-url URL_10X [--prebuilt]]
        [--data-dir DIR] [--page LABEL ...]

PostgreSQL runs in a throwaway cluster (tests/support/postgres.py) unless two empty databases
are given with --database-url (the schema is built with the migrations). Building the 10x
database takes minutes: `--data-dir DIR` keeps the SQLite databases there and measures those it
finds there again; `--prebuilt` measures the two --database-url databases built by an earlier
run. Either way the migrations made since are applied first. `--page informants` measures only
the pages whose label contains that word.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench import bare  # noqa: E402
from bench.seed import DOCUMENTS, INFORMANTS, INTERVIEWS, build  # noqa: E402,F401
from config import TestConfig  # noqa: E402
from fieldwork import create_app  # noqa: E402
from fieldwork.auth.models import User  # noqa: E402
from fieldwork.auth.services import start_session  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from tests.factories import log_client_in  # noqa: E402
from tests.support.postgres import ThrowawayCluster, find_bindir  # noqa: E402

SORTS = ["code", "name", "organisation", "role", "status", "created"]
# (label, path, path of the same list in the bare app or None)
PAGES = ([("dashboard", "/", None)]
         + [(f"informants, by {sort}", f"/informants/?sort={sort}", f"/informants/?sort={sort}")
            for sort in SORTS]
         + [("informants, by code descending", "/informants/?sort=code&order=desc",
             "/informants/?sort=code&order=desc"),
            ("interviews, upcoming", "/interviews/", "/interviews/"),
            ("interviews, all", "/interviews/?when=all", "/interviews/?when=all"),
            ("consent overview", "/consent/", None),
            ("consent overview, at risk", "/consent/?within_days=14", None),
            ("pipeline board", "/interviews/pipeline", None),
            ("documents", "/documents/", None),
            ("documents, theme filter", "/documents/?theme=1", None),
            ("calendar, week", "/interviews/calendar?view=week", None),
            ("calendar, month", "/interviews/calendar?view=month", None),
            ("interview page", "/interviews/1", None)])
GOAL_SCALE, GOAL_BARE = 1.3, 1.3
PAGE_SIZE = 50  # production's page size: the "one page of 50 informants"
COORDINATOR = "coordinator@example.org"  # the user bench/seed.py's build() makes


class Target:
    """One app over one database, with its own client and statement counter."""

    def __init__(self, app, engine, client):
        self.app, self.client, self.statements = app, client, 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.statements += 1

    def get(self, path):
        self.statements = 0
        begun, cpu = time.perf_counter(), time.thread_time()
        response = self.client.get(path)
        elapsed = (time.perf_counter() - begun) * 1000
        cpu = (time.thread_time() - cpu) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return elapsed, cpu, self.statements


def app_target(url, sizes, now, *, prebuilt=False):
    """The app over one database, built here at these sizes, or built by an earlier run
    (`prebuilt`: its coordinator is looked up; `built` is then None)."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, "PAGE_SIZE": PAGE_SIZE})
    with app.app_context():
        upgrade()  # a prebuilt database gets the migrations made since it was built
        if prebuilt:
            coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
            built = None
        else:
            started = time.perf_counter()
            coordinator = build(now, **sizes)
            built = time.perf_counter() - started
        client = app.test_client()
        log_client_in(client, coordinator)
        bare_session = f"{coordinator.id}:{start_session(coordinator)}"
        db.session.commit()
        engine = db.engine
        db.session.remove()
    return Target(app, engine, client), built, bare_session


def bare_target(url, session):
    app = bare.create_bare_app(url, page_size=PAGE_SIZE)
    client = app.test_client()
    client.set_cookie("bare_session", session)
    return Target(app, app.extensions["bare_engine"], client)


def measure(targets, rounds):
    """{(page, variant): ([wall ms...], [cpu ms...], {statement counts})}, one request of each
    per round."""
    results = {}
    plan = []
    for label, path, bare_path in PAGES:
        plan += [(label, "1x", path), (label, "10x", path)]
        if bare_path:
            plan += [(label, "bare 1x", bare_path), (label, "bare 10x", bare_path)]
    for label, variant, path in plan:  # warm up templates, caches and connections
        for _ in range(2):
            targets[variant].get(path)
    for _ in range(rounds):
        for label, variant, path in plan:
            elapsed, cpu, count = targets[variant].get(path)
            times, cpus, counts = results.setdefault((label, variant), ([], [], set()))
            times.append(elapsed)
            cpus.append(cpu)
            counts.add(count)
    return results


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(backend, sizes, built, results, rounds):
    """One table: wall-clock times and the goals marked on them; beside each ratio the same ratio
    in this thread's CPU time, which other processes on the machine disturb less (on PostgreSQL
    it leaves out the server's own work)."""
    small, large = sizes
    built = [f"built in {b:.0f} s" if b is not None else "built earlier" for b in built]
    print(f"\n{backend}: 1x = {small['informants']:,} informants, {small['interviews']:,} "
          f"interviews, {small['documents']:,} documents ({built[0]}); 10x = "
          f"{large['informants']:,} / {large['interviews']:,} / {large['documents']:,} "
          f"({built[1]}); {rounds} interleaved rounds; times in ms")
    print(f"{'page':<32} {'statements':>10} {'p50 1x':>7} {'p95 1x':>7} {'p50 10x':>7} "
          f"{'p95 10x':>7} {'10x/1x':>6} {'(cpu)':>6} {'bare 1x':>7} {'(cpu)':>6} {'bare 10x':>8} "
          f"{'(cpu)':>6}  goals")
    misses = 0
    for label, _, bare_path in PAGES:
        s_times, s_cpu, s_counts = results[(label, "1x")]
        l_times, l_cpu, l_counts = results[(label, "10x")]
        scale = statistics.median(l_times) / statistics.median(s_times)
        cpu_scale = statistics.median(l_cpu) / statistics.median(s_cpu)
        same = s_counts == l_counts and len(s_counts) == 1
        marks = ["statements " + ("ok" if same else "MISS"),
                 "10x/1x " + ("ok" if scale <= GOAL_SCALE else "MISS")]
        bare_cells = [""] * 4
        if bare_path:
            ratios = []
            for v in ("1x", "10x"):
                page, bare_page = results[(label, v)], results[(label, f"bare {v}")]
                ratios.append(p95(page[0]) / p95(bare_page[0]))
                bare_cells += [f"{ratios[-1]:.2f}", f"{p95(page[1]) / p95(bare_page[1]):.2f}"]
            bare_cells = bare_cells[4:]
            marks.append("bare " + ("ok" if max(ratios) <= GOAL_BARE else "MISS"))
        misses += sum("MISS" in m for m in marks)
        counts = f"{'/'.join(map(str, sorted(s_counts)))}→{'/'.join(map(str, sorted(l_counts)))}"
        print(f"{label:<32} {counts:>10} {statistics.median(s_times):7.1f} {p95(s_times):7.1f} "
              f"{statistics.median(l_times):7.1f} {p95(l_times):7.1f} {scale:6.2f} "
              f"{cpu_scale:6.2f} {bare_cells[0]:>7} {bare_cells[1]:>6} {bare_cells[2]:>8} "
              f"{bare_cells[3]:>6}  {', '.join(marks)}")
    print(f"{misses} goal(s) missed" if misses else "every goal met")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--database-url", action="append", default=[],
                        help="two empty PostgreSQL databases, for 1x then 10x")
    parser.add_argument("--informants", type=int, default=INFORMANTS)
    parser.add_argument("--interviews", type=int, default=INTERVIEWS)
    parser.add_argument("--documents", type=int, default=DOCUMENTS)
    parser.add_argument("--large-informants", type=int, default=10 * INFORMANTS)
    parser.add_argument("--large-interviews", type=int, default=5 * INTERVIEWS)
    parser.add_argument("--large-documents", type=int, default=10 * DOCUMENTS)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the SQLite databases in this directory, and measure those "
                        "found there again instead of building them")
    parser.add_argument("--prebuilt", action="store_true",
                        help="the --database-url databases were built by an earlier run")
    parser.add_argument("--page", action="append", default=[],
                        help="measure only the pages whose label contains this (repeatable)")
    args = parser.parse_args()
    if args.page:
        PAGES[:] = [p for p in PAGES if any(word in p[0] for word in args.page)]
    if args.database_url and len(args.database_url) != 2:
        parser.error("--database-url takes two databases: 1x, then 10x")
    backends = args.database or ["sqlite", "postgresql"]
    sizes = ({"informants": args.informants, "interviews": args.interviews,
              "documents": args.documents},
             {"informants": args.large_informants, "interviews": args.large_interviews,
              "documents": args.large_documents})
    now = datetime.now(timezone.utc)

    for backend in backends:
        cluster = None
        with tempfile.TemporaryDirectory() as directory:
            try:
                prebuilt = [False, False]
                if backend == "sqlite":
                    folder = args.data_dir or Path(directory)
                    folder.mkdir(parents=True, exist_ok=True)
                    files = [folder / "bench-1x.db", folder / "bench-10x.db"]
                    prebuilt = [args.data_dir is not None and f.exists() for f in files]
                    urls = [f"sqlite:///{f}" for f in files]
                elif args.database_url:
                    urls = args.database_url
                    prebuilt = [args.prebuilt, args.prebuilt]
                else:
                    bindir = find_bindir()
                    if bindir is None:
                        print("PostgreSQL is not installed: skipped")
                        continue
                    cluster = ThrowawayCluster(bindir).start()
                    urls = [cluster.create_database("bench_1x"), cluster.create_database("bench_10x")]
                targets, built = {}, []
                for variant, url, size, ready in zip(("1x", "10x"), urls, sizes, prebuilt):
                    targets[variant], seconds, session = app_target(url, size, now,
                                                                    prebuilt=ready)
                    targets[f"bare {variant}"] = bare_target(url, session)
                    built.append(seconds)
                results = measure(targets, args.rounds)
                for target in targets.values():
                    with target.app.app_context():
                        if "bare_engine" in target.app.extensions:
                            target.app.extensions["bare_engine"].dispose()
                        else:
                            db.engine.dispose()
            finally:
                if cluster is not None:
                    cluster.stop()
        report(backend, sizes, built, results, args.rounds)


if __name__ == "__main__":
    main()
