"""What the dashboard shows: the sampling matrix, this week's interviews, consent alerts, failed
emails and progress over time (fieldwork.dashboard.progress). Each part runs a fixed number of
queries, whatever the number of informants and interviews.

Definitions used in the sampling matrix (per organisation and role):
- recruited: informants whose recruitment status is agreed or interviewed (they said yes and have
  not declined or withdrawn since);
- consented: informants whose participation consent currently holds;
- interviewed: informants with at least one conducted interview who have not withdrawn.

A cell is *small* (a re-identification risk, fieldwork.exports.risk) when 0 < interviewed < k
(FIELDWORK_MIN_CELL_SIZE): the informants in the data for analysis, not those still to come.
The same holds for governance level × role, summed over the level's organisations.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from .. import aggregates, audit
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..replies.services import open_declines
from ..informants.models import Informant, RecruitmentStatus
from ..interviews import queries as interviews
from ..consent.gates import consent_summaries, participation_consented_ids
from ..interviews.models import OPEN_STATUSES, Interview, InterviewStatus, interview_informant
from ..organisations.models import GovernanceLevel, Organisation, Role
from ..outbox import services as outbox
from ..outbox.models import OutboxStatus
from ..timeutil import to_local
from .models import SamplingTarget
from .progress import Chart, Progress, progress, progress_chart, week_bounds

# A small cell summed over a governance level, said as a whole phrase per level.
LEVEL_CELLS = {
    "national": _l("%(role)s at national level"),
    "regional": _l("%(role)s at regional level"),
    "local": _l("%(role)s at local level"),
    "vendor": _l("%(role)s at vendor level"),
    "research": _l("%(role)s at research level"),
}
# Why an informant soon to be interviewed has no participation consent, per consent status.
CONSENT_PROBLEMS = {
    "not-requested": _l("participation consent not requested"),
    "requested": _l("participation consent requested"),
    "given": _l("participation consent given"),
    "partly-given": _l("participation consent partly given"),
    "declined": _l("participation consent declined"),
    "withdrawn": _l("participation consent withdrawn"),
}

RECRUITED_STATUSES = (RecruitmentStatus.AGREED, RecruitmentStatus.INTERVIEWED)
MAX_TARGET = 999
ALERT_DAYS = 7
ALERT_LIMIT = 20
WEEK_LIMIT = 50


# The sampling matrix


@dataclass
class Cell:
    target: int | None = None
    recruited: int = 0
    consented: int = 0
    interviewed: int = 0

    @property
    def is_empty(self):
        return not (self.target or self.recruited or self.consented or self.interviewed)

    @property
    def is_met(self):
        return bool(self.target) and self.interviewed >= self.target

    def add(self, other):
        self.target = (self.target or 0) + (other.target or 0) if (self.target or other.target) else None
        self.recruited += other.recruited
        self.consented += other.consented
        self.interviewed += other.interviewed


@dataclass
class Matrix:
    """Roles (rows) × organisations (columns, grouped by governance level)."""

    levels: list  # [(GovernanceLevel, [Organisation, ...])], levels in their enum order
    roles: list
    cells: dict  # (organisation_id, role_id) -> Cell
    role_totals: dict = field(default_factory=dict)  # role_id -> Cell
    total: Cell = field(default_factory=Cell)
    min_cell_size: int = 3

    def is_small(self, cell):
        """Fewer than k informants interviewed, but some: one could be recognised."""
        return 0 < cell.interviewed < self.min_cell_size

    @property
    def small_cells(self):
        """[(text, interviewed)] for every small organisation × role and governance level ×
        role, in the matrix's order: the marks said in words as well as shown."""
        found = []
        for role in self.roles:
            for level, group in self.levels:
                at_level = sum(self.cell(o.id, role.id).interviewed for o in group)
                if 0 < at_level < self.min_cell_size:
                    found.append((str(LEVEL_CELLS[level.value]) % {"role": role.name},
                                  at_level))
                for organisation in group:
                    cell = self.cell(organisation.id, role.id)
                    if self.is_small(cell):
                        found.append((_("%(role)s at %(organisation)s", role=role.name,
                                        organisation=organisation.code), cell.interviewed))
        return found

    @property
    def organisations(self):
        return [o for _, group in self.levels for o in group]

    def cell(self, organisation_id, role_id):
        return self.cells.get((organisation_id, role_id)) or Cell()


def _conducted_informant_ids():
    return (select(interview_informant.c.informant_id)
            .join(Interview, Interview.id == interview_informant.c.interview_id)
            .where(Interview.status == InterviewStatus.CONDUCTED))


def _consented_informant_ids():
    """Informants whose participation consent holds, as a subquery."""
    return participation_consented_ids()


def _matrix_counts():
    """{(organisation id, role id): (recruited, consented, interviewed)}, over every informant."""
    consented = _consented_informant_ids()
    # An outer join to the distinct interviewed informants: cheaper on PostgreSQL than an IN
    # inside the CASE, which it re-evaluates row by row.
    conducted = _conducted_informant_ids().distinct().subquery()
    counts = select(
        Informant.organisation_id, Informant.role_id,
        func.sum(case((Informant.status.in_(RECRUITED_STATUSES), 1), else_=0)).label("recruited"),
        func.sum(case((and_(conducted.c.informant_id.is_not(None),
                            Informant.status != RecruitmentStatus.WITHDRAWN), 1),
                      else_=0)).label("interviewed"),
        (func.sum(case((Informant.id.in_(consented), 1), else_=0)) if consented is not None
         else func.sum(0)).label("consented"),
    ).outerjoin(conducted, conducted.c.informant_id == Informant.id).group_by(
        Informant.organisation_id, Informant.role_id)
    return {(row.organisation_id, row.role_id):
            (int(row.recruited or 0), int(row.consented or 0), int(row.interviewed or 0))
            for row in db.session.execute(counts)}


def sampling_matrix(*, min_cell_size=None):
    """The matrix in four queries: organisations, roles, targets, and the study version. The
    counts over every informant are computed once per version of the data (fieldwork.aggregates),
    not on every view; the small cells are found from those counts, without a query."""
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    roles = db.session.scalars(select(Role).order_by(Role.name)).all()
    cells = {}
    for row in db.session.execute(select(SamplingTarget.organisation_id, SamplingTarget.role_id,
                                         SamplingTarget.target)):
        cells[(row.organisation_id, row.role_id)] = Cell(target=row.target)
    for key, counts in aggregates.kept("sampling_matrix", None, _matrix_counts).items():
        cell = cells.setdefault(key, Cell())
        cell.recruited, cell.consented, cell.interviewed = counts
    levels = [(level, [o for o in organisations if o.governance_level is level])
              for level in GovernanceLevel]
    matrix = Matrix(levels=[(level, group) for level, group in levels if group], roles=roles,
                    cells=cells,
                    min_cell_size=min_cell_size or current_app.config["MIN_CELL_SIZE"])
    for role in roles:
        total = Cell()
        for organisation in organisations:
            total.add(matrix.cell(organisation.id, role.id))
        matrix.role_totals[role.id] = total
        matrix.total.add(total)
    return matrix


def set_targets(targets, *, by, now=None):
    """Save the sampling targets {(organisation_id, role_id): number or None}; None or 0 removes
    a target. One audit event lists the cells that changed."""
    now = now or utcnow()
    organisation_ids = set(db.session.scalars(select(Organisation.id)))
    role_ids = set(db.session.scalars(select(Role.id)))
    existing = {(t.organisation_id, t.role_id): t for t in db.session.scalars(select(SamplingTarget))}
    before, after = {}, {}
    for (organisation_id, role_id), value in sorted(targets.items()):
        if organisation_id not in organisation_ids or role_id not in role_ids:
            raise DomainError(_("The targets refer to an organisation or role that no longer "
                                "exists; reload the page."))
        if value is not None and not (0 <= value <= MAX_TARGET):
            raise DomainError(_("A target is a number from 0 to %(maximum)s.",
                                maximum=MAX_TARGET),
                              field=target_field_name(organisation_id, role_id))
        value = value or None
        row = existing.get((organisation_id, role_id))
        old = row.target if row else None
        if old == value:
            continue
        key = f"{organisation_id}:{role_id}"
        before[key], after[key] = old, value
        if value is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(SamplingTarget(organisation_id=organisation_id, role_id=role_id,
                                          target=value, updated_at=now))
        else:
            row.target, row.updated_at = value, now
    if after:
        audit.record("sampling_target.update", by=by, entity_type="sampling_target",
                     before=before, after=after, now=now)
    db.session.commit()
    return len(after)


def target_field_name(organisation_id, role_id):
    return f"target_{organisation_id}_{role_id}"


# This week, consent and email


@dataclass
class Week:
    start: date
    interviews: list  # the first WEEK_LIMIT, by time
    total: int


def interviews_this_week(now, *, limit=None):
    """This week's interviews (Monday to Sunday in the study zone), at most `limit` of them, and
    how many there are in all; the calendar shows the rest."""
    monday, _, _ = week_bounds(to_local(now).date())
    criteria = interviews.InterviewFilter(upcoming=None, date_from=monday,
                                          date_to=monday + timedelta(days=6))
    query = interviews.interview_query(criteria, now=now)
    total = db.session.scalar(select(func.count()).select_from(
        query.order_by(None).with_only_columns(Interview.id).subquery()))
    shown = db.session.scalars(query.order_by(None).order_by(Interview.starts_at, Interview.id)
                               .limit(limit or WEEK_LIMIT)).all()
    return Week(start=monday, interviews=shown, total=total)


@dataclass(frozen=True)
class ConsentAlert:
    code: str
    interview_id: int
    starts_at: datetime
    problem: str


class Alerts(list):
    """The first alerts, soonest first; `more` when there are others (the consent overview's
    at-risk filter lists them all)."""

    more = False


def consent_alerts(now, *, limit=ALERT_LIMIT):
    """Informants with an open interview in the next ALERT_DAYS days whose participation consent
    does not hold, soonest first, at most `limit` of them. Three queries whatever their number:
    the informant's stored at-risk column (fieldwork.consent.standing) says consent does not
    hold, so the walk along the interviews' start stops after `limit` of them."""
    rows = db.session.execute(
        select(Interview.id, Interview.starts_at, Informant.id.label("informant_id"),
               Informant.code)
        .join(interview_informant, interview_informant.c.interview_id == Interview.id)
        .join(Informant, Informant.id == interview_informant.c.informant_id)
        .where(Interview.status.in_(OPEN_STATUSES), Interview.starts_at >= now,
               Interview.starts_at < now + timedelta(days=ALERT_DAYS),
               Informant.at_risk_at.is_not(None))
        .order_by(Interview.starts_at, Informant.code).limit(limit + 1)).all()
    summaries = consent_summaries([row.informant_id for row in rows])
    alerts = Alerts()
    for row in rows:
        summary = summaries[row.informant_id]
        if not summary.may_participate:
            alerts.append(ConsentAlert(code=row.code, interview_id=row.id,
                                       starts_at=row.starts_at,
                                       problem=str(CONSENT_PROBLEMS[summary.status.value])))
    alerts.more = len(alerts) > limit
    del alerts[limit:]
    return alerts


@dataclass
class MailState:
    failed: int
    recent: list


def failed_emails(limit=5):
    return MailState(failed=outbox.status_counts()[OutboxStatus.FAILED],
                     recent=outbox.recent_failures(limit))


# The page


@dataclass
class Dashboard:
    today: date
    matrix: Matrix
    this_week: Week
    alerts: list
    mail: MailState | None
    progress: Progress
    chart: Chart | None
    consent_available: bool
    declines: list = field(default_factory=list)  # invitations declined (fieldwork.replies)


def dashboard(*, now=None, sees_mail=True):
    """Everything on the dashboard, for `now`. `sees_mail` leaves out failed emails' details for
    those who may not see recipients."""
    now = now or utcnow()
    today = to_local(now).date()
    data = progress(now)
    return Dashboard(today=today, matrix=sampling_matrix(),
                     this_week=interviews_this_week(now), alerts=consent_alerts(now),
                     mail=failed_emails() if sees_mail else None, progress=data,
                     chart=progress_chart(data),
                     consent_available=_consented_informant_ids() is not None,
                     declines=open_declines(now, limit=ALERT_LIMIT))
