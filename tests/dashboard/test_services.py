"""The dashboard's services without HTTP: the sampling matrix, targets, this week's interviews, the
progress chart, and the consent alerts."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from fieldwork.audit.models import AuditEvent
from fieldwork.dashboard import progress, services
from fieldwork.dashboard.models import SamplingTarget
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.informants.models import Informant
from fieldwork.interviews.models import Interview, InterviewStatus
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")


def _oslo(*args):
    return datetime(*args, tzinfo=OSLO)


def _conduct(*interviews):
    db.session.execute(update(Interview).where(Interview.id.in_([i.id for i in interviews]))
                       .values(status=InterviewStatus.CONDUCTED))
    db.session.commit()


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
    data = progress.progress(_oslo(2026, 2, 25, 12))
    assert [m.isoformat() for m in data.weeks] == ["2026-02-02", "2026-02-09", "2026-02-16",
                                                   "2026-02-23"]
    assert data.conducted == [2, 2, 3, 3]
    chart = progress.progress_chart(data)
    assert chart.last[2] == 3 and len(chart.points.split()) == 4
    assert [label for _, label in chart.y_ticks] == ["0", "1", "2", "3"]
    assert [label for _, label in chart.x_ticks][0] == "W6"
    assert progress.progress(_oslo(2026, 2, 25, 12), weeks=2).weeks[0].isoformat() == "2026-02-16"


@pytest.mark.parametrize("peak, step", [(0, 1), (3, 1), (7, 2), (12, 5), (48, 10), (20000, 5000)])
def test_chart_ticks_are_round_numbers(peak, step):
    assert progress._nice_step(peak) == step


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
