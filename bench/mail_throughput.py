"""How fast the outbox queues and delivers, against the floor set by SMTP itself (issue 14).

In interleaved rounds, on SQLite and on PostgreSQL:
(a) queue 1,000 invite-sized messages as 100 changes of 10 recipients each (one calendar per
    change, one multi-row insert and one commit per change), then deliver them all with
    `dispatch_pending` (batches claimed, each sent over one connection, recorded together),
    with the default FIELDWORK_MAIL_CONNECTIONS (2: a second connection takes batches of its
    own once there is more than one to send);
(a1) the same with FIELDWORK_MAIL_CONNECTIONS=1, every batch over one connection;
(b) send the same 1,000 ready-made messages through one plain smtplib connection.
Both go to the same local aiosmtpd server, run in a child process that keeps nothing, so that it
neither shares this process's interpreter lock nor its memory. The ratio is median(a) / median(b).
Then the memory of a dispatch (tracemalloc peak) with 1,000 and with 10,000 messages queued.

Beside the elapsed times it reports the processor time each side used: this process's, the
SMTP server's and PostgreSQL's (its server processes, read from /proc). On a busy machine the
elapsed time of either side is mostly waiting for a processor, and varies from run to run by
more than the difference sought; processor time varies far less.

    .venv/bin/python bench/mail_throughput.py [--count 1000] [--rounds 3] [--memory-count 10000]
                                              [--database sqlite --database postgresql]

PostgreSQL runs in a throwaway cluster (tests/support/postgres.py); skipped if not installed.
"""

import argparse
import multiprocessing
import os
import smtplib
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import icalendar  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import delete, select  # noqa: E402

from config import TestConfig  # noqa: E402
from fieldwork import create_app  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from fieldwork.outbox.models import OutboxMessage  # noqa: E402
from fieldwork.outbox.services import dispatch_pending, new_email, queue_emails  # noqa: E402
from tests.support.postgres import ThrowawayCluster, find_bindir  # noqa: E402
from tests.support.smtp import free_port  # noqa: E402

RECIPIENTS_PER_CHANGE = 10
TEXT = ("Hei {name},\n\nDu er invitert til et intervju om kunstig intelligens i bildediagnostikk.\n\n"
        "Tid: torsdag 3. desember 2026 kl. 10.00–11.00 (norsk tid)\n"
        "Sted: Videomøte, lenke: https://meet.example.org/abc-defg-hij\n\n"
        "Svar gjerne i kalenderen din. Vennlig hilsen forskergruppen\n") * 2
HTML = "<!doctype html><html><body>" + "".join(
    f"<p>{line}</p>" for line in TEXT.splitlines()) + "</body></html>"


def invite(n):
    """The calendar of change `n`: one event, ten attendees."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//fieldwork benchmark//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = icalendar.Event()
    start = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc) + timedelta(hours=n)
    event.add("uid", f"bench-{n:06d}-0f3c2a9e7f1b4a529d0e7c1b2f6a3d41")
    event.add("dtstamp", datetime.now(timezone.utc))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=1))
    event.add("sequence", 0)
    event.add("summary", "Intervju – AI i bildediagnostikk")
    event.add("description", TEXT.format(name=""))
    event.add("location", "Videomøte")
    event.add("organizer", "mailto:coordinator@example.org")
    for r in range(RECIPIENTS_PER_CHANGE):
        event.add("attendee", f"mailto:informant{n}-{r}@example.org", parameters={
            "CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE"})
    calendar.add_component(event)
    return calendar.to_ical()


def _serve(port, ready, stop):
    """An aiosmtpd server that accepts everything and keeps nothing."""
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server, session, envelope):
            return "250 2.0.0 Accepted"

    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def clear_outbox():
    db.session.execute(delete(OutboxMessage))
    db.session.commit()


def queue_and_deliver(count, calendars, round_no):
    """(seconds to queue, seconds to deliver), the outbox cleared before. New addresses every
    round, as invitations to new informants would have: none is in the address check's cache
    from an earlier round."""
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    for change in range(count // RECIPIENTS_PER_CHANGE):
        calendar = calendars[change]
        queue_emails([new_email(
            recipient=(f"informant{change}-{r}.r{round_no}@example.org", f"Informant {change}-{r}"),
            subject="Invitasjon: intervju om AI i bildediagnostikk",
            text=TEXT.format(name=f"Informant {change}-{r}"), html=HTML, purpose="invite",
            now=now, calendar=calendar, method="REQUEST", sequence=0)
            for r in range(RECIPIENTS_PER_CHANGE)])
        db.session.commit()
    queued = time.perf_counter()
    report = dispatch_pending()
    delivered = time.perf_counter()
    assert report.sent == count, report
    return queued - started, delivered - queued


def ready_made(count):
    return [(row.recipient_email, row.raw) for row in db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id).limit(count))]


def cpu_seconds(pids):
    """Processor time (user + system) the processes `pids` have used so far; Linux only, 0
    where /proc cannot tell (a process gone meanwhile)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def cluster_pids(cluster):
    """The PostgreSQL postmaster of `cluster` and its children (backends, WAL writer, ...)."""
    if cluster is None:
        return []
    with open(os.path.join(cluster.data, "postmaster.pid")) as stat:
        postmaster = int(stat.readline())
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        children.append(int(entry))
            except OSError:
                continue
    return [postmaster, *children]


class Processor:
    """Processor time used during `with`: this process, the SMTP server, the database server."""

    def __init__(self, smtp_pid, database_pids):
        self.smtp_pid, self.database_pids = smtp_pid, database_pids

    def __enter__(self):
        self.started = (time.process_time(), cpu_seconds([self.smtp_pid]),
                        cpu_seconds(self.database_pids()))
        return self

    def __exit__(self, *exc):
        ended = (time.process_time(), cpu_seconds([self.smtp_pid]),
                 cpu_seconds(self.database_pids()))
        self.own, self.smtp, self.database = (e - s for e, s in zip(ended, self.started))


def plain_smtplib(port, messages):
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, raw in messages:
            smtp.sendmail("coordinator@example.org", [recipient], raw)
    return time.perf_counter() - started


def dispatch_peak(count, calendars):
    """tracemalloc's peak during the dispatch of `count` queued messages, in MiB."""
    db.session.execute(delete(OutboxMessage))
    db.session.commit()
    now = datetime.now(timezone.utc)
    for change in range(count // RECIPIENTS_PER_CHANGE):
        queue_emails([new_email(
            recipient=(f"informant{change}-{r}@example.org", f"Informant {change}-{r}"),
            subject="Invitasjon", text=TEXT.format(name="x"), html=HTML, purpose="invite",
            now=now, calendar=calendars[change % len(calendars)], method="REQUEST", sequence=0)
            for r in range(RECIPIENTS_PER_CHANGE)])
        db.session.commit()
    db.session.expunge_all()
    tracemalloc.start()
    report = dispatch_pending()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.sent == count, report
    return peak / 2 ** 20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-count", type=int, default=10000)
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    backends = args.database or ["sqlite", "postgresql"]

    port = free_port()
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(port, ready, stop), daemon=True)
    server.start()
    ready.wait(30)
    cluster = None
    apps = {}
    with tempfile.TemporaryDirectory() as directory:
        try:
            for backend in backends:
                if backend == "sqlite":
                    url = f"sqlite:///{directory}/bench.db"
                else:
                    bindir = find_bindir()
                    if bindir is None:
                        print("PostgreSQL is not installed: skipped")
                        continue
                    cluster = ThrowawayCluster(bindir).start()
                    url = cluster.create_database("bench")
                app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url,
                                              "MAIL_URL": f"smtp://127.0.0.1:{port}"})
                with app.app_context():
                    upgrade()
                apps[backend] = app
                connections = app.config["MAIL_CONNECTIONS"]
            calendars = [invite(n) for n in range(max(args.count, args.memory_count)
                                                   // RECIPIENTS_PER_CHANGE)]
            times = {b: {"queue": [], "deliver": [], "total": [], "plain": [], "total1": [],
                         "deliver1": []} for b in apps}
            processor = {b: {"a": [], "b": []} for b in apps}
            for round_no in range(args.rounds):  # interleaved: each round runs everything once
                for backend, app in apps.items():
                    # Listed afresh: the pool may have opened a connection (a backend) since.
                    database = (lambda: cluster_pids(cluster)) if backend == "postgresql" else list
                    with app.app_context():
                        clear_outbox()
                        app.config["MAIL_CONNECTIONS"] = 1
                        queue1_s, deliver1_s = queue_and_deliver(args.count, calendars,
                                                                 f"{round_no}{backend[0]}1")
                        clear_outbox()
                        app.config["MAIL_CONNECTIONS"] = connections
                        with Processor(server.pid, database) as side_a:
                            queue_s, deliver_s = queue_and_deliver(args.count, calendars,
                                                                   f"{round_no}{backend[0]}")
                        messages = ready_made(args.count)
                    with Processor(server.pid, database) as side_b:
                        plain_s = plain_smtplib(port, messages)
                    for key, value in (("queue", queue_s), ("deliver", deliver_s),
                                       ("total", queue_s + deliver_s), ("plain", plain_s),
                                       ("total1", queue1_s + deliver1_s),
                                       ("deliver1", deliver1_s)):
                        times[backend][key].append(value)
                    processor[backend]["a"].append(side_a)
                    processor[backend]["b"].append(side_b)
            peaks = {}
            for backend, app in apps.items():
                with app.app_context():
                    peaks[backend] = [dispatch_peak(n, calendars)
                                      for n in (args.count, args.memory_count)]
                    db.engine.dispose()
        finally:
            if cluster is not None:
                cluster.stop()
            stop.set()
            server.join(10)

    print(f"{args.count} invite-sized messages, {args.rounds} interleaved rounds, medians")
    for backend, measured in times.items():
        median = {key: statistics.median(values) for key, values in measured.items()}
        print(f"{backend}:")
        for key, label in (("queue", "(a) queue (100 changes x 10, one commit each)"),
                           ("deliver", f"(a) dispatch_pending, {connections} connections"),
                           ("total", "(a) queue + deliver"),
                           ("deliver1", "(a1) dispatch_pending, 1 connection"),
                           ("total1", "(a1) queue + deliver"),
                           ("plain", "(b) plain smtplib, one connection")):
            print(f"  {label:<48} {median[key]:6.2f} s  {median[key] / args.count * 1000:6.2f} ms/msg")
        print(f"  ratio (a) total / (b)                            {median['total'] / median['plain']:6.2f} x"
              f"   (dispatch alone: {median['deliver'] / median['plain']:.2f} x)")
        print(f"  ratio (a1) total / (b), one connection           "
              f"{median['total1'] / median['plain']:6.2f} x"
              f"   (dispatch alone: {median['deliver1'] / median['plain']:.2f} x)")
        # Each round's (a) and (b) ran back to back: on a busy machine their ratio wavers less
        # than the ratio of medians taken over rounds minutes apart.
        rounds = [t / p for t, p in zip(measured["total"], measured["plain"])]
        print(f"  ratio of each round: {', '.join(f'{r:.2f}' for r in rounds)}"
              f"   (median {statistics.median(rounds):.2f} x)")
        per = {side: {part: statistics.median(getattr(p, part) for p in used)
                      for part in ("own", "smtp", "database")}
               for side, used in processor[backend].items()}
        totals = {side: sum(parts.values()) for side, parts in per.items()}
        for side, label in (("a", "(a)"), ("b", "(b)")):
            parts = per[side]
            print(f"  processor time {label}: this process {parts['own']:.2f} s, SMTP server "
                  f"{parts['smtp']:.2f} s, database server {parts['database']:.2f} s; "
                  f"total {totals[side]:.2f} s")
        print(f"  ratio of processor time (a) / (b)                {totals['a'] / totals['b']:6.2f} x")
        small, large = peaks[backend]
        print(f"  dispatch memory peak (tracemalloc): {args.count} queued {small:.1f} MiB, "
              f"{args.memory_count} queued {large:.1f} MiB")


if __name__ == "__main__":
    main()
