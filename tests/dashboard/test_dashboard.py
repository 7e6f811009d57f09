"""The dashboard: sampling matrix, targets, this week's interviews, failed emails, progress chart;
what each role sees, and a fixed number of queries whatever the amount of data."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, insert, select, update

from fieldwork.audit.models import AuditEvent
from fieldwork.dashboard import services
from fieldwork.dashboard.models import SamplingTarget
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews.models import Interview, InterviewStatus, interview_informant
from fieldwork.outbox.models import OutboxMessage
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")


def _oslo(*args):
    return datetime(*args, tzinfo=OSLO)


def _conduct(*interviews):
    db.session.execute(update(Interview).where(Interview.id.in_([i.id for i in interviews]))
                       .values(status=InterviewStatus.CONDUCTED))
    db.session.commit()


@pytest.fixture
def frame(app):
    """Two organisations on two governance levels and two roles."""
    local = factories.make_organisation(name="Vestre Viken HT", code="VVHT", level="local")
    national = factories.make_organisation(name="Directorate", code="NDE", level="national")
    radiologist = factories.make_role(name="Radiologist", code="RAD")
    lead = factories.make_role(name="Project lead", code="PL")
    return local, national, radiologist, lead


def test_matrix_counts_recruited_and_interviewed_per_organisation_and_role(app, frame):
    local, national, radiologist, lead = frame
    coordinator = factories.make_user("coordinator")
    past = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    agreed = factories.make_informant(local, radiologist, status="agreed")
    interviewed = factories.make_informant(local, radiologist, status="interviewed")
    factories.make_informant(local, radiologist, status="identified")
    withdrawn = factories.make_informant(local, radiologist, status="agreed")
    factories.make_informant(national, lead, status="agreed")
    done = factories.make_interview(informants=[interviewed], by=coordinator, now=past,
                                    send_invites=False)
    gone = factories.make_interview(informants=[withdrawn], by=coordinator, now=past,
                                    start=_oslo(2026, 1, 20, 14), send_invites=False)
    factories.make_interview(informants=[agreed], by=coordinator, now=past,
                             start=_oslo(2026, 1, 21, 14), send_invites=False)  # still planned
    _conduct(done, gone)
    db.session.execute(update(Informant).where(Informant.id == withdrawn.id)
                       .values(status="withdrawn"))  # after the interview
    db.session.commit()
    services.set_targets({(local.id, radiologist.id): 3, (national.id, lead.id): 1},
                         by=coordinator)

    matrix = services.sampling_matrix()
    cell = matrix.cell(local.id, radiologist.id)
    assert (cell.target, cell.recruited, cell.consented, cell.interviewed) == (3, 2, 0, 1)
    other = matrix.cell(national.id, lead.id)
    assert (other.target, other.recruited, other.interviewed) == (1, 1, 0)
    assert matrix.cell(national.id, radiologist.id).is_empty
    assert [level.value for level, _ in matrix.levels] == ["national", "local"]
    assert matrix.total.recruited == 3 and matrix.total.target == 4
    assert matrix.role_totals[radiologist.id].interviewed == 1


def test_set_targets_audits_changes_and_zero_removes_a_target(app, frame):
    local, national, radiologist, lead = frame
    user = factories.make_user("coordinator")
    assert services.set_targets({(local.id, radiologist.id): 2, (local.id, lead.id): None},
                                by=user) == 1
    assert services.set_targets({(local.id, radiologist.id): 2}, by=user) == 0
    assert services.set_targets({(local.id, radiologist.id): 0}, by=user) == 1
    assert db.session.scalar(select(func.count()).select_from(SamplingTarget)) == 0
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sampling_target.update")
                                .order_by(AuditEvent.id)).all()
    key = f"{local.id}:{radiologist.id}"
    assert [(e.before, e.after) for e in events] == [({key: None}, {key: 2}), ({key: 2}, {key: None})]


def test_set_targets_refuses_out_of_range_and_unknown_cells(app, frame):
    local, _, radiologist, _ = frame
    user = factories.make_user("admin")
    with pytest.raises(DomainError) as raised:
        services.set_targets({(local.id, radiologist.id): 1000}, by=user)
    assert raised.value.field == f"target_{local.id}_{radiologist.id}"
    db.session.rollback()
    with pytest.raises(DomainError):
        services.set_targets({(999, radiologist.id): 1}, by=user)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SamplingTarget)) == 0


def test_this_week_is_the_oslo_week_across_the_daylight_saving_change(app, frame):
    """Sunday 29 March 2026 (clocks go forward): the week began Monday 23 March 00:00 Oslo time,
    which is 22 March 23:00 UTC."""
    local, _, radiologist, _ = frame
    user = factories.make_user("coordinator")
    before = datetime(2026, 3, 1, tzinfo=timezone.utc)
    first = factories.make_interview(informants=[factories.make_informant(local, radiologist)],
                                     by=user, now=before, start=_oslo(2026, 3, 23, 0, 30),
                                     send_invites=False)
    last = factories.make_interview(informants=[factories.make_informant(local, radiologist)],
                                    by=user, now=before, start=_oslo(2026, 3, 29, 22, 0),
                                    send_invites=False)
    for outside in (_oslo(2026, 3, 22, 22, 0), _oslo(2026, 3, 30, 0, 30)):
        factories.make_interview(informants=[factories.make_informant(local, radiologist)],
                                 by=user, now=before, start=outside, send_invites=False)
    now = _oslo(2026, 3, 29, 12, 0)
    week = services.interviews_this_week(now)
    assert [i.id for i in week.interviews] == [first.id, last.id] and week.total == 2
    assert week.start.isoformat() == "2026-03-23"
    shortened = services.interviews_this_week(now, limit=1)
    assert [i.id for i in shortened.interviews] == [first.id] and shortened.total == 2


def test_progress_is_cumulative_per_week_and_the_chart_scales_to_it(app, frame):
    local, _, radiologist, _ = frame
    user = factories.make_user("coordinator")
    before = datetime(2026, 1, 1, tzinfo=timezone.utc)
    made = [factories.make_interview(informants=[factories.make_informant(local, radiologist)],
                                     by=user, now=before, start=start, send_invites=False)
            for start in (_oslo(2026, 2, 2, 10), _oslo(2026, 2, 4, 10), _oslo(2026, 2, 18, 10),
                          _oslo(2026, 2, 19, 10))]
    _conduct(*made[:3])  # the fourth was not conducted
    data = services.progress(_oslo(2026, 2, 25, 12))
    assert [m.isoformat() for m in data.weeks] == ["2026-02-02", "2026-02-09", "2026-02-16",
                                                   "2026-02-23"]
    assert data.conducted == [2, 2, 3, 3]
    chart = services.progress_chart(data)
    assert chart.last[2] == 3 and len(chart.points.split()) == 4
    assert [label for _, label in chart.y_ticks] == ["0", "1", "2", "3"]
    assert [label for _, label in chart.x_ticks][0] == "W6"
    assert services.progress(_oslo(2026, 2, 25, 12), weeks=2).weeks[0].isoformat() == "2026-02-16"


@pytest.mark.parametrize("peak, step", [(0, 1), (3, 1), (7, 2), (12, 5), (48, 10), (20000, 5000)])
def test_chart_ticks_are_round_numbers(peak, step):
    assert services._nice_step(peak) == step


# Pages


def _failed_email(informant_id=None):
    db.session.execute(insert(OutboxMessage).values(
        message_id="<failed-1@example.org>", purpose="interview_invite",
        recipient_email="person@example.org", informant_id=informant_id,
        subject="Invitation to a research interview 12.03.2026", raw=b"x", status="failed",
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


# A fixed number of statements, whatever the amount of data


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


def test_consented_counts_and_alerts_come_from_the_consent_gate(app, frame, now):
    """Participation consent counts in the matrix; an interview in the next 7 days with an
    informant whose consent does not hold raises an alert naming the code only."""
    local, _, radiologist, _ = frame
    user = factories.make_user("coordinator")
    factories.make_consent_form()
    with_consent = factories.make_informant(local, radiologist, status="agreed")
    without = factories.make_informant(local, radiologist, status="agreed", name="Åse Øvrebø")
    factories.give_consent(with_consent, by=user, now=now)
    soon = factories.make_interview(informants=[with_consent, without], by=user, now=now,
                                    start=now + timedelta(days=2), send_invites=False)
    factories.make_interview(informants=[without], by=user, start=now + timedelta(days=9),
                             now=now, send_invites=False)  # beyond the 7 days
    assert services.sampling_matrix().cell(local.id, radiologist.id).consented == 1
    alerts = services.consent_alerts(now)
    assert [(a.code, a.interview_id) for a in alerts] == [(without.code, soon.id)]
    assert "not requested" in alerts[0].problem and "Øvrebø" not in alerts[0].problem
