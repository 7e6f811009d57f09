"""The pipeline board: every interview that is ahead of us or held, in one column per stage, from
scheduled to coded, with what is overdue marked and shown first.

Each column's first cards come from bounded index walks (see `_candidates`), and the columns'
counts over every interview are kept between requests (fieldwork.aggregates), so the board costs
the same few queries, and about the same time, with fifty interviews or fifty thousand.
"""

from dataclasses import dataclass, field
from functools import cache
from datetime import datetime, time, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import (Date, Integer, String, and_, bindparam, case, func, literal, or_, select,
                        type_coerce, union_all)
from sqlalchemy.orm import selectinload

from .. import aggregates
from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..timeutil import format_local_date, local_to_utc, to_local
from .models import OPEN_STATUSES, Interview, InterviewStatus, TranscriptStatus

SCHEDULED = "scheduled"


@dataclass(frozen=True)
class Stage:
    key: str
    label: object  # a lazy string: the column's name in the page's language


STAGES = (Stage(SCHEDULED, _l("Scheduled")),
          Stage(TranscriptStatus.NONE.value, _l("Conducted, no transcript")),
          *(Stage(s.value, TranscriptStatus.__labels__[s.value])
            for s in TranscriptStatus if s is not TranscriptStatus.NONE))


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
    """When the interview entered its current stage: a scheduled interview its (scheduled) start;
    a conducted one its last transcript move, or else its start."""
    return case((Interview.status.in_(OPEN_STATUSES), Interview.starts_at),
                else_=func.coalesce(Interview.transcript_updated_at, Interview.starts_at))


def _overdue_conditions(*, now, today=None, stuck_before=None):
    today = today if today is not None else to_local(now).date()
    if stuck_before is None:
        stuck_before = now - timedelta(days=current_app.config["TRANSCRIPT_STUCK_DAYS"])
    return {
        "unmarked": and_(Interview.status.in_(OPEN_STATUSES), Interview.ends_at < now),
        "recording": and_(Interview.status == InterviewStatus.CONDUCTED,
                          Interview.recording_location != "",
                          Interview.recording_deleted_at.is_(None),
                          Interview.recording_delete_by < today),
        "stuck": and_(Interview.status == InterviewStatus.CONDUCTED,
                      Interview.transcript_status != TranscriptStatus.CODED,
                      _stage_since() < stuck_before),
    }


def _lanes():
    """(stage key, condition, order): index ranges of ix_interview_status_starts_at and
    ix_interview_stage that each hold interviews of one stage in the order they entered it. A
    scheduled interview entered its stage at its start; a conducted one at its last transcript
    move, or at its start while its transcript never moved."""
    for status in OPEN_STATUSES:
        yield SCHEDULED, Interview.status == status, Interview.starts_at
    for transcript in TranscriptStatus:
        stage = and_(Interview.status == InterviewStatus.CONDUCTED,
                     Interview.transcript_status == transcript)
        yield transcript.value, and_(stage, Interview.transcript_updated_at.is_(None)), \
            Interview.starts_at
        yield transcript.value, and_(stage, Interview.transcript_updated_at.is_not(None)), \
            Interview.transcript_updated_at


@cache
def _candidates_statement():
    """The ids that can be among a column's first cards, with their stage, when they entered it
    and whether they are overdue: in each lane the first `per_column` by time in the stage, and
    the first `per_column` of those overdue for a held-but-unmarked interview or a recording past
    its deadline. (Stuck transcripts are the longest waiting in their lane, so the first list
    holds them.) Each part stops after `per_column` rows of an index walk, whatever the number
    of interviews. Built once; `now`, `today`, `stuck_before` and `per_column` are parameters."""
    now, today = bindparam("now", type_=UTCDateTime), bindparam("today", type_=Date)
    conditions = _overdue_conditions(now=now, today=today,
                                     stuck_before=bindparam("stuck_before", type_=UTCDateTime))
    overdue = case((or_(*conditions.values()), 1), else_=0)
    limit = bindparam("per_column", type_=Integer)
    parts = []
    for key, lane, order in _lanes():
        if key == SCHEDULED:
            # Started before now: the start of the lane's range, holding only these.
            extras = [and_(Interview.starts_at < now, Interview.ends_at < now)]
        else:
            # Spelled as the partial index ix_interview_recording_pending says, so it serves them.
            extras = [and_(Interview.recording_location != "",
                           Interview.recording_deleted_at.is_(None),
                           Interview.recording_delete_by < today)]
        for extra in (None, *extras):
            part = (select(Interview.id.label("id"), literal(key).label("stage"),
                           _stage_since().label("since"), Interview.starts_at.label("starts_at"),
                           overdue.label("overdue"))
                    .where(lane, *([extra] if extra is not None else []))
                    .order_by(*dict.fromkeys((order, Interview.starts_at, Interview.id)))
                    .limit(limit).subquery())
            parts.append(select(part))
    return union_all(*parts)


def _candidates(*, now, per_column):
    params = {"now": now, "today": to_local(now).date(), "per_column": per_column,
              "stuck_before": now - timedelta(days=current_app.config["TRANSCRIPT_STUCK_DAYS"])}
    return db.session.execute(_candidates_statement(), params).all()


def _column_counts(*, now):
    """{stage key: (interviews, overdue)} over every interview on the board, and until when
    these counts hold (the next moment an interview becomes overdue, or the next midnight)."""
    stuck_days = current_app.config["TRANSCRIPT_STUCK_DAYS"]
    stage, overdue = _stage(), or_(*_overdue_conditions(now=now).values())
    counts = {row[0]: (row[1], int(row[2] or 0)) for row in db.session.execute(
        select(stage, func.count(), func.sum(case((overdue, 1), else_=0)))
        .where(Interview.status.in_((*OPEN_STATUSES, InterviewStatus.CONDUCTED)))
        .group_by(stage))}
    next_end = db.session.scalar(select(func.min(Interview.ends_at))
                                 .where(Interview.status.in_(OPEN_STATUSES),
                                        Interview.ends_at >= now))
    next_stuck = db.session.scalar(select(func.min(_stage_since()))
                                   .where(Interview.status == InterviewStatus.CONDUCTED,
                                          Interview.transcript_status != TranscriptStatus.CODED,
                                          _stage_since() >= now - timedelta(days=stuck_days)))
    midnight = local_to_utc(to_local(now).date() + timedelta(days=1), time(0))
    until = min(t for t in (next_end and next_end + timedelta(microseconds=1),
                            next_stuck and next_stuck + timedelta(days=stuck_days,
                                                                  microseconds=1),
                            midnight) if t)
    return now, until, counts


def column_counts(*, now):
    """`_column_counts`, computed once per version of the data while no interview has become
    overdue since (fieldwork.aggregates)."""
    stuck_days = current_app.config["TRANSCRIPT_STUCK_DAYS"]
    _, _, counts = aggregates.kept(
        "pipeline_counts", stuck_days, lambda: _column_counts(now=now),
        valid=lambda value: value[0] <= now < value[1])
    return counts


def pipeline_board(*, now=None, per_column=None):
    """The board's columns, each with its first `per_column` cards (overdue first, then the
    longest waiting) and its full count. Four queries whatever the number of interviews: the
    study version, the candidate cards, and the cards' interviews with their informants."""
    now = now or utcnow()
    per_column = per_column or current_app.config["PIPELINE_CARDS_PER_COLUMN"]
    counts = column_counts(now=now)
    chosen = {}
    for row in _candidates(now=now, per_column=per_column):
        chosen.setdefault(row.stage, {})[row.id] = row
    rows = []
    for key in chosen:
        ranked = sorted(chosen[key].values(),
                        key=lambda r: (-r.overdue, _aware(r.since), _aware(r.starts_at), r.id))
        rows.extend(ranked[:per_column])

    interviews = {}
    if rows:
        interviews = {i.id: i for i in db.session.scalars(
            select(Interview).where(Interview.id.in_([row.id for row in rows]))
            .options(selectinload(Interview.informants)))}
    columns = {s.key: Column(s) for s in STAGES}
    for key, (total, overdue) in counts.items():
        columns[key].total, columns[key].overdue = total, overdue
    for row in rows:
        interview = interviews[row.id]
        columns[row.stage].cards.append(Card(interview, warnings(interview, now=now)))
    return list(columns.values())


def _aware(value):
    """A union's column loses the UTC type on SQLite: make its naive UTC aware again."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def warnings(interview, *, now):
    """Why an interview on the board needs attention, in words."""
    found = []
    if interview.status.is_open and interview.ends_at < now:
        found.append(_("Held? Not marked conducted or no-show"))
    if (interview.status is InterviewStatus.CONDUCTED and interview.has_recording
            and interview.recording_delete_by
            and interview.recording_delete_by < to_local(now).date()):
        found.append(_("Recording past its deletion deadline (%(date)s)",
                       date=interview.recording_delete_by.strftime("%d.%m.%Y")))
    if (interview.status is InterviewStatus.CONDUCTED
            and interview.transcript_status is not TranscriptStatus.CODED):
        since = interview.transcript_updated_at or interview.starts_at
        if now - since > timedelta(days=current_app.config["TRANSCRIPT_STUCK_DAYS"]):
            days = (now - since).days
            found.append(ngettext("In this stage since %(date)s (%(num)d day)",
                                  "In this stage since %(date)s (%(num)d days)", days,
                                  date=format_local_date(since)))
    return found
