"""How fast the outbox delivers, against the floor set by SMTP itself.

(a) queue 1,000 invite-sized messages with the outbox and commit them, then deliver them with
    `dispatch_pending` (claim, send, record: three short transactions per message);
(b) send the same 1,000 ready-made messages through one plain smtplib connection.

Both go to the same local aiosmtpd sink (tests/support/smtp.py). Run from the project directory:

    .venv/bin/python bench/mail_throughput.py [--count 1000] [--database-url postgresql+psycopg://...]

Without --database-url it uses a fresh SQLite file in a temporary directory.
"""

import argparse
import smtplib
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import icalendar  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from config import TestConfig  # noqa: E402
from fieldwork import create_app  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from fieldwork.outbox.models import OutboxMessage  # noqa: E402
from fieldwork.outbox.services import dispatch_pending, queue_email  # noqa: E402
from tests.support.smtp import SmtpSink  # noqa: E402

TEXT = ("Hei,\n\nDu er invitert til et intervju om kunstig intelligens i bildediagnostikk.\n\n"
        "Tid: torsdag 3. desember 2026 kl. 10.00–11.00 (norsk tid)\n"
        "Sted: Videomøte, lenke: https://meet.example.org/abc-defg-hij\n\n"
        "Svar gjerne i kalenderen din. Vennlig hilsen forskergruppen\n") * 2
HTML = "<!doctype html><html><body>" + "".join(f"<p>{line}</p>" for line in TEXT.splitlines()) + "</body></html>"


def invite(n):
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
    event.add("description", TEXT)
    event.add("location", "Videomøte")
    event.add("organizer", "mailto:coordinator@example.org")
    for who in (f"informant{n}@example.org", "researcher@example.org"):
        event.add("attendee", f"mailto:{who}", parameters={
            "CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE"})
    calendar.add_component(event)
    return calendar.to_ical()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory, SmtpSink() as sink:
        url = args.database_url or f"sqlite:///{directory}/bench.db"
        app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url, "MAIL_URL": sink.url})
        with app.app_context():
            upgrade()
            db.session.execute(delete(OutboxMessage))
            db.session.commit()
            calendars = [invite(n) for n in range(args.count)]

            # (a) the outbox: queue and commit, then dispatch
            now = datetime.now(timezone.utc)
            started = time.perf_counter()
            for n, calendar in enumerate(calendars):
                queue_email(recipient=(f"informant{n}@example.org", f"Informant {n}"),
                            subject="Invitasjon: intervju om AI i bildediagnostikk", text=TEXT,
                            html=HTML, purpose="invite", now=now, calendar=calendar,
                            method="REQUEST", sequence=0)
            db.session.commit()
            queued = time.perf_counter()
            report = dispatch_pending()
            dispatched = time.perf_counter()
            assert report.sent == args.count, report
            raws = [(row.recipient_email, row.raw) for row in
                    db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))]
            size = sum(len(raw) for _, raw in raws) / len(raws)
            db.engine.dispose()

        # (b) the same bytes through one plain smtplib connection
        received_before = len(sink.messages)
        started_plain = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for recipient, raw in raws:
                smtp.sendmail("coordinator@example.org", [recipient], raw)
        finished_plain = time.perf_counter()
        assert len(sink.messages) - received_before == args.count

    backend = url.split(":", 1)[0]
    count = args.count

    def line(label, seconds):
        print(f"{label:<44} {seconds:7.2f} s  {count / seconds:8.0f} msg/s")

    print(f"{count} invite-sized messages (~{size / 1024:.1f} KiB each), database: {backend}")
    line("(a) queue_email + commit", queued - started)
    line("(a) dispatch_pending (claim, send, record)", dispatched - queued)
    line("(a) total", dispatched - started)
    line("(b) plain smtplib, one connection", finished_plain - started_plain)
    print(f"dispatch overhead per message over plain SMTP: "
          f"{((dispatched - queued) - (finished_plain - started_plain)) / count * 1000:.2f} ms")


if __name__ == "__main__":
    main()
