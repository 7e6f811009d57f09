"""The study-wide figures kept between requests (the sampling matrix, weekly progress, the
pipeline's column counts, the theme facet) and the consent standing stored on each informant
always equal a fresh computation from the data, whatever changed them."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload

from fieldwork.consent import services as consent
from fieldwork.consent.gates import consent_summaries
from fieldwork.dashboard import progress
from fieldwork.dashboard import services as dashboard
from fieldwork.documents import services as documents
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews import afterwards, pipeline
from fieldwork.interviews import services as interviews
from fieldwork.interviews.models import OPEN_STATUSES, Interview, InterviewStatus, TranscriptStatus
from tests import factories


def _expected_standing():
    """{informant id: (next open interview, at risk since, rank)} computed from the data."""
    informants = db.session.scalars(select(Informant)).all()
    open_interviews = db.session.scalars(
        select(Interview).where(Interview.status.in_(OPEN_STATUSES))
        .options(selectinload(Interview.informants))).all()
    earliest = {}
    for interview in open_interviews:
        for informant in interview.informants:
            earliest[informant.id] = min(earliest.get(informant.id, interview.starts_at),
                                         interview.starts_at)
    summaries = consent_summaries(i.id for i in informants)
    expected = {}
    for informant in informants:
        first = earliest.get(informant.id)
        at_risk = first if first and not summaries[informant.id].may_participate else None
        expected[informant.id] = (first, at_risk, 0 if at_risk else 1)
    return expected


def _stored_standing():
    return {row.id: (row.next_open_at, row.at_risk_at, row.risk_rank) for row in
            db.session.execute(select(Informant.id, Informant.next_open_at, Informant.at_risk_at,
                                      Informant.risk_rank))}


def assert_figures_fresh(now):
    """What a page shows now (kept figures where kept) equals a fresh computation."""
    db.session.expire_all()
    matrix = dashboard.sampling_matrix()
    shown = {key: (cell.recruited, cell.consented, cell.interviewed)
             for key, cell in matrix.cells.items() if cell.recruited or cell.consented
             or cell.interviewed}
    fresh = {key: counts for key, counts in dashboard._matrix_counts().items() if any(counts)}
    assert shown == fresh
    monday, _, _ = progress.week_bounds(progress.to_local(now).date())
    assert progress.progress(now) == progress._progress(monday, progress.CHART_WEEKS)
    assert pipeline.column_counts(now=now) == pipeline._column_counts(now=now)[2]
    assert documents.theme_choices() == documents._theme_choices()
    assert _stored_standing() == _expected_standing()


def _operations(rng, frame, coordinator, now):
    local, national, radiologist, lead = frame
    informants = lambda: db.session.scalars(select(Informant)).all()  # noqa: E731
    open_interviews = lambda: db.session.scalars(  # noqa: E731
        select(Interview).where(Interview.status.in_(OPEN_STATUSES))
        .options(selectinload(Interview.informants), selectinload(Interview.guide_version))).all()
    conducted = lambda: db.session.scalars(  # noqa: E731
        select(Interview).where(Interview.status == InterviewStatus.CONDUCTED)).all()

    def add_informant():
        factories.make_informant(organisation=rng.choice([local, national]),
                                 role=rng.choice([radiologist, lead]))

    def schedule():
        chosen = rng.sample(informants(), min(len(informants()), rng.randint(1, 2)))
        start = now + timedelta(days=rng.randint(-20, 30), hours=rng.randint(0, 9))
        factories.make_interview(informants=chosen, interviewers=[coordinator], by=coordinator,
                                 start=start, now=start - timedelta(days=1), send_invites=False)

    def give():
        factories.give_consent(rng.choice(informants()), by=coordinator, now=now)

    def withdraw():
        consent.withdraw_consent(rng.choice(informants()), by=coordinator, now=now)

    def cancel():
        interviews.cancel_interview(rng.choice(open_interviews()), by=coordinator, now=now)

    def reschedule():
        interview = rng.choice(open_interviews())
        values = factories.interview_values(  # with someone else, now and then
            informants=rng.sample(informants(), min(len(informants()), rng.randint(1, 2))),
            interviewers=[coordinator],
            start=interview.starts_at + timedelta(days=rng.randint(-3, 3)),
            guide_version=interview.guide_version)
        interviews.reschedule_interview(interview, values, by=coordinator,
                                        now=interview.starts_at - timedelta(days=5))

    def conduct():
        interview = rng.choice(open_interviews())
        afterwards.mark_conducted(interview, by=coordinator,
                                  now=interview.starts_at + timedelta(hours=2))

    def transcript():
        interview = rng.choice(conducted())
        afterwards.set_transcript_status(interview, rng.choice(list(TranscriptStatus)),
                                         by=coordinator, now=now)

    def document():
        documents.create_document(
            {"title": "A plan", "document_type": "white-paper", "organisation_id": None,
             "governance_level": "national", "issued_on": "2025-11-22", "reference": "",
             "status": "identified", "themes": ", ".join(rng.sample(["AI", "PACS", "law"], 2)),
             "notes": "", "informant_codes": "", "interview_ids": ""}, by=coordinator)

    def bulk_informants():
        start = len(informants())
        db.session.execute(insert(Informant), [
            {"code": f"BULK-{start + n}", "name": f"Bulk {n}",
             "email": f"bulk{start + n}@example.org", "organisation_id": local.id,
             "role_id": lead.id, "status": rng.choice(["agreed", "interviewed", "identified"]),
             "language": "nb", "job_title": "", "notes": "", "created_at": now,
             "updated_at": now} for n in range(3)])
        db.session.commit()

    def bulk_status():
        db.session.execute(update(Informant).where(Informant.id == rng.choice(informants()).id)
                           .values(status=rng.choice(["agreed", "withdrawn", "declined"])))
        db.session.commit()

    def bulk_cancel():
        interview = rng.choice(open_interviews())
        db.session.execute(update(Interview).where(Interview.id == interview.id)
                           .values(status=InterviewStatus.CANCELLED))
        db.session.commit()

    return [add_informant, schedule, schedule, schedule, schedule, give, give, withdraw, cancel,
            reschedule, conduct, conduct, transcript, transcript, document, bulk_informants,
            bulk_status, bulk_cancel]


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_figures_equal_a_fresh_computation_after_any_change(app, frame, coordinator, now,
                                                                 seed):
    rng = random.Random(seed)
    factories.make_consent_form("nb", by=coordinator)
    for _ in range(4):
        factories.make_informant(organisation=frame[0], role=frame[2])
    operations = _operations(rng, frame, coordinator, now)
    assert_figures_fresh(now)
    done = 0
    for _ in range(40):
        operation = rng.choice(operations)
        try:
            operation()
        except (DomainError, IndexError):  # not possible just now (no such row, or refused)
            db.session.rollback()
            continue
        done += 1
        assert_figures_fresh(now)
        assert_figures_fresh(now + timedelta(days=rng.randint(0, 40)))
    assert done >= 20


def test_a_figure_is_kept_until_the_study_changes(app, frame, count_queries):
    factories.make_informant(organisation=frame[0], role=frame[2])
    dashboard.sampling_matrix()
    with count_queries:
        dashboard.sampling_matrix()
    assert not any("GROUP BY" in s for s in count_queries.statements)
    factories.make_informant(organisation=frame[0], role=frame[2])
    with count_queries:
        matrix = dashboard.sampling_matrix()
    assert any("GROUP BY" in s for s in count_queries.statements)
    assert matrix.total.recruited == 0 and len(db.session.scalars(select(Informant)).all()) == 2


def test_refresh_command_recomputes_after_a_change_made_outside_the_app(app, frame, runner):
    person = factories.make_informant(organisation=frame[0], role=frame[2])
    assert dashboard.sampling_matrix().total.recruited == 0
    with db.engine.begin() as connection:  # as psql would: no session, no version raised
        connection.execute(update(Informant).where(Informant.id == person.id)
                           .values(status="agreed"))
    db.session.rollback()
    assert dashboard.sampling_matrix().total.recruited == 0  # still the kept figure
    result = runner.invoke(args=["aggregates", "refresh"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert dashboard.sampling_matrix().total.recruited == 1
