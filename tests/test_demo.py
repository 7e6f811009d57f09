"""`flask demo load`: the study's organisations and invented informants, into an empty database only."""

from sqlalchemy import select

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


def test_demo_data_has_published_guides_and_planned_interviews(app, runner):
    from fieldwork.guides.models import GuideVersion, VersionStatus
    from fieldwork.interviews.models import Interview, InterviewStatus

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    versions = db.session.scalars(select(GuideVersion)).all()
    assert versions and all(v.status is VersionStatus.PUBLISHED for v in versions)
    interviews = db.session.scalars(select(Interview)).all()
    assert len(interviews) >= 3
    assert {i.status for i in interviews} == {InterviewStatus.PLANNED}


def test_demo_data_has_the_white_papers_and_sampling_targets(app, runner):
    from fieldwork.dashboard.models import SamplingTarget
    from fieldwork.documents.models import Document

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    references = set(db.session.scalars(select(Document.reference)))
    assert {"Meld. St. 9 (2012–2013)", "Meld. St. 7 (2019–2020)"} <= references
    assert db.session.scalar(select(db.func.count()).select_from(SamplingTarget)) >= 10
