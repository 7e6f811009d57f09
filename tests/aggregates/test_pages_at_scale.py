"""The whole-study pages (dashboard, consent overview, pipeline board, documents with a theme
chosen, an interview's page) run as many SQL statements with many rows as with few, and the
pipeline board's bounded index walks pick exactly the cards a ranking of every interview would."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from fieldwork.documents.models import Document, Theme, document_theme
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews import pipeline
from fieldwork.interviews.models import (OPEN_STATUSES, Interview, InterviewStatus,
                                         TranscriptStatus, interview_informant)
from fieldwork.timeutil import to_local
from tests import factories

STATUSES = ["planned", "invited", "confirmed", "conducted", "conducted", "cancelled", "no-show"]


def _add_interviews(rng, now, count, *, informant_ids=(), guide_version_id):
    """`count` interviews in every state the board knows, some of them against the rules (an
    open interview with a recording) so the board is checked beyond what the services allow."""
    rows = []
    for n in range(count):
        starts_at = now + timedelta(hours=rng.randint(-24 * 60, 24 * 30))
        status = rng.choice(STATUSES)
        held = status == "conducted" or rng.random() < 0.05
        rows.append({
            "uid": f"scale-{rng.random()}@example.org", "sequence": 0, "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=1), "mode": "video",
            "guide_version_id": guide_version_id, "language": "nb", "status": status,
            "created_at": now, "updated_at": now,
            "transcript_status": rng.choice(list(TranscriptStatus)).value if held else "none",
            "transcript_updated_at": (starts_at + timedelta(days=rng.randint(0, 30))
                                      if held and rng.random() < 0.6 else None),
            "recording_location": "TSD" if held and rng.random() < 0.5 else "",
            "recording_delete_by": (to_local(now).date() + timedelta(days=rng.randint(-20, 20))
                                    if held else None),
            "recording_deleted_at": now if held and rng.random() < 0.2 else None})
    db.session.execute(insert(Interview), rows)
    if informant_ids:
        new = db.session.scalars(select(Interview.id).order_by(Interview.id.desc())
                                 .limit(count)).all()
        db.session.execute(insert(interview_informant), [
            {"interview_id": i, "informant_id": rng.choice(informant_ids)} for i in new])
    db.session.commit()


def _ranked_by_hand(now, per_column):
    """Each column's first cards and counts, from every interview on the board, in Python."""
    board = db.session.scalars(
        select(Interview).where(Interview.status.in_((*OPEN_STATUSES, InterviewStatus.CONDUCTED)))
        .options(selectinload(Interview.informants))).all()
    columns = {}
    for interview in board:
        key = (pipeline.SCHEDULED if interview.status.is_open
               else interview.transcript_status.value)
        since = (interview.starts_at if interview.status.is_open
                 else interview.transcript_updated_at or interview.starts_at)
        overdue = bool(pipeline.warnings(interview, now=now))
        columns.setdefault(key, []).append(((-overdue, since, interview.starts_at, interview.id),
                                            overdue))
    return {key: ([k[3] for k, _ in sorted(rows)[:per_column]], len(rows),
                  sum(o for _, o in rows)) for key, rows in columns.items()}


@pytest.mark.parametrize("seed", [3, 4])
def test_board_cards_are_those_of_a_ranking_of_every_interview(app, coordinator, now, seed):
    rng = random.Random(seed)
    app.config["TRANSCRIPT_STUCK_DAYS"] = 14
    version = factories.published_version(by=coordinator)
    _add_interviews(rng, now, 400, guide_version_id=version.id)
    for moment in (now, now + timedelta(days=9, hours=5), now - timedelta(days=30)):
        for per_column in (1, 3, 8):
            columns = pipeline.pipeline_board(now=moment, per_column=per_column)
            shown = {c.stage.key: ([card.interview.id for card in c.cards], c.total, c.overdue)
                     for c in columns if c.total}
            assert shown == _ranked_by_hand(moment, per_column)


def _grow(rng, now, *, informants, interviews, documents, guide_version_id, organisation, role):
    db.session.execute(insert(Informant), [
        {"code": f"GROW-{rng.random()}", "name": "Grown", "organisation_id": organisation.id,
         "role_id": role.id, "status": "agreed", "language": "nb", "job_title": "", "notes": "",
         "created_at": now, "updated_at": now} for _ in range(informants)])
    ids = db.session.scalars(select(Informant.id)).all()
    _add_interviews(rng, now, interviews, informant_ids=ids, guide_version_id=guide_version_id)
    db.session.execute(insert(Document), [
        {"title": "Grown", "document_type": "report", "governance_level": "regional",
         "reference": "", "status": "identified", "notes": "", "created_at": now,
         "updated_at": now, "issued_on": date(2025, 1, 1) + timedelta(days=n)}
        for n in range(documents)])
    themes = db.session.scalars(select(Theme.id)).all()
    new = db.session.scalars(select(Document.id).order_by(Document.id.desc())
                             .limit(documents)).all()
    db.session.execute(insert(document_theme), [{"document_id": d, "theme_id": t}
                                                for d in new for t in themes])
    db.session.commit()


def test_whole_study_pages_run_as_many_statements_with_many_rows(app, client, login_as, now):
    coordinator = login_as("coordinator")
    rng = random.Random(5)
    factories.make_consent_form("nb", by=coordinator)
    organisation, role = factories.make_organisation(), factories.make_role()
    version = factories.published_version(by=coordinator)
    db.session.add_all([Theme(name="AI", key="ai"), Theme(name="Law", key="law")])
    db.session.commit()
    grow = dict(guide_version_id=version.id, organisation=organisation, role=role)
    _grow(rng, now, informants=20, interviews=40, documents=5, **grow)
    theme = db.session.scalar(select(Theme.id))
    interview = db.session.scalar(select(Interview.id))
    pages = ["/", "/consent/", "/consent/?within_days=14", "/interviews/pipeline",
             f"/documents/?theme={theme}", f"/interviews/{interview}"]

    def statements():
        counts = {}
        for path in pages:
            assert client.get(path).status_code == 200, path  # computes what is kept
            counted = []
            listen = lambda *args: counted.append(args[2])  # noqa: E731
            db.event.listen(db.engine, "before_cursor_execute", listen)
            try:
                assert client.get(path).status_code == 200, path
            finally:
                db.event.remove(db.engine, "before_cursor_execute", listen)
            counts[path] = len(counted)
        return counts

    few = statements()
    _grow(rng, now, informants=300, interviews=600, documents=60, **grow)
    assert statements() == few
