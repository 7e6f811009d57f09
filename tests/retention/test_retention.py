"""Retention: the report of identity data held after the study's end, and its erasure, down to
the bytes of the SQLite file."""

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from fieldwork import audit
from fieldwork.audit.models import AuditEvent
from fieldwork.errors import DomainError, NotAllowed
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.outbox.models import OutboxMessage
from fieldwork.retention import services
from tests import factories

ADDRESS = "sigrid.unique-erasure-check@example.org"
NAME = "Sigrid Slettmegsen"
AFTER_END = datetime(2027, 7, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def study_ended(app):
    app.config["STUDY_END"] = date(2027, 6, 30)


@pytest.fixture
def held(app, study_ended):
    """An informant written to (an invitation in the outbox) and edited (audit snapshots)."""
    coordinator = factories.make_user(role="coordinator")
    informant = factories.make_informant(name=NAME, email=ADDRESS, phone="+4791234567",
                                         job_title="Head of radiology")
    from fieldwork.informants.services import update_informant

    update_informant(informant, {**informant.audit_snapshot(), "notes": "Prefers mornings"},
                     by=coordinator)
    factories.make_interview(informants=[informant], interviewers=[coordinator], by=coordinator,
                             now=datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
    return informant.id


def counts(report):
    return {store.key: count for store, count in report.counts}


def test_the_report_counts_identity_data_held(app, held):
    report = services.retention_report(now=AFTER_END)
    assert report.has_ended
    found = counts(report)
    assert found["informants"] == 1
    assert found["outbox"] == 2  # the invitation to the informant and to the interviewer
    assert found["audit"] >= 2   # informant.create and informant.update
    assert report.total == sum(found.values())


def test_erasure_is_refused_before_the_study_ends_and_without_confirmation(app, held):
    with pytest.raises(NotAllowed, match="30.06.2027"):
        services.erase_identities(confirmation="ERASE", by=audit.COMMAND_LINE,
                                  now=datetime(2027, 6, 30, 20, 0, tzinfo=timezone.utc))
    with pytest.raises(DomainError) as refused:
        services.erase_identities(confirmation="erase please", by=audit.COMMAND_LINE,
                                  now=AFTER_END)
    assert refused.value.field == "confirmation"
    assert counts(services.retention_report(now=AFTER_END))["informants"] == 1
    app.config["STUDY_END"] = None
    with pytest.raises(NotAllowed, match="FIELDWORK_STUDY_END"):
        services.erase_identities(confirmation="ERASE", by=audit.COMMAND_LINE, now=AFTER_END)


def test_erasure_keeps_codes_and_attributes_and_removes_every_copy(app, held):
    before = db.session.get(Informant, held)
    code, organisation_id, role_id = before.code, before.organisation_id, before.role_id

    erased = services.erase_identities(confirmation="ERASE", by=audit.COMMAND_LINE, now=AFTER_END)
    assert erased["informants"] == 1

    informant = factories.reload(Informant, held)
    assert (informant.name, informant.email, informant.phone) == ("[erased]", None, None)
    assert (informant.job_title, informant.notes) == ("", "")
    assert (informant.code, informant.organisation_id, informant.role_id) == (
        code, organisation_id, role_id)
    for message in db.session.scalars(select(OutboxMessage)):
        assert message.raw == b"" and message.recipient_email == "[erased]"
    snapshots = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "informant"))
    for event in snapshots:
        for snapshot in (event.before or {}, event.after or {}):
            assert NAME not in str(snapshot) and ADDRESS not in str(snapshot)
            assert snapshot.get("code", code) == code
    [record] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.erase"))
    assert record.after["erased"]["informants"] == 1
    assert services.retention_report(now=AFTER_END).total == 0


def test_the_audit_log_stays_append_only_after_an_erasure(app, held):
    services.erase_identities(confirmation="ERASE", by=audit.COMMAND_LINE, now=AFTER_END)
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE audit_event SET action = 'x'"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event"))
        db.session.flush()
    db.session.rollback()


def _database_bytes(request):
    """Every byte of the database as the server keeps it on disk (the WAL of PostgreSQL aside,
    which the README leaves to the DBA)."""
    db.session.commit()
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        db.engine.dispose()
        path = Path(db.engine.url.database)
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    cluster = request.getfixturevalue("postgres_cluster")
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("CHECKPOINT")  # dirty pages reach the files
        oid = connection.scalar(text("SELECT oid FROM pg_database "
                                     "WHERE datname = current_database()"))
    files = sorted(Path(cluster.data, "base", str(oid)).iterdir())
    return b"".join(f.read_bytes() for f in files if f.is_file())


def test_the_erased_address_is_gone_from_the_database_files(app, held, request):
    assert ADDRESS.encode() in _database_bytes(request)  # so the check below can fail

    services.erase_identities(confirmation="ERASE", by=audit.COMMAND_LINE, now=AFTER_END)
    raw = _database_bytes(request)
    assert ADDRESS.encode() not in raw
    assert NAME.encode() not in raw


@pytest.fixture
def after_the_end(app):
    with time_machine.travel(AFTER_END, tick=True):
        yield


def test_the_admin_page_refuses_erasure_before_the_study_end(app, client, login_as, held):
    with time_machine.travel(datetime(2027, 6, 30, 12, 0, tzinfo=timezone.utc), tick=True):
        login_as("admin")
        refused = client.post("/admin/retention/erase", data={"confirmation": "ERASE"})
    assert refused.status_code == 422
    assert "The study ends on 30.06.2027; identity data can be erased from the day after." \
        in refused.text
    assert factories.reload(Informant, held).email == ADDRESS


def test_the_admin_page_reports_and_erases_with_a_typed_confirmation(app, client, login_as, held,
                                                                     after_the_end):
    login_as("admin")
    page = client.get("/admin/retention/")
    assert page.status_code == 200
    assert "Informants with a name, email, phone, job title or notes" in page.text

    refused = client.post("/admin/retention/erase", data={"confirmation": "yes"})
    assert refused.status_code == 422
    assert "Type ERASE to confirm the erasure." in refused.text
    assert factories.reload(Informant, held).email == ADDRESS
    db.session.rollback()  # no transaction of the test's may hold the tables VACUUM rewrites

    done = client.post("/admin/retention/erase", data={"confirmation": "ERASE"})
    assert done.status_code == 302
    assert factories.reload(Informant, held).email is None


def test_only_admins_reach_retention(app, client, login_as, held):
    login_as("coordinator")
    assert client.get("/admin/retention/").status_code == 403
    assert client.post("/admin/retention/erase", data={"confirmation": "ERASE"}).status_code == 403
    assert factories.reload(Informant, held).email == ADDRESS


def test_the_command_line_reports_and_needs_confirm(app, runner, held):
    report = runner.invoke(args=["retention", "report"])
    assert "Study end: 30.06.2027" in report.output and "1  Informants" in report.output
    assert ADDRESS not in report.output
    refused = runner.invoke(args=["retention", "erase"])
    assert refused.exit_code == 1 and "--confirm" in refused.output
    assert factories.reload(Informant, held).email == ADDRESS


def test_admins_get_a_weekly_report_after_the_study_end(app, held, outbox):
    admin = factories.make_user(role="admin", language="nb")
    assert services.send_retention_report(now=datetime(2027, 6, 30, 9, 0, tzinfo=timezone.utc)) \
        == "study not ended"
    assert services.send_retention_report(now=AFTER_END) == "sent 1"
    assert services.send_retention_report(now=AFTER_END.replace(day=2)) == "sent 0"  # same week
    [row] = outbox.rows(purpose="retention")
    assert row.recipient_email == admin.email
    [message] = outbox.messages(purpose="retention")
    assert message["Subject"] == "Studien er avsluttet: personopplysninger som skal slettes"
    text = message.get_body(("plain",)).get_content()
    assert "Informanter med navn, e-post, telefon, stillingstittel eller notater: 1" in text
    assert ADDRESS not in text and NAME not in text
    admin.language = "en"  # an admin who reads English gets next week's in English
    db.session.commit()
    assert services.send_retention_report(now=AFTER_END.replace(day=6)) == "sent 1"  # next week
    text = outbox.messages(purpose="retention")[-1].get_body(("plain",)).get_content()
    assert "Informants with a name, email, phone, job title or notes: 1" in text


def test_erasure_deletes_the_scans_of_signed_consent_forms(app, client, login_as, held):
    factories.make_consent_form("nb")
    coordinator = factories.make_user(role="coordinator")
    scan = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
    record = factories.give_consent(db.session.get(Informant, held), evidence=scan,
                                    by=coordinator, now=datetime(2027, 3, 1, 9, tzinfo=timezone.utc))
    from fieldwork.consent.models import ConsentEvidence

    evidence_id = db.session.scalar(select(ConsentEvidence.id)
                                    .where(ConsentEvidence.record_id == record.id))
    login_as("admin")
    assert client.get(f"/consent/evidence/{evidence_id}").data == scan
    assert counts(services.retention_report(now=AFTER_END))["consent-evidence"] == 1

    erased = services.erase_identities(confirmation="ERASE", by=audit.COMMAND_LINE, now=AFTER_END)
    assert erased["consent-evidence"] == 1
    assert not any((Path(app.instance_path) / "consent-evidence").iterdir())
    assert client.get(f"/consent/evidence/{evidence_id}").status_code == 404
    assert services.retention_report(now=AFTER_END).total == 0
