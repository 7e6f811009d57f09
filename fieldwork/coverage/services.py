"""Recording which guide questions an interview covered, and counting coverage per question.

An interview is asked the questions of its own guide version; its coverage names them by their
stable keys. A theme may be answered for all its questions at once: each question of the theme
left without its own answer takes the theme's.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import distinct, func, select

from .. import audit
from ..database import lock_rows, utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..guides.models import GuideVersion, VersionStatus
from ..informants.models import Informant
from ..interviews.models import Interview, InterviewStatus, interview_informant
from ..organisations.models import Organisation, Role
from .models import Coverage, QuestionCoverage

NOT_RECORDED = ""


def coverage_of(interview_id):
    """{question key: Coverage} recorded for one interview."""
    return dict(db.session.execute(
        select(QuestionCoverage.question_key, QuestionCoverage.coverage)
        .where(QuestionCoverage.interview_id == interview_id)).all())


def coverage_by_interview(interview_ids):
    """{interview id: {question key: Coverage}} for many interviews, in one statement (exports)."""
    found = defaultdict(dict)
    ids = list(interview_ids)
    if ids:
        rows = db.session.execute(
            select(QuestionCoverage.interview_id, QuestionCoverage.question_key,
                   QuestionCoverage.coverage)
            .where(QuestionCoverage.interview_id.in_(ids)))
        for interview_id, key, coverage in rows:
            found[interview_id][key] = coverage
    return dict(found)


def _parse(value, label):
    if value in (None, NOT_RECORDED):
        return None
    try:
        return Coverage(value)
    except ValueError:
        raise DomainError(_("%(label)s: choose covered, partly covered, not reached or not "
                            "recorded.", label=label)) from None


def record_coverage(interview, answers, *, by, now=None):
    """Save which questions of the interview's guide version were covered; commits once, with
    the audit event. `answers` maps question keys (and theme keys, for all the theme's questions
    without an answer of their own) to a Coverage value or "" for not recorded. Keys that are not
    in this interview's guide version are refused, and nothing is saved."""
    now = now or utcnow()
    # Locked: two people saving at once each see the other's rows, never a half of both.
    [interview] = lock_rows(Interview, [interview.id])
    if interview.status is not InterviewStatus.CONDUCTED:
        raise NotAllowed(_("Mark the interview conducted before you record which questions it "
                           "covered."))
    version = db.session.get(GuideVersion, interview.guide_version_id)
    themes = version.themes
    theme_keys = {t["key"] for t in themes}
    question_keys = {q["key"] for t in themes for q in t["questions"]}
    unknown = sorted(set(answers) - theme_keys - question_keys)
    if unknown:
        raise DomainError(_("%(key)s is not a theme or question of guide version %(number)s, "
                            "which this interview used.", key=unknown[0], number=version.number))

    wanted = {}
    for theme in themes:
        theme_answer = _parse(answers.get(theme["key"]), theme["title"])
        for question in theme["questions"]:
            own = _parse(answers.get(question["key"]), question["key"])
            chosen = own or theme_answer
            if chosen is not None:
                wanted[question["key"]] = (theme["key"], chosen)

    stored = {row.question_key: row for row in db.session.scalars(
        select(QuestionCoverage).where(QuestionCoverage.interview_id == interview.id))}
    before = {key: row.coverage.value for key, row in stored.items()}
    after = {key: coverage.value for key, (_, coverage) in wanted.items()}
    if before == after:
        db.session.rollback()
        return interview
    for key, row in stored.items():
        if key not in wanted:
            db.session.delete(row)
    for key, (theme_key, coverage) in wanted.items():
        row = stored.get(key)
        if row is None:
            db.session.add(QuestionCoverage(interview_id=interview.id, question_key=key,
                                            theme_key=theme_key, coverage=coverage,
                                            recorded_at=now, recorded_by_id=getattr(by, "id", None)))
        elif row.coverage is not coverage:
            row.coverage, row.recorded_at = coverage, now
            row.recorded_by_id = getattr(by, "id", None)
    interview.updated_at = now
    audit.record_update("interview.coverage", by=by, entity=interview,
                        before={"coverage": before}, after={"coverage": after}, now=now)
    db.session.commit()
    return interview


@dataclass
class QuestionSummary:
    """One question of a guide as the guide page counts it, over every version that has it."""

    key: str
    text: str
    versions: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)        # Coverage -> interviews
    by_role: dict = field(default_factory=dict)       # role name -> interviews that reached it
    by_organisation: dict = field(default_factory=dict)  # organisation code -> interviews

    @property
    def covered(self):
        return self.counts.get(Coverage.ALL, 0)

    @property
    def partly(self):
        return self.counts.get(Coverage.SOME, 0)

    @property
    def not_reached(self):
        return self.counts.get(Coverage.NOT_REACHED, 0)

    @property
    def reached(self):
        return self.covered + self.partly


@dataclass
class GuideCoverage:
    conducted: int            # conducted interviews that used any version of the guide
    recorded: int             # of those, interviews with any coverage recorded
    versions: int             # published and retired versions of the guide
    themes: list              # [(theme title, [QuestionSummary, ...])], newest wording


def guide_coverage(guide_id):
    """Per question of the guide, over its published and retired versions, how many conducted
    interviews covered it, fully or partly or not, and by the informants' role and organisation;
    a fixed number of statements whatever the number of interviews."""
    themes, questions = [], {}
    versions = db.session.execute(
        select(GuideVersion.number, GuideVersion.content)
        .where(GuideVersion.guide_id == guide_id, GuideVersion.status != VersionStatus.DRAFT)
        .order_by(GuideVersion.number.desc())).all()
    for number, content in versions:  # newest first: its wording and order lead
        for theme in content.get("themes", []):
            listed = next((items for _, items, key in themes if key == theme["key"]), None)
            if listed is None:
                listed = []
                themes.append((theme["title"], listed, theme["key"]))
            for question in theme["questions"]:
                if question["key"] not in questions:
                    questions[question["key"]] = QuestionSummary(question["key"], question["text"])
                    listed.append(questions[question["key"]])
                questions[question["key"]].versions.append(number)

    conducted = (select(Interview.id).join(GuideVersion, GuideVersion.id == Interview.guide_version_id)
                 .where(GuideVersion.guide_id == guide_id,
                        Interview.status == InterviewStatus.CONDUCTED))
    total = db.session.scalar(select(func.count()).select_from(conducted.subquery()))
    recorded = db.session.scalar(select(func.count(distinct(QuestionCoverage.interview_id)))
                                 .where(QuestionCoverage.interview_id.in_(conducted)))
    for key, coverage, count in db.session.execute(
            select(QuestionCoverage.question_key, QuestionCoverage.coverage,
                   func.count(QuestionCoverage.interview_id))
            .where(QuestionCoverage.interview_id.in_(conducted))
            .group_by(QuestionCoverage.question_key, QuestionCoverage.coverage)):
        if key in questions:
            questions[key].counts[coverage] = count
    reached = (QuestionCoverage.interview_id.in_(conducted),
               QuestionCoverage.coverage.in_([Coverage.ALL, Coverage.SOME]))
    for column, attribute in ((Role.name, "by_role"), (Organisation.code, "by_organisation")):
        rows = db.session.execute(
            select(QuestionCoverage.question_key, column,
                   func.count(distinct(QuestionCoverage.interview_id)))
            .join(interview_informant,
                  interview_informant.c.interview_id == QuestionCoverage.interview_id)
            .join(Informant, Informant.id == interview_informant.c.informant_id)
            .join(Role, Role.id == Informant.role_id)
            .join(Organisation, Organisation.id == Informant.organisation_id)
            .where(*reached)
            .group_by(QuestionCoverage.question_key, column)
            .order_by(QuestionCoverage.question_key, column))
        for key, name, count in rows:
            if key in questions:
                getattr(questions[key], attribute)[name] = count
    return GuideCoverage(conducted=total, recorded=recorded, versions=len(versions),
                         themes=[(title, items) for title, items, _ in themes])
