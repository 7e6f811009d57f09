"""A study with a row of every kind the pages show, and every page a role may open: shared by
the crawls that check what each role sees (tests/auth/test_analyst_crawl.py) and in which
language (tests/platform/test_languages.py)."""

import itertools
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fieldwork.consent import services as consent
from fieldwork.documents import services as documents
from fieldwork.extensions import db
from fieldwork.interviews import afterwards
from fieldwork.replies import services as replies
from tests import factories
from tests.replies import messages as answers

OSLO = ZoneInfo("Europe/Oslo")


def seed_study(*, note="Noted", transcript_note="Transcribed", letter=factories.LETTER):
    """Every kind of row an analyst's pages show, through the services, free text filled in."""
    coordinator = factories.make_user(role="coordinator")
    organisation = factories.make_organisation()
    role = factories.make_role()
    version = factories.make_consent_form("nb", by=coordinator, letter_markdown=letter)
    kept = factories.make_informant(organisation, role, phone="91234567", job_title="Lead",
                                    notes="Prefers mornings")
    gone = factories.make_informant(organisation, role)
    consent.request_consent(gone, by=coordinator)  # an outbox row with subject and address
    factories.give_consent(kept, by=coordinator, note=note)
    day = datetime.now(OSLO).date() - timedelta(days=2)
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=OSLO)
    guide_version = factories.published_version(by=coordinator)
    held = factories.make_interview(by=coordinator, informants=[kept], start=start,
                                    now=start - timedelta(days=7), guide_version=guide_version,
                                    place="At home", notes="Bring cake", mode="in-person")
    afterwards.mark_conducted(held, by=coordinator)
    afterwards.update_notes(held, {"field_notes": "Talked", "reflexive_memo": "Memo"},
                            by=coordinator)
    afterwards.register_recording(held, {"recording_location": "Folder"}, by=coordinator)
    afterwards.set_transcript_status(held, "transcribed", by=coordinator, note=transcript_note)
    factories.make_interview(by=coordinator, informants=[gone], guide_version=guide_version,
                             place="Office", notes="Ahead")
    # Calendar answers read from the mailbox: a comment, and a proposal with its address.
    answered = factories.make_interview(by=coordinator, informants=[kept],
                                        guide_version=guide_version, place="Office",
                                        start=start + timedelta(days=10))
    for raw in (answers.thunderbird(answered.uid, 0, kept.email, comment="Hidden"),
                answers.counter(answered.uid, 0, kept.email, start + timedelta(days=11),
                                start + timedelta(days=11, hours=1))):
        replies.handle_message(raw, now=datetime.now(OSLO))
    consent.withdraw_consent(gone, by=coordinator, note=note)
    for task in consent.data_tasks_of(gone.id):
        consent.complete_data_task(task, by=coordinator, note="Deleted, laptop")
    documents.create_document({
        "title": "Strategy", "document_type": "white-paper", "organisation_id": "",
        "governance_level": "national", "issued_on": date(2026, 1, 5), "reference": "",
        "status": "analysed", "themes": "Trust", "notes": "Merknad",
        "informant_codes": kept.code, "interview_ids": str(held.id)}, by=coordinator)
    return version



# Which rows a number in a URL names, by the argument's name.
ID_SOURCES = {"informant_id": "informant", "interview_id": "interview", "guide_id": "guide",
              "document_id": "document", "organisation_id": "organisation", "role_id": "role",
              "task_id": "consent_data_task", "message_id": "outbox_message",
              "evidence_id": "consent_evidence", "version_id": "consent_form_version"}


def ids_for(name):
    if name == "number":  # a guide version's number
        return [str(n) for n in range(1, 4)]
    table = db.metadata.tables.get(ID_SOURCES.get(name, name.removesuffix("_id")))
    if table is None:  # a number the seeded study has no rows for
        return []
    return [str(i) for i in db.session.execute(select(table.c.id)).scalars()]


def page_urls(app, role):
    """Every GET page `role` may open, with every id of the rows each number names."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "GET" not in rule.methods or role not in getattr(view, "allowed_roles", ()):
            continue
        choices = []
        for part in re.split(r"(<[^>]+>)", rule.rule):
            if part.startswith("<int:"):
                choices.append(ids_for(part[5:-1]))
            elif part.startswith("<any("):
                choices.append([c.strip(" '") for c in part[5:part.index(")")].split(",")])
            elif part.startswith("<"):
                choices.append(["x"])
            else:
                choices.append([part])
        for combination in itertools.product(*choices):
            yield "".join(combination)
