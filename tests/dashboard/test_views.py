"""The dashboard and targets pages through HTTP: what each role sees, the chart, the targets form,
and a fixed number of queries whatever the amount of data."""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, insert, select

from fieldwork.dashboard import services
from fieldwork.dashboard.models import SamplingTarget
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews.models import Interview, interview_informant
from fieldwork.outbox.models import OutboxMessage
from tests import factories
from tests.dashboard.test_services import _conduct, _oslo


def _failed_email(informant_id=None):
    db.session.execute(insert(OutboxMessage).values(
        message_id="<failed-1@example.org>", purpose="interview_invite",
        recipient_email="person@example.org", informant_id=informant_id,
        subject="Invitation to a research interview 12.03.2026", status="failed",
        attempts=8, last_error="550 mailbox unavailable",
        next_attempt_at=datetime(2026, 3, 1, tzinfo=timezone.utc),
        created_at=datetime(2026, 3, 1, tzinfo=timezone.utc)))
    db.session.commit()


@pytest.fixture
def busy_week(app, frame):
    """At noon on Wednesday 11 March 2026: one interview this week, one failed email."""
    local, national, radiologist, lead = frame
    informant = factories.make_informant(local, radiologist, name="Kari Nordmann", status="agreed")
    user = factories.make_user("coordinator")
    factories.make_interview(informants=[informant], by=user,
                             now=datetime(2026, 3, 1, tzinfo=timezone.utc),
                             start=_oslo(2026, 3, 12, 10), send_invites=False)
    services.set_targets({(local.id, radiologist.id): 2}, by=user)
    _failed_email(informant.id)
    return informant


def _bulk(organisations, roles, informants, interviews, start):
    """Add informants (each with one conducted interview in the past) with plain inserts."""
    guide_version = factories.published_version()
    base = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
    db.session.execute(insert(Informant), [
        {"code": f"BULK-{start + n:05d}", "name": f"Bulk {start + n}", "email": None,
         "organisation_id": organisations[n % len(organisations)].id,
         "role_id": roles[n % len(roles)].id, "job_title": "", "language": "nb",
         "status": "agreed", "notes": ""} for n in range(informants)])
    ids = db.session.scalars(select(Informant.id).where(Informant.code.like("BULK-%"))
                             .order_by(Informant.id.desc()).limit(informants)).all()
    db.session.execute(insert(Interview), [
        {"uid": f"bulk-{start + n}@example.org", "sequence": 0,
         "starts_at": base + timedelta(hours=n + start), "ends_at": base + timedelta(hours=n + start, minutes=60),
         "mode": "video", "guide_version_id": guide_version.id, "language": "nb",
         "status": "conducted"} for n in range(interviews)])
    interview_ids = db.session.scalars(select(Interview.id).where(Interview.uid.like("bulk-%"))
                                       .order_by(Interview.id.desc()).limit(interviews)).all()
    db.session.execute(insert(interview_informant), [
        {"interview_id": iv, "informant_id": ids[n % len(ids)]} for n, iv in enumerate(interview_ids)])
    db.session.commit()


@pytest.mark.parametrize("role", ["coordinator", "analyst"])
def test_dashboard_is_the_start_page_and_analysts_see_codes_only(client, login_as, busy_week, role):
    with time_machine.travel(_oslo(2026, 3, 11, 12), tick=True):
        login_as(role)
        response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sampling matrix" in html and "Vestre Viken HT" in html
    assert busy_week.code in html  # this week's interview
    assert 'aria-label="Radiologist at VVHT: target 2, recruited 1, consented 0, interviewed 0"' in html
    if role == "analyst":
        assert "Kari Nordmann" not in html and "Failed emails" not in html
        assert "Edit targets" not in html
    else:
        assert "Kari Nordmann" in html and "1 email could not be delivered" in html
        assert "Invitation to a research interview 12.03.2026" in html
    assert "person@example.org" not in html


def test_dashboard_draws_progress_as_svg_without_inline_style(client, login_as, frame):
    local, _, radiologist, _ = frame
    user = login_as("researcher")
    made = factories.make_interview(informants=[factories.make_informant(local, radiologist)],
                                    by=factories.make_user("coordinator"),
                                    now=datetime(2026, 1, 1, tzinfo=timezone.utc),
                                    start=_oslo(2026, 1, 14, 10), send_invites=False)
    _conduct(made)
    html = client.get("/").get_data(as_text=True)
    assert "<svg" in html and 'class="line"' in html and "Interviews conducted" in html
    assert "style=" not in html and "<script" not in html
    assert user


def test_targets_page_saves_and_refuses_bad_numbers_beside_the_cell(client, login_as, frame):
    local, _, radiologist, lead = frame
    login_as("coordinator")
    name = f"target_{local.id}_{radiologist.id}"
    assert client.get("/targets").status_code == 200
    response = client.post("/targets", data={name: "-1"})
    assert response.status_code == 422
    assert "A target is a number from 0 to 999." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SamplingTarget)) == 0
    response = client.post("/targets", data={name: "4", f"target_{local.id}_{lead.id}": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(SamplingTarget.target)) == 4


def test_only_coordinators_and_admins_edit_targets(client, login_as, frame):
    login_as("researcher")
    assert client.get("/targets").status_code == 403


@pytest.mark.parametrize("url", ["/", "/interviews/?when=all", "/informants/", "/documents/"])
def test_pages_run_the_same_number_of_statements_for_few_and_many(client, login_as, count_queries,
                                                                  frame, url):
    local, national, radiologist, lead = frame
    login_as("coordinator")
    counts = []
    for informants, interviews, start in ((4, 6, 0), (300, 900, 1000)):
        _bulk([local, national], [radiologist, lead], informants, interviews, start)
        with count_queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(count_queries.count)
    assert counts[0] == counts[1], counts
