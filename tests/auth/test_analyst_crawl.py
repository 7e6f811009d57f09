"""Analysts work with pseudonymised data only (issue 13, item 9): every free-text or identity
column of every model is seeded with a marker, every page and export an analyst can reach is
fetched, and no marker may appear.

Each text column of the schema is classified below, so a new column has to be placed (hidden
from analysts, shown to them on purpose, or not text a person wrote) before this test passes."""

import io
import re
import zipfile

import openpyxl
from sqlalchemy import String, Text, select, update

from fieldwork.access import UserRole
from fieldwork.extensions import db
from tests.support.crawl import page_urls, seed_study


# Identities and free text about informants, interviews and their handling: never for analysts.
HIDDEN_FROM_ANALYSTS = {
    "informant": ["name", "email", "phone", "job_title", "notes"],
    "interview": ["place", "meeting_url", "notes", "field_notes", "reflexive_memo",
                  "recording_location"],
    "consent_data_task": ["done_note"],
    "consent_event": ["note"],
    "transcript_status_change": ["note"],
    "outbox_message": ["recipient_email", "subject", "last_error"],
    "informant_import": ["content"],
    "interview_reminder": ["recipient"],
    "busy_calendar": ["username"],
    "attendee_answer": ["comment"], "counter_proposal": ["email", "comment"],
    "offer": ["place", "meeting_url", "message"],
}
# Study material analysts work with, and the staff's own names: shown to them on purpose.
SHOWN_TO_ANALYSTS = {
    "guide": ["title", "purpose"], "guide_version": ["change_note"],
    "organisation": ["name", "code", "departments"], "role": ["name", "code"],
    "theme": ["name"], "document": ["title", "reference", "notes"],
    "consent_form_version": ["title", "version_label", "letter_markdown", "approval_reference"],
    "consent_item": ["wording"], "informant": ["code"], "user": ["name", "email"],
    "consent_event": ["actor_label"],
    # Quotes come from pseudonymised transcripts and are what the analysis publishes.
    "quote": ["text", "context", "edited_text"],
}
# Not typed by people about anyone: keys, hashes, tokens, ids and machine words. The audit log
# is for admins only, and its rows cannot be changed.
NOT_FREE_TEXT = {
    "login_throttle": ["key"], "pseudonym_counter": ["prefix"],
    "scheduler_job_run": ["job_id", "holder", "summary"], "scheduler_lock": ["name", "holder"],
    "theme": ["key"], "user": ["password_hash"], "study_version": ["epoch"],
    "audit_event": ["actor_label", "action", "entity_type", "entity_id"],
    "calendar_feed": ["token_hash", "version"], "consent_form_version": ["letter_pdf_name"],
    "guide_version": ["content_sha256"], "informant_import": ["id"],
    "user_session": ["token_hash"], "consent_token": ["token_hash"], "consent_item": ["key"],
    "consent_evidence": ["stored_name", "content_type", "sha256"], "consent_record_item": ["key"],
    "interview": ["uid"], "outbox_message": ["message_id", "purpose", "method", "claim_token"],
    "consent_event": ["action"], "staff_notice": ["kind", "period"],
    "question_coverage": ["question_key", "theme_key"],
    # An interviewer's calendar: the address and password encrypted, the host, the server's
    # cache validators and our own error sentence. Analysts have no availability pages.
    "busy_calendar": ["sealed_url", "sealed_password", "address_hint", "etag", "last_modified",
                      "error"],
    "mailbox_message": ["message_id"],
    "offer_link": ["token_hash"],
    "member_check_link": ["token_hash"],
}
# Seeded through the services below; the others are checked when rows exist.
MUST_BE_SEEDED = {"informant", "interview", "consent_data_task", "consent_event",
                  "transcript_status_change", "outbox_message", "attendee_answer",
                  "counter_proposal"}
MARKER = re.compile(r"zqm\d\d")
# One marker per hidden column; append-only history gets it through the services instead.
MARKERS = {f"{table}.{column}": f"zqm{n:02d}" for n, (table, column) in enumerate(
    (table, column) for table, columns in sorted(HIDDEN_FROM_ANALYSTS.items())
    for column in columns)}
APPEND_ONLY = {"consent_event", "transcript_status_change"}


def text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text)) and not hasattr(column.type, "enum_class"):
                yield table, column


def classified(table, column):
    return any(column.name in groups.get(table.name, ())
               for groups in (HIDDEN_FROM_ANALYSTS, SHOWN_TO_ANALYSTS, NOT_FREE_TEXT))


def mark_hidden_columns():
    """Overwrite every hidden column of every row with its marker; {marker: column}."""
    for table, column in text_columns():
        if column.name not in HIDDEN_FROM_ANALYSTS.get(table.name, ()):
            continue
        marker = MARKERS[f"{table.name}.{column.name}"]
        rows = db.session.execute(select(table.c.id, column)).all()
        assert rows or table.name not in MUST_BE_SEEDED, f"nothing seeded in {table.name}"
        if table.name in APPEND_ONLY:
            assert any(marker in (value or "") for _, value in rows), table.name
            continue
        for row_id, _ in rows:
            db.session.execute(update(table).where(table.c.id == row_id)
                               .values({column.name: f"{marker}r{row_id}"}))
    db.session.commit()
    return {marker: column for column, marker in MARKERS.items()}


def text_of(response):
    if response.mimetype.endswith("spreadsheetml.sheet"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.data))
        return " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                        for cell in row if cell is not None)
    if response.mimetype == "application/zip":  # a REFI-QDA project: every file in it
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        return " ".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return response.get_data(as_text=True)


def test_every_text_column_of_every_model_is_classified(app):
    missing = [f"{t.name}.{c.name}" for t, c in text_columns() if not classified(t, c)]
    assert missing == []


def test_no_hidden_text_reaches_any_page_an_analyst_can_open(app, client, login_as):
    seed_study(note=MARKERS["consent_event.note"],
               transcript_note=MARKERS["transcript_status_change.note"])
    markers = mark_hidden_columns()
    login_as("analyst")
    seen, opened = {}, 0
    for url in page_urls(app, UserRole.ANALYST):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200:
            continue
        opened += 1
        for found in set(MARKER.findall(text_of(response))):
            seen.setdefault(markers.get(found, found), []).append(url)
    assert opened > 20
    assert seen == {}
