"""How the exports scale: time, SQL statements and peak memory at 1× and 10× the study's data.

Builds two databases with `bench/pages.py`'s `build()` (1×: 5,000 informants, 20,000 interviews,
500 documents; 10×: 50,000 informants, 100,000 interviews and 5,000 documents, as issue 15
measured; or the sizes given), then downloads each
export as an admin through the Flask test client, reading the body chunk by chunk as a browser
does, in interleaved rounds (1×, 10×, 1×, ...). It reports per export the median time, the SQL
statements, and the peak memory growth during the download, twice: the process's resident set
(VmHWM after a reset, so C buffers count too) and Python's own allocations (tracemalloc, in a
separate untimed pass). Then the goals of issue 15: the same statements at 1× and 10×, the 10×
download within 11 × the 1× one, and memory growth under 30 MiB at 10×. Run from the project
directory:

    .venv/bin/python bench/exports.py [--rounds 3] [--database-url postgresql+psycopg://...]

Without --database-url it uses SQLite files in a temporary directory. With a PostgreSQL URL it
creates (and afterwards drops) two databases beside the one named, so that user needs CREATEDB;
`--postgres` instead starts a throwaway cluster as the tests do.
"""

import argparse
import gc
import inspect
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
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import pages  # noqa: E402  (bench/pages.py, beside this file)
from config import TestConfig  # noqa: E402
from fieldwork import audit, create_app  # noqa: E402
from fieldwork.auth.services import create_user  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from tests.factories import PASSWORD, log_client_in  # noqa: E402

EXPORTS = [("interview cases CSV", "/exports/interviews.csv"),
           ("interview cases XLSX", "/exports/interviews.xlsx"),
           ("cases with identities CSV", "/exports/interviews-identified.csv"),
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

    def __init__(self, label, url, sizes):
        self.label, self.url, self.sizes = label, url, sizes
        self.app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
        self.statements = 0
        with self.app.app_context():
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
    parser.add_argument("--sizes", default="5000,20000,500",
                        help="informants,interviews,documents at 1× (default: pages.py's)")
    parser.add_argument("--sizes-10x", default="50000,100000,5000",
                        help="the same at 10× (default: issue 15's)")
    args = parser.parse_args()
    keys = ("informants", "interviews", "documents")
    sizes = {"1×": dict(zip(keys, map(int, args.sizes.split(",")))),
             "10×": dict(zip(keys, map(int, args.sizes_10x.split(","))))}

    cluster, drop = None, lambda: None
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url
        if args.postgres:
            from tests.support.postgres import ThrowawayCluster, find_bindir

            cluster = ThrowawayCluster(find_bindir()).start()
            url = cluster.create_database("bench")
        if url:
            urls, drop = _postgres_databases(url, ["bench_exports_1x", "bench_exports_10x"])
        else:
            urls = [f"sqlite:///{directory}/exports-1x.db", f"sqlite:///{directory}/exports-10x.db"]
        try:
            scales = [Scale(label, u, s) for (label, s), u in zip(sizes.items(), urls)]
            results = _measure(scales, args.rounds)
            for scale in scales:
                scale.close()
        finally:
            drop()
            if cluster:
                cluster.stop()
    _report(scales, results, backend=(urls[0].split(":", 1)[0]), rounds=args.rounds)


def _measure(scales, rounds):
    results = {(label, s.label): {"times": [], "statements": set(), "rss": [], "bytes": 0}
               for label, _ in EXPORTS for s in scales}
    for label, path in EXPORTS:
        for scale in scales:  # warm templates, caches and the database's pages
            scale.download(path)
    for _ in range(rounds):
        for label, path in EXPORTS:
            for scale in scales:
                seconds, statements, size, rss = scale.download(path)
                entry = results[(label, scale.label)]
                entry["times"].append(seconds)
                entry["statements"].add(statements)
                entry["rss"].append(rss)
                entry["bytes"] = size
    for label, path in EXPORTS:
        for scale in scales:
            results[(label, scale.label)]["traced"] = scale.traced_growth(path)
    return results


def _report(scales, results, *, backend, rounds):
    small, large = scales
    for scale in scales:
        s = scale.sizes
        print(f"{scale.label}: {s['informants']} informants, {s['interviews']} interviews, "
              f"{s['documents']} documents; built in {scale.built:.0f} s")
    print(f"database: {backend}; {rounds} interleaved rounds; median times; memory = peak growth "
          "during the download (RSS high-water mark; tracemalloc)")
    head = (f"{'export':<27} {'statements':>10} {'size ' + large.label:>10} "
            f"{'time ' + small.label:>9} {'time ' + large.label:>9} {'ratio':>6} "
            f"{'RSS ' + large.label:>9} {'traced':>8}  goals")
    print(head)
    print("-" * len(head))
    for label, _ in EXPORTS:
        a, b = results[(label, small.label)], results[(label, large.label)]
        ratio = statistics.median(b["times"]) / statistics.median(a["times"])
        rss, traced = max(b["rss"]) / MIB, b["traced"] / MIB
        same = a["statements"] == b["statements"] and len(a["statements"]) == 1
        goals = ["statements " + ("met" if same else "MISSED"),
                 "time " + ("met" if ratio <= GOAL_TIME_RATIO else "MISSED"),
                 "memory " + ("met" if max(rss, traced) < GOAL_GROWTH_MIB else "MISSED")]
        counts = "/".join(map(str, sorted(a["statements"]))) + " → " + \
            "/".join(map(str, sorted(b["statements"])))
        print(f"{label:<27} {counts:>10} {b['bytes'] / MIB:7.1f} MiB "
              f"{statistics.median(a['times']):7.2f} s {statistics.median(b['times']):7.2f} s "
              f"{ratio:5.1f}× {rss:5.1f} MiB {traced:4.1f} MiB  {', '.join(goals)}")


if __name__ == "__main__":
    main()
