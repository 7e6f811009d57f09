"""How fast the busiest pages answer at the study's scale, and how many SQL statements each runs.

Builds a database with 5,000 informants and 20,000 interviews (plain bulk inserts), plus
organisations, roles, sampling targets, 500 documents with themes and a few failed emails; then
requests each page through the Flask test client as a logged-in coordinator and reports the
median and 95th percentile time and the number of SQL statements per request. Run from the
project directory:

    .venv/bin/python bench/pages.py [--repeat 30] [--database-url postgresql+psycopg://...]

Without --database-url it uses a fresh SQLite file in a temporary directory. A PostgreSQL database
given by URL must be empty: the benchmark builds its schema with the migrations.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

from config import TestConfig  # noqa: E402
from fieldwork import audit, create_app  # noqa: E402
from fieldwork.auth.services import create_user  # noqa: E402
from fieldwork.consent import services as consent  # noqa: E402
from fieldwork.consent.models import STANDARD_ITEMS, ConsentRecord, ConsentRecordItem  # noqa: E402
from fieldwork.dashboard.models import SamplingTarget  # noqa: E402
from fieldwork.documents.models import Document, Theme, document_interview, document_theme  # noqa: E402
from fieldwork.extensions import db  # noqa: E402
from fieldwork.guides import services as guides  # noqa: E402
from fieldwork.informants.models import Informant  # noqa: E402
from fieldwork.interviews.models import Interview, interview_informant, interview_interviewer  # noqa: E402
from fieldwork.organisations.services import create_organisation, create_role  # noqa: E402
from fieldwork.outbox.models import OutboxMessage  # noqa: E402
from tests.factories import PASSWORD, log_client_in  # noqa: E402

INFORMANTS, INTERVIEWS, DOCUMENTS = 5_000, 20_000, 500
LEVELS = ["local"] * 6 + ["regional"] * 2 + ["national"] * 3 + ["vendor", "research"]
ROLES = ["RAD", "RGR", "PHY", "PL", "IT", "MGR", "DPO", "BRD", "VEN"]
PAGES = [("dashboard", "/"), ("informants list", "/informants/"),
         ("interviews list (upcoming)", "/interviews/"),
         ("interviews list (all)", "/interviews/?when=all"), ("documents list", "/documents/"),
         ("documents list (theme filter)", "/documents/?theme=1"),
         ("pipeline board", "/interviews/pipeline"),
         ("interview page", "/interviews/1"),
         ("export: interview cases CSV", "/exports/interviews.csv"),
         ("export: interview cases XLSX", "/exports/interviews.xlsx"),
         ("export: cases, one organisation", "/exports/interviews.xlsx?organisation=1"),
         ("export: documents CSV", "/exports/documents.csv"),
         ("consent overview", "/consent/"),
         ("consent overview (at risk, 14 days)", "/consent/?within_days=14")]
TRANSCRIPT_STAGES = ["none", "in-progress", "transcribed", "checked", "pseudonymised", "coded",
                     "coded", "coded"]


def build(now):
    """The data set; returns the coordinator who requests the pages."""
    rng = random.Random(7)
    by = audit.COMMAND_LINE
    organisations = [create_organisation({"name": f"Organisation {n}", "code": f"ORG{n}",
                                          "governance_level": level}, by=by)
                     for n, level in enumerate(LEVELS)]
    roles = [create_role({"name": f"Role {code}", "code": code}, by=by) for code in ROLES]
    coordinator = create_user("coordinator@example.org", "Bench Coordinator", "coordinator",
                              PASSWORD, by=by)
    guide = guides.create_guide({"title": "Guide", "purpose": "", "language": "en"}, by=coordinator)
    version = guides.get_version(guide.id, 1)
    guides.update_draft(version, {"content": "## Theme\n- A question?\n", "change_note": ""},
                        by=coordinator)
    guides.publish_version(version, by=coordinator)

    statuses = ["identified", "contacted", "agreed", "agreed", "interviewed", "interviewed",
                "declined", "withdrawn"]
    db.session.execute(insert(Informant), [
        {"code": f"B{n:05d}", "name": f"Informant {n}", "email": f"informant{n}@example.org",
         "organisation_id": organisations[n % len(organisations)].id,
         "role_id": roles[n % len(roles)].id, "job_title": "", "language": "nb",
         "status": statuses[n % len(statuses)], "notes": "", "created_at": now,
         "updated_at": now} for n in range(INFORMANTS)])
    informant_ids = db.session.scalars(select(Informant.id).order_by(Informant.id)).all()
    # A year back and two months ahead: the past mostly conducted, the future open.
    first = now - timedelta(days=365)
    interviews = []
    for n in range(INTERVIEWS):
        starts_at = first + timedelta(minutes=30 * (n * 7 % (425 * 48)))
        if starts_at < now:
            status = rng.choice(["conducted"] * 8 + ["cancelled", "no-show"])
        else:
            status = rng.choice(["planned", "invited", "confirmed"])
        held = status == "conducted"
        interviews.append({"uid": f"bench-{n}@example.org", "sequence": 0, "starts_at": starts_at,
                           "ends_at": starts_at + timedelta(hours=1), "mode": "video",
                           "guide_version_id": version.id, "language": "nb", "status": status,
                           "created_at": now, "updated_at": now,
                           "transcript_status": rng.choice(TRANSCRIPT_STAGES) if held else "none",
                           "transcript_updated_at": starts_at + timedelta(days=3) if held else None,
                           "actual_started_at": starts_at if held else None,
                           "actual_duration_minutes": 55 if held else None,
                           "recording_location": "TSD" if held else "",
                           "recording_delete_by": (starts_at + timedelta(days=180)).date()
                           if held else None})
    db.session.execute(insert(Interview), interviews)
    interview_ids = db.session.scalars(select(Interview.id).order_by(Interview.id)).all()
    db.session.execute(insert(interview_informant), [
        {"interview_id": iv, "informant_id": informant_ids[n % len(informant_ids)]}
        for n, iv in enumerate(interview_ids)])
    db.session.execute(insert(interview_interviewer), [
        {"interview_id": iv, "user_id": coordinator.id} for iv in interview_ids])

    db.session.execute(insert(SamplingTarget), [
        {"organisation_id": o.id, "role_id": r.id, "target": rng.randint(0, 5), "updated_at": now}
        for o in organisations for r in roles])
    db.session.execute(insert(Theme), [{"name": f"Theme {n}", "key": f"theme {n}"}
                                       for n in range(40)])
    theme_ids = db.session.scalars(select(Theme.id)).all()
    db.session.execute(insert(Document), [
        {"title": f"Document {n}", "document_type": "report", "governance_level": "regional",
         "organisation_id": organisations[n % len(organisations)].id, "reference": "",
         "status": "identified", "notes": "", "created_at": now, "updated_at": now,
         "issued_on": (now - timedelta(days=n)).date()} for n in range(DOCUMENTS)])
    document_ids = db.session.scalars(select(Document.id)).all()
    db.session.execute(insert(document_theme), [
        {"document_id": d, "theme_id": t} for d in document_ids
        for t in rng.sample(theme_ids, 3)])
    db.session.execute(insert(document_interview), [
        {"document_id": d, "interview_id": rng.choice(interview_ids)} for d in document_ids])
    # Consent under one active form: most given (some items refused), some requested, declined
    # or withdrawn, a fifth never asked.
    form = consent.create_form_version({"title": "Consent", "language": "nb", "version_label": "1",
                                        "letter_markdown": "Letter.", "approval_reference": "Sikt 1",
                                        "approval_date": now.date()}, by=coordinator)
    consent.activate_form_version(form, by=coordinator)
    states = ["given", "given", "given", "partly-given", "requested", "declined", "withdrawn"]
    records = [{"informant_id": informant_id, "status": states[n % len(states)],
                "form_version_id": form.id, "method": "signed-paper", "updated_at": now,
                "follow_up_count": 0, "consented_on": now.date()}
               for n, informant_id in enumerate(informant_ids) if n % 5]
    db.session.execute(insert(ConsentRecord), records)
    record_ids = db.session.scalars(select(ConsentRecord.id).order_by(ConsentRecord.id)).all()
    db.session.execute(insert(ConsentRecordItem), [
        {"record_id": record_id, "key": key,
         "is_given": records[n]["status"] in ("given", "partly-given")
         and not (key == "direct_quotation" and records[n]["status"] == "partly-given")}
        for n, record_id in enumerate(record_ids) for key in STANDARD_ITEMS])
    db.session.execute(insert(OutboxMessage), [
        {"message_id": f"<failed-{n}@example.org>", "purpose": "invite",
         "recipient_email": f"informant{n}@example.org", "subject": "Invitation", "raw": b"x",
         "status": "failed", "attempts": 8, "next_attempt_at": now, "created_at": now}
        for n in range(20)])
    db.session.commit()
    return coordinator


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{directory}/bench.db"
        app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
        pages = list(PAGES)
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            coordinator = build(datetime.now(timezone.utc))
            built = time.perf_counter() - started
            client = app.test_client()
            log_client_in(client, coordinator)
            statements = []
            event.listen(db.engine, "before_cursor_execute",
                         lambda *a: statements.append(a[2]))
            results = []
            for label, path in pages:
                for _ in range(2):  # warm caches and templates
                    assert client.get(path).status_code == 200, path
                timings, counts = [], set()
                for _ in range(args.repeat):
                    statements.clear()
                    begun = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - begun) * 1000)
                    assert response.status_code == 200, path
                    counts.add(len(statements))
                timings.sort()
                p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
                results.append((label, path, statistics.median(timings), p95, counts))
            db.session.remove()
            db.engine.dispose()

    backend = url.split(":", 1)[0]
    print(f"{INFORMANTS} informants, {INTERVIEWS} interviews, {DOCUMENTS} documents; "
          f"database: {backend}; built in {built:.1f} s; {args.repeat} requests per page")
    print(f"{'page':<32} {'median':>9} {'p95':>9} {'SQL statements':>15}")
    for label, path, median, p95, counts in results:
        print(f"{label:<32} {median:7.1f} ms {p95:7.1f} ms {'/'.join(map(str, sorted(counts))):>15}")


if __name__ == "__main__":
    main()
