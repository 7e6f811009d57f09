"""The pipeline board: every interview that is ahead of us or held, in one column per stage, from
scheduled to coded, with what is overdue marked and shown first.

One windowed query picks each column's first cards and counts the whole column, so the board costs
the same few queries with fifty interviews or fifty thousand.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import String, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import selectinload

from ..database import utcnow
from ..extensions import db
from ..timeutil import format_local_date, to_local
from .models import OPEN_STATUSES, Interview, InterviewStatus, TranscriptStatus

SCHEDULED = "scheduled"


@dataclass(frozen=True)
class Stage:
    key: str
    label: str


STAGES = (Stage(SCHEDULED, "Scheduled"),
          Stage(TranscriptStatus.NONE.value, "Conducted, no transcript"),
          *(Stage(s.value, s.label) for s in TranscriptStatus if s is not TranscriptStatus.NONE))


@dataclass
class Card:
    interview: Interview
    warnings: list = field(default_factory=list)


@dataclass
class Column:
    stage: Stage
    total: int = 0
    overdue: int = 0
    cards: list = field(default_factory=list)

    @property
    def hidden(self):
        return self.total - len(self.cards)


def _stage():
    return case((Interview.status.in_(OPEN_STATUSES), literal(SCHEDULED)),
                else_=type_coerce(Interview.transcript_status, String))


def _stage_since():
    """When the interview entered its current stage, near enough: the last transcript move, or
    else its (scheduled) start."""
    return func.coalesce(Interview.transcript_updated_at, Interview.starts_at)


def _overdue_conditions(*, now):
    today = to_local(now).date()
    stuck_before = now - timedelta(days=current_app.config["TRANSCRIPT_STUCK_DAYS"])
    return {
        "unmarked": and_(Interview.status.in_(OPEN_STATUSES), Interview.ends_at < now),
        "recording": and_(Interview.recording_location != "",
                          Interview.recording_deleted_at.is_(None),
                          Interview.recording_delete_by < today),
        "stuck": and_(Interview.status == InterviewStatus.CONDUCTED,
                      Interview.transcript_status != TranscriptStatus.CODED,
                      _stage_since() < stuck_before),
    }


def pipeline_board(*, now=None, per_column=None):
    """The board's columns, each with its first `per_column` cards (overdue first, then the
    longest waiting) and its full count."""
    now = now or utcnow()
    per_column = per_column or current_app.config["PIPELINE_CARDS_PER_COLUMN"]
    stage = _stage()
    overdue = or_(*_overdue_conditions(now=now).values())
    is_overdue = case((overdue, 1), else_=0)
    ranked = (
        select(Interview.id.label("id"), stage.label("stage"),
               func.row_number().over(partition_by=stage,
                                      order_by=(is_overdue.desc(), _stage_since(), Interview.id))
               .label("position"),
               func.count().over(partition_by=stage).label("total"),
               func.sum(is_overdue).over(partition_by=stage).label("overdue"))
        .where(Interview.status.in_((*OPEN_STATUSES, InterviewStatus.CONDUCTED)))
        .subquery())
    rows = db.session.execute(
        select(ranked.c.id, ranked.c.stage, ranked.c.total, ranked.c.overdue)
        .where(ranked.c.position <= per_column)
        .order_by(ranked.c.stage, ranked.c.position)).all()

    interviews = {}
    if rows:
        interviews = {i.id: i for i in db.session.scalars(
            select(Interview).where(Interview.id.in_([row.id for row in rows]))
            .options(selectinload(Interview.informants)))}
    columns = {s.key: Column(s) for s in STAGES}
    for row in rows:
        column = columns[row.stage]
        column.total, column.overdue = row.total, int(row.overdue or 0)
        interview = interviews[row.id]
        column.cards.append(Card(interview, warnings(interview, now=now)))
    return list(columns.values())


def warnings(interview, *, now):
    """Why an interview on the board needs attention, in words."""
    found = []
    if interview.status.is_open and interview.ends_at < now:
        found.append("Held? Not marked conducted or no-show")
    if (interview.has_recording and interview.recording_delete_by
            and interview.recording_delete_by < to_local(now).date()):
        found.append(f"Recording past its deletion deadline "
                     f"({interview.recording_delete_by:%d.%m.%Y})")
    if (interview.status is InterviewStatus.CONDUCTED
            and interview.transcript_status is not TranscriptStatus.CODED):
        since = interview.transcript_updated_at or interview.starts_at
        if now - since > timedelta(days=current_app.config["TRANSCRIPT_STUCK_DAYS"]):
            found.append(f"In this stage since {format_local_date(since)} "
                         f"({(now - since).days} days)")
    return found
