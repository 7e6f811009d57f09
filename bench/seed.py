"""The benchmarks' data set: a study at a given size, built fast with bulk inserts.

`build(now, informants=..., interviews=..., documents=...)` makes organisations, roles, sampling
targets, a published guide, a coordinator, the informants (with consent under one active form),
interviews a year back and two months ahead (the past mostly conducted, the future open),
documents with themes, and a few failed emails. The rows are what the services would write:
the same columns, enums and links, only inserted many at a time. The default size is the 1x study
of issue 15 (5,000 informants, 20,000 interviews, 500 documents).

    from bench.seed import build   # with the project directory on sys.path
"""

import random
from datetime import timedelta

from sqlalchemy import insert, select

from fieldwork import audit
from fieldwork.auth.services import create_user
from fieldwork.consent import services as consent
from fieldwork.consent.models import STANDARD_ITEMS, ConsentRecord, ConsentRecordItem
from fieldwork.dashboard.models import SamplingTarget
from fieldwork.database import refresh_statistics
from fieldwork.documents.models import Document, Theme, document_interview, document_theme
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews.models import Interview, interview_informant, interview_interviewer
from fieldwork.organisations.services import create_organisation, create_role
from fieldwork.outbox.models import OutboxBody, OutboxMessage
from tests.factories import PASSWORD, published_version

INFORMANTS, INTERVIEWS, DOCUMENTS = 5_000, 20_000, 500
LEVELS = ["local"] * 6 + ["regional"] * 2 + ["national"] * 3 + ["vendor", "research"]
ROLES = ["RAD", "RGR", "PHY", "PL", "IT", "MGR", "DPO", "BRD", "VEN"]
TRANSCRIPT_STAGES = ["none", "in-progress", "transcribed", "checked", "pseudonymised", "coded",
                     "coded", "coded"]


def build(now, *, informants=INFORMANTS, interviews=INTERVIEWS, documents=DOCUMENTS):
    """The data set, inserted in bulk and committed; returns the coordinator who requests the
    pages. Call inside an app context on a migrated, empty database."""
    rng = random.Random(7)
    by = audit.COMMAND_LINE
    organisations = [create_organisation({"name": f"Organisation {n}", "code": f"ORG{n}",
                                          "governance_level": level}, by=by)
                     for n, level in enumerate(LEVELS)]
    roles = [create_role({"name": f"Role {code}", "code": code}, by=by) for code in ROLES]
    coordinator = create_user("coordinator@example.org", "Bench Coordinator", "coordinator",
                              PASSWORD, by=by)
    version = published_version(by=coordinator)

    statuses = ["identified", "contacted", "agreed", "agreed", "interviewed", "interviewed",
                "declined", "withdrawn"]
    db.session.execute(insert(Informant), [
        {"code": f"B{n:05d}", "name": f"Informant {n}", "email": f"informant{n}@example.org",
         "organisation_id": organisations[n % len(organisations)].id,
         "role_id": roles[n % len(roles)].id, "job_title": "", "language": "nb",
         "status": statuses[n % len(statuses)], "notes": "", "created_at": now,
         "updated_at": now} for n in range(informants)])
    informant_ids = db.session.scalars(select(Informant.id).order_by(Informant.id)).all()
    # A year back and two months ahead: the past mostly conducted, the future open.
    first = now - timedelta(days=365)
    interview_rows = []
    for n in range(interviews):
        starts_at = first + timedelta(minutes=30 * (n * 7 % (425 * 48)))
        if starts_at < now:
            status = rng.choice(["conducted"] * 8 + ["cancelled", "no-show"])
        else:
            status = rng.choice(["planned", "invited", "confirmed"])
        held = status == "conducted"
        interview_rows.append({"uid": f"bench-{n}@example.org", "sequence": 0, "starts_at": starts_at,
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
    db.session.execute(insert(Interview), interview_rows)
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
         "issued_on": (now - timedelta(days=n)).date()} for n in range(documents)])
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
    failed_ids = db.session.scalars(insert(OutboxMessage).returning(OutboxMessage.id), [
        {"message_id": f"<failed-{n}@example.org>", "purpose": "invite",
         "recipient_email": f"informant{n}@example.org", "subject": "Invitation",
         "status": "failed", "attempts": 8, "next_attempt_at": now, "created_at": now}
        for n in range(20)]).all()
    db.session.execute(insert(OutboxBody), [{"outbox_message_id": message_id, "raw": b"x"}
                                            for message_id in failed_ids])
    # Statistics, as PostgreSQL's autovacuum and an informant import leave them.
    refresh_statistics(*db.metadata.tables)
    db.session.commit()
    return coordinator
