"""How the exports scale: time, SQL statements and peak memory at 1× and 10× the study's data.

Builds two databases with `bench/pages.py`'s `build()` (1×: 5,000 informants, 20,000 interviews,
500 documents; 10×: 50,000 informants, 100,000 interviews and 5,000 documents, as issue 15
measured; or the sizes given), then downloads each export as an admin through the Flask test
client, reading the body chunk by chunk as a browser does, in interleaved rounds (1×, 10×, 1×,
...; templates and caches are warmed at 1× only). It reports per export the median time, the SQL
statements, and the peak memory growth during the download, twice:

- Python's own allocations (tracemalloc, in a separate untimed pass): the exact peak above what
  was allocated when the download began. This is the figure held against the goal.
- The resident set (VmHWM after a reset), which also counts C buffers (the database driver's),
  but only pages beyond what the process already had: a lower bound once earlier downloads have
  grown the heap.

Then the goals of issue 15: the same statements at 1× and 10×, the 10× download within 11 × the
1× one, and memory growth under 30 MiB at 10×. Run from the project directory:

    .venv/bin/python bench/exports.py [--rounds 3] [--database-url postgresql+psycopg://...]

Without --database-url it uses SQLite files in a temporary directory. With a PostgreSQL URL it
creates (and afterwards drops) two databases beside the one named, so that user needs CREATEDB;
`--postgres` instead starts a throwaway cluster as the tests do. `--keep` keeps the databases
and prints their URLs; `--prebuilt URL_1X URL_10X` measures them again without building.
`--only TEXT` measures only the exports whose label contains it (`--only REFI`).
"""

import argparse
import gc
import inspect
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import pages  # noqa: E402  (bench/pages.py, beside this file)
from config import TestConfig  # noqa: E402
from fieldwork import audit, create_app  # noqa: E402
from fieldwork.auth.models import User  # noqa: E402
from fieldwork.auth.services import create_user  # noqa: E402
from fieldwork.documents.models import Document  # noqa: E402
from fieldwork.informants.models import Informant  # noqa: E402
from fieldwork.interviews.models import Interview  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from tests.factories import PASSWORD, log_client_in  # noqa: E402

EXPORTS = [("interview cases CSV", "/exports/interviews.csv"),
           ("interview cases XLSX", "/exports/interviews.xlsx"),
           ("cases with identities CSV", "/exports/interviews-identified.csv"),
           ("coarsened cases CSV", "/exports/interviews-coarsened.csv"),
           ("REFI-QDA project", "/exports/project.qdpx"),
           ("documents CSV", "/exports/documents.csv"),
           ("informants CSV", "/informants/export.csv")]
MIB = 1024 * 1024
GOAL_TIME_RATIO, GOAL_GROWTH_MIB = 11.0, 30.0


def build_dataset(now, *, informants, interviews, documents):
    """pages.build() at these sizes, whether it takes them as keywords or module-level sizes."""
    if "informants" in inspect.signature(pages.build).parameters:
        return pages.build(now, informants=informants, interviews=interviews, documents=documents)
    pages.INFORMANTS, pages.INTERVIEWS, pages.DOCUMENTS = informants, interviews, documents
    return pages.build(now)


class Scale:
    """One database at one size, with an admin's logged-in test client and a statement count."""

    def __init__(self, label, url, sizes, *, prebuilt=False):
        self.label, self.url, self.sizes = label, url, sizes
        self.app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
        self.statements, self.built = 0, None
        with self.app.app_context():
            if prebuilt:  # built by an earlier run with --keep
                admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
                self.sizes = {"informants": db.session.scalar(select(func.count(Informant.id))),
                              "interviews": db.session.scalar(select(func.count(Interview.id))),
                              "documents": db.session.scalar(select(func.count(Document.id)))}
            else:
                upgrade()
                started = time.perf_counter()
                build_dataset(datetime.now(timezone.utc), **sizes)
                admin = create_user("admin@example.org", "Bench Admin", "admin", PASSWORD,
                                    by=audit.COMMAND_LINE)
                db.session.commit()
                self.built = time.perf_counter() - started
            self.client = self.app.test_client()
            log_client_in(self.client, admin)
            event.listen(db.engine, "before_cursor_execute", self._count)
            db.session.remove()

    def _count(self, *args):
        self.statements += 1

    def download(self, path):
        """(seconds, statements, bytes, resident-set growth in bytes) of one download."""
        gc.collect()
        before = _reset_peak_rss()
        self.statements, size = 0, 0
        started = time.perf_counter()
        response = self.client.get(path, buffered=False)
        assert response.status_code == 200, (path, response.status_code)
        for chunk in response.iter_encoded():
            size += len(chunk)
        response.close()
        seconds = time.perf_counter() - started
        return seconds, self.statements, size, _peak_rss() - before

    def traced_growth(self, path):
        """Peak growth of Python's allocations during one download (slow: not timed)."""
        gc.collect()
        tracemalloc.start()
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        response = self.client.get(path, buffered=False)
        for _ in response.iter_encoded():
            pass
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak - start

    def close(self):
        with self.app.app_context():
            db.engine.dispose()


def _status_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak_rss():
    """Reset the kernel's resident-set high-water mark (Linux) and return the current size."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_kib("VmRSS")


def _peak_rss():
    return _status_kib("VmHWM")


def _postgres_databases(url, names):
    """URLs of fresh databases `names` on the server of `url`, and a function that drops them."""
    server = make_url(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return [server.set(database=name).render_as_string(hide_password=False) for name in names], drop


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--postgres", action="store_true",
                        help="start a throwaway PostgreSQL cluster (tests/support/postgres.py)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases and print their URLs, for --prebuilt")
    parser.add_argument("--prebuilt", nargs=2, metavar=("URL_1X", "URL_10X"),
                        help="measure databases kept by an earlier run instead of building")
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="skip the (slow) pass that traces Python's allocations")
    parser.add_argument("--sizes", default="5000,20000,500",
                        help="informants,interviews,documents at 1× (default: pages.py's)")
    parser.add_argument("--sizes-10x", default="50000,100000,5000",
                        help="the same at 10× (default: issue 15's)")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="only the exports whose label contains TEXT (repeatable), e.g. "
                             "--only REFI")
    args = parser.parse_args()
    exports = [(label, path) for label, path in EXPORTS
               if not args.only or any(text.lower() in label.lower() for text in args.only)]
    keys = ("informants", "interviews", "documents")
    sizes = {"1×": dict(zip(keys, map(int, args.sizes.split(",")))),
             "10×": dict(zip(keys, map(int, args.sizes_10x.split(","))))}

    cluster, drop = None, lambda: None
    directory = None
    url = args.database_url
    if args.prebuilt:
        urls = args.prebuilt
    elif args.postgres:
        from tests.support.postgres import ThrowawayCluster, find_bindir

        cluster = ThrowawayCluster(find_bindir()).start()
        url = cluster.create_database("bench")
    if args.prebuilt:
        pass
    elif url:
        urls, drop = _postgres_databases(url, ["bench_exports_1x", "bench_exports_10x"])
    else:
        directory = tempfile.mkdtemp(prefix="bench-exports-")
        urls = [f"sqlite:///{directory}/exports-1x.db", f"sqlite:///{directory}/exports-10x.db"]
    try:
        scales = [Scale(label, u, s, prebuilt=bool(args.prebuilt))
                  for (label, s), u in zip(sizes.items(), urls)]
        results = _measure(scales, exports, args.rounds, trace=not args.no_tracemalloc)
        for scale in scales:
            scale.close()
    finally:
        if args.keep or args.prebuilt:
            print("databases kept:", *urls, flush=True)
        else:
            drop()
            if directory:
                shutil.rmtree(directory, ignore_errors=True)
            if cluster:
                cluster.stop()
    _report(scales, exports, results, backend=(urls[0].split(":", 1)[0]),
            rounds=args.rounds)


def _measure(scales, exports, rounds, *, trace):
    results = {(label, s.label): {"times": [], "statements": set(), "rss": [], "bytes": 0,
                                  "traced": None}
               for label, _ in exports for s in scales}
    small = scales[0]
    for label, path in exports:
        # Warm templates and caches at 1× only: a cold first 10× download can only make the
        # ratio worse, and at 10× the XLSX alone takes a minute on a busy machine.
        small.download(path)
    for number in range(rounds):
        for label, path in exports:
            for scale in scales:
                seconds, statements, size, rss = scale.download(path)
                entry = results[(label, scale.label)]
                entry["times"].append(seconds)
                entry["statements"].add(statements)
                entry["rss"].append(rss)
                entry["bytes"] = size
                print(f"round {number + 1}: {label} at {scale.label}: {seconds:.2f} s, "
                      f"{statements} statements, RSS +{rss / MIB:.1f} MiB", flush=True)
    if trace:
        for label, path in exports:
            for scale in scales:
                results[(label, scale.label)]["traced"] = scale.traced_growth(path)
                print(f"traced: {label} at {scale.label}: "
                      f"+{results[(label, scale.label)]['traced'] / MIB:.1f} MiB", flush=True)
    return results


def _report(scales, exports, results, *, backend, rounds):
    small, large = scales
    for scale in scales:
        s = scale.sizes
        built = f"built in {scale.built:.0f} s" if scale.built else "built earlier"
        print(f"{scale.label}: {s['informants']} informants, {s['interviews']} interviews, "
              f"{s['documents']} documents; {built}")
    print(f"database: {backend}; {rounds} interleaved rounds; median times; memory = peak growth "
          "during the download (RSS high-water mark at 10×; tracemalloc at 1× and 10×)")
    head = (f"{'export':<27} {'statements':>10} {'size ' + large.label:>10} "
            f"{'time ' + small.label:>9} {'time ' + large.label:>9} {'ratio':>6} "
            f"{'RSS ' + large.label:>9} {'traced ' + small.label:>10} "
            f"{'traced ' + large.label:>10}  goals")
    print(head)
    print("-" * len(head))
    for label, _ in exports:
        a, b = results[(label, small.label)], results[(label, large.label)]
        ratio = statistics.median(b["times"]) / statistics.median(a["times"])
        rss = max(b["rss"]) / MIB
        traced = b["traced"] / MIB if b["traced"] is not None else rss
        traced_small = a["traced"] / MIB if a["traced"] is not None else float("nan")
        same = a["statements"] == b["statements"] and len(a["statements"]) == 1
        goals = ["statements " + ("met" if same else "MISSED"),
                 "time " + ("met" if ratio <= GOAL_TIME_RATIO else "MISSED"),
                 "memory " + ("met" if max(rss, traced) < GOAL_GROWTH_MIB else "MISSED")]
        counts = "/".join(map(str, sorted(a["statements"]))) + " → " + \
            "/".join(map(str, sorted(b["statements"])))
        print(f"{label:<27} {counts:>10} {b['bytes'] / MIB:7.1f} MiB "
              f"{statistics.median(a['times']):7.2f} s {statistics.median(b['times']):7.2f} s "
              f"{ratio:5.1f}× {rss:5.1f} MiB {traced_small:6.1f} MiB {traced:6.1f} MiB  "
              f"{', '.join(goals)}")


if __name__ == "__main__":
    main()
