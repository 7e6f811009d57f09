"""`flask demo load`: the study's organisations and invented informants, into an empty database only."""

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldwork.auth.models import User
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.organisations.models import Organisation


def test_demo_load_fills_an_empty_database_and_prints_the_password_once(app, runner, client):
    """The demo coordinator can log in with the password printed."""
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    codes = set(db.session.scalars(select(Organisation.code)))
    assert {"VVHT", "VHT", "HSØ", "HOD"} <= codes
    assert db.session.scalar(select(db.func.count()).select_from(Informant)) >= 10
    password = result.output.split("with the password ")[1].split()[0]
    response = client.post("/login", data={"email": "coordinator@example.org", "password": password})
    assert response.status_code == 302
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code != 0 and "already has data" in again.output
    quiet = runner.invoke(args=["demo", "load", "--if-empty"])
    assert quiet.exit_code == 0 and "password" not in quiet.output
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_demo_data_has_published_guides_planned_and_conducted_interviews(app, runner):
    from fieldwork.consent.gates import consent_summaries
    from fieldwork.guides.models import GuideVersion, VersionStatus
    from fieldwork.interviews.models import Interview, InterviewStatus, TranscriptStatus

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    versions = db.session.scalars(select(GuideVersion)).all()
    assert versions and all(v.status is VersionStatus.PUBLISHED for v in versions)
    interviews = db.session.scalars(select(Interview)
                                    .options(selectinload(Interview.informants))).all()
    now = datetime.now(timezone.utc)
    upcoming = [i for i in interviews if i.starts_at > now]
    held = [i for i in interviews if i.starts_at <= now]
    assert len(upcoming) >= 3 and {i.status for i in upcoming} == {InterviewStatus.PLANNED}
    # Held interviews are conducted, under consent, at different transcript stages.
    assert len(held) >= 3 and {i.status for i in held} == {InterviewStatus.CONDUCTED}
    assert len({i.transcript_status for i in held}) >= 3
    assert TranscriptStatus.CODED in {i.transcript_status for i in held}
    informant_ids = [i.id for interview in held for i in interview.informants]
    assert all(s.may_participate for s in consent_summaries(informant_ids).values())


def test_demo_data_has_active_consent_forms_and_consent_in_various_states(app, runner):
    from fieldwork.consent import services as consent
    from fieldwork.consent.gates import consent_summaries
    from fieldwork.consent.models import ConsentStatus
    from fieldwork.outbox.models import OutboxMessage, OutboxStatus

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    for language in ("nb", "en"):
        version = consent.active_version(language)
        assert version is not None and len(version.items) == 4
        assert "Sikt" in version.approval_reference
    ids = db.session.scalars(select(Informant.id)).all()
    statuses = {s.status for s in consent_summaries(ids).values()}
    assert {ConsentStatus.NOT_REQUESTED, ConsentStatus.REQUESTED, ConsentStatus.GIVEN,
            ConsentStatus.PARTLY_GIVEN, ConsentStatus.DECLINED, ConsentStatus.WITHDRAWN} <= statuses
    # Invented people are never written to.
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == OutboxStatus.PENDING)) == 0


def test_demo_data_has_the_white_papers_and_sampling_targets(app, runner):
    from fieldwork.dashboard.models import SamplingTarget
    from fieldwork.documents.models import Document

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    references = set(db.session.scalars(select(Document.reference)))
    assert {"Meld. St. 9 (2012–2013)", "Meld. St. 7 (2019–2020)"} <= references
    assert db.session.scalar(select(db.func.count()).select_from(SamplingTarget)) >= 10
