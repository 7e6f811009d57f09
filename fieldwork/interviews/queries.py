"""Reading interviews: the list's filters, one interview with what its pages show, the calendar
and the choices forms offer. Each loads everyone on an interview in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import (Integer, bindparam, column, func, literal, literal_column, select,
                        true, union_all, values)
from sqlalchemy.orm import selectinload

from .. import aggregates
from ..auth.models import User
from ..database import ListPage, UTCDateTime, utcnow
from ..extensions import db
from ..guides.models import Guide, GuideVersion, VersionStatus, guide_target_role
from ..consent.models import ConsentRecord, ConsentStatus
from ..informants.models import Informant, Language, RecruitmentStatus
from ..informants.services import matching_text
from ..organisations.models import Organisation, Role
from ..timeutil import where_on_local_days
from .models import (
    Interview,
    InterviewMode,
    InterviewStatus,
    TranscriptStatusChange,
    interview_informant,
    interview_interviewer,
)
from .planning import INTERVIEWER_ROLES, MAX_DURATION


@dataclass
class InterviewFilter:
    upcoming: bool | None = True  # True: from now on; False: before now; None: all
    organisation_id: int | None = None
    role_id: int | None = None
    interviewer_id: int | None = None
    status: InterviewStatus | None = None
    date_from: date | None = None
    date_to: date | None = None


def with_people():
    return (selectinload(Interview.informants).selectinload(Informant.organisation),
            selectinload(Interview.informants).selectinload(Informant.role),
            selectinload(Interview.interviewers),
            selectinload(Interview.guide_version).selectinload(GuideVersion.guide))


def _matching(criteria, now):
    """The list's conditions and order, on the interview table alone (so the total counts
    without joins)."""
    conditions = []
    if criteria.upcoming is True:
        # Still to come or in progress: ends now or later. An interview lasts at most
        # MAX_DURATION, so it also started at most that long ago; saying so lets the index on
        # starts_at begin there instead of passing every past interview.
        conditions += [Interview.starts_at >= now - timedelta(minutes=MAX_DURATION),
                       Interview.ends_at >= now]
        order = (Interview.starts_at, Interview.id)
    else:
        if criteria.upcoming is False:
            conditions.append(Interview.ends_at < now)
        order = (Interview.starts_at.desc(), Interview.id.desc())
    if criteria.organisation_id or criteria.role_id:
        informant_match = (select(interview_informant.c.interview_id)
                           .join(Informant, Informant.id == interview_informant.c.informant_id))
        if criteria.organisation_id:
            informant_match = informant_match.where(Informant.organisation_id == criteria.organisation_id)
        if criteria.role_id:
            informant_match = informant_match.where(Informant.role_id == criteria.role_id)
        conditions.append(Interview.id.in_(informant_match))
    if criteria.interviewer_id:
        conditions.append(Interview.id.in_(
            select(interview_interviewer.c.interview_id)
            .where(interview_interviewer.c.user_id == criteria.interviewer_id)))
    if criteria.status:
        conditions.append(Interview.status == criteria.status)
    conditions += where_on_local_days(Interview.starts_at, criteria.date_from, criteria.date_to)
    return conditions, order


def interview_query(criteria, *, now=None):
    """Interviews matching the list's filters, with everyone on them loaded in a fixed number of
    queries whatever the page size."""
    conditions, order = _matching(criteria, now or utcnow())
    return select(Interview).options(*with_people()).where(*conditions).order_by(*order)


@dataclass(frozen=True)
class ListedPerson:
    code: str
    name: str


@dataclass(frozen=True)
class ListedInterview:
    """What the list shows of one interview: its columns, the guide's title and version number,
    and the informants (by code) and interviewers (by name) on it."""

    id: int
    starts_at: datetime
    ends_at: datetime
    mode: InterviewMode
    status: InterviewStatus
    guide_title: str
    guide_number: int
    informants: list
    interviewers: list

    @property
    def duration_minutes(self):
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


def interview_page(criteria, *, page, per_page, now=None):
    """One page of the list, with what its rows show (informants' codes and names, the
    interviewers, the guide) in three queries of plain columns; the total counted on the
    interview table alone."""
    conditions, order = _matching(criteria, now or utcnow())
    rows = (select(Interview.id, Interview.starts_at, Interview.ends_at, Interview.mode,
                   Interview.status, Guide.title, GuideVersion.number)
            .join(GuideVersion, GuideVersion.id == Interview.guide_version_id)
            .join(Guide, Guide.id == GuideVersion.guide_id)
            .where(*conditions).order_by(*order))
    count = select(func.count()).select_from(Interview).where(*conditions)
    if not conditions:  # every interview: counted once per version of the study's data
        count = _kept_total(count)
    return ListPage(rows, count, complete=_listed, page=page, per_page=per_page,
                    max_per_page=200, error_out=False)


def _kept_total(count):
    return lambda: aggregates.kept("interview total", None, lambda: db.session.scalar(count))


def _listed(rows):
    """The page's rows with their informants and interviewers, in the order the interview page
    shows them (informants by code, interviewers by name)."""
    ids = [row.id for row in rows]
    informants, interviewers = {}, {}
    if ids:
        for row in db.session.execute(
                select(interview_informant.c.interview_id, Informant.code, Informant.name)
                .join(Informant, Informant.id == interview_informant.c.informant_id)
                .where(interview_informant.c.interview_id.in_(ids)).order_by(Informant.code)):
            informants.setdefault(row.interview_id, []).append(ListedPerson(row.code, row.name))
        for row in db.session.execute(
                select(interview_interviewer.c.interview_id, User.name)
                .join(User, User.id == interview_interviewer.c.user_id)
                .where(interview_interviewer.c.interview_id.in_(ids)).order_by(User.name)):
            interviewers.setdefault(row.interview_id, []).append(ListedPerson("", row.name))
    return [ListedInterview(row.id, row.starts_at, row.ends_at, row.mode, row.status, row.title,
                            row.number, informants.get(row.id, []), interviewers.get(row.id, []))
            for row in rows]


def get_interview(interview_id):
    return db.session.scalar(select(Interview).where(Interview.id == interview_id)
                             .options(*with_people()))


@dataclass(frozen=True)
class CalendarInformant:
    code: str
    name: str


@dataclass(frozen=True)
class CalendarEntry:
    """What a calendar page shows of one interview."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: InterviewStatus
    informants: list


@lru_cache(maxsize=32)
def _calendar_statement(buckets, per_bucket, by_interviewer):
    """The UNION of one bounded SELECT per bucket, built once per shape: a week has 167 to 169
    hourly buckets, and building that many SELECTs for every request would cost more than
    running them."""
    members = []
    for index in range(buckets):
        in_bucket = [Interview.starts_at >= bindparam(f"begin_{index}", type_=UTCDateTime),
                     Interview.starts_at < bindparam(f"end_{index}", type_=UTCDateTime)]
        if by_interviewer:
            # EXISTS, not IN: checked per interview found through the index on starts_at, so
            # a bucket never reads all of an interviewer's interviews.
            in_bucket.append(select(interview_interviewer.c.interview_id).where(
                interview_interviewer.c.interview_id == Interview.id,
                interview_interviewer.c.user_id == bindparam("interviewer_id")).exists())
        total = select(func.count()).select_from(Interview).where(*in_bucket).scalar_subquery()
        members.append(select(
            select(literal_column(str(index), Integer).label("bucket"), Interview.id,
                   Interview.starts_at, Interview.ends_at, Interview.status,
                   total.label("total"))
            .where(*in_bucket).order_by(Interview.starts_at, Interview.id).limit(per_bucket)
            .subquery()))
    return union_all(*members)


def _lateral_statement(buckets, per_bucket, interviewer_id):
    """The same on PostgreSQL, where planning a UNION of 168 SELECTs costs more than running
    it: the buckets as a VALUES list, and per bucket a LATERAL subquery with its first rows and
    one with its count, each bounded by the index on starts_at."""
    bounds = values(column("bucket", Integer), column("begin", UTCDateTime),
                    column("end", UTCDateTime), name="bucket_bounds").data(
        [(n, begin, end) for n, (begin, end) in enumerate(buckets)])
    in_bucket = [Interview.starts_at >= bounds.c.begin, Interview.starts_at < bounds.c.end]
    if interviewer_id:
        in_bucket.append(select(interview_interviewer.c.interview_id).where(
            interview_interviewer.c.interview_id == Interview.id,
            interview_interviewer.c.user_id == interviewer_id).exists())
    shown = (select(Interview.id, Interview.starts_at, Interview.ends_at, Interview.status)
             .where(*in_bucket).order_by(Interview.starts_at, Interview.id).limit(per_bucket)
             .lateral("shown"))
    total = select(func.count().label("total")).select_from(Interview).where(*in_bucket) \
        .lateral("total")
    return (select(bounds.c.bucket, shown.c.id, shown.c.starts_at, shown.c.ends_at,
                   shown.c.status, total.c.total)
            .select_from(bounds).join(shown, true()).join(total, true()))


def calendar_entries(buckets, *, per_bucket, interviewer_id=None, with_names=False):
    """For each [start, end) in `buckets`: the first `per_bucket` interviews that begin in it, by
    start, and how many begin in it in all. Two statements whatever the number of interviews:
    each bucket reads at most `per_bucket` rows through the index on `starts_at`, and counts its
    rows in that index. Informant names are read only when `with_names`."""
    params = {f"begin_{n}": begin for n, (begin, _) in enumerate(buckets)}
    params.update({f"end_{n}": end for n, (_, end) in enumerate(buckets)})
    if interviewer_id:
        params["interviewer_id"] = interviewer_id
    if not buckets:
        rows = []
    elif db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(_lateral_statement(buckets, per_bucket, interviewer_id)).all()
    else:
        statement = _calendar_statement(len(buckets), per_bucket, bool(interviewer_id))
        rows = db.session.execute(statement, params).all()
    rows.sort(key=lambda row: (row.bucket, row.starts_at, row.id))
    people = {}
    columns = [interview_informant.c.interview_id, Informant.code]
    for row in db.session.execute(
            select(*columns, Informant.name if with_names else literal("").label("name"))
            .join(Informant, Informant.id == interview_informant.c.informant_id)
            .where(interview_informant.c.interview_id.in_([row.id for row in rows]))
            .order_by(Informant.code)):
        people.setdefault(row.interview_id, []).append(CalendarInformant(row.code, row.name))
    found = [([], 0) for _ in buckets]
    for row in rows:
        entries, _ = found[row.bucket]
        entries.append(CalendarEntry(row.id, row.starts_at, row.ends_at, row.status,
                                     people.get(row.id, [])))
        found[row.bucket] = (entries, row.total)
    return found


def interviews_of_informant(informant_id):
    return db.session.scalars(
        select(Interview).join(interview_informant)
        .where(interview_informant.c.informant_id == informant_id)
        .options(*with_people()).order_by(Interview.starts_at.desc())).all()


def interviewer_choices():
    users = db.session.execute(select(User.id, User.name)
                               .where(User.role.in_(INTERVIEWER_ROLES), User.is_enabled.is_(True))
                               .order_by(func.lower(User.name))).all()
    return [(u.id, u.name) for u in users]


@dataclass(frozen=True)
class PickerRow:
    """What the informant picker shows of one informant, to choose the right one."""

    id: int
    code: str
    name: str
    organisation: str
    role: str
    consent: ConsentStatus
    language: Language


@dataclass(frozen=True)
class PickerCandidates:
    """What the picker shows: the informants already chosen (whatever their status, so that a
    refusal about one of them makes sense), then at most a page of the others who may be asked
    and match the search, and how many of those others match in all."""

    chosen: list
    others: list
    matching: int
    text: str = ""


def picker_candidates(text, *, sees_identities, limit, chosen=()):
    """The picker's informants for `text` (code, or for roles that see identities also name,
    email or job title, as the informant list searches), in three statements whatever the
    number of informants."""
    chosen = [i for i in dict.fromkeys(chosen) if isinstance(i, int)]
    conditions = [Informant.status.not_in(RecruitmentStatus.not_to_be_contacted())]
    matching = matching_text(text, sees_identities=sees_identities)
    if matching is not None:
        conditions.append(matching)
    if chosen:  # shown anyway, so neither listed again nor counted
        conditions.append(Informant.id.not_in(chosen))
    chosen_rows = _picker_rows(_select_picker_rows().where(Informant.id.in_(chosen))
                               .order_by(Informant.code)) if chosen else []
    others = _picker_rows(_select_picker_rows().where(*conditions)
                          .order_by(Informant.code).limit(limit))
    total = db.session.scalar(select(func.count()).select_from(Informant).where(*conditions))
    return PickerCandidates(chosen_rows, others, total, (text or "").strip())


def _select_picker_rows():
    return (select(Informant.id, Informant.code, Informant.name, Organisation.code, Role.name,
                   ConsentRecord.status, Informant.language)
            .join(Organisation, Organisation.id == Informant.organisation_id)
            .join(Role, Role.id == Informant.role_id)
            .outerjoin(ConsentRecord, ConsentRecord.informant_id == Informant.id))


def _picker_rows(query):
    return [PickerRow(id_, code, name, organisation, role, consent or ConsentStatus.NOT_REQUESTED,
                      language)
            for id_, code, name, organisation, role, consent, language
            in db.session.execute(query).all()]


def suggested_guide_version(informant):
    """The most recently published version of a guide aimed at the informant's role, if any."""
    return db.session.scalar(
        select(GuideVersion).where(
            GuideVersion.status == VersionStatus.PUBLISHED,
            GuideVersion.guide_id.in_(select(guide_target_role.c.guide_id)
                                      .where(guide_target_role.c.role_id == informant.role_id)))
        .order_by(GuideVersion.published_at.desc()).limit(1))


def get_interview_with_aftermath(interview_id):
    """An interview with everything the after-the-interview pages show, in a fixed number of
    queries."""
    return db.session.scalar(
        select(Interview).where(Interview.id == interview_id).options(
            selectinload(Interview.informants).selectinload(Informant.organisation),
            selectinload(Interview.informants).selectinload(Informant.role),
            selectinload(Interview.interviewers),
            selectinload(Interview.present_interviewers),
            selectinload(Interview.recording_registered_by),
            selectinload(Interview.transcript_updated_by),
            selectinload(Interview.guide_version).selectinload(GuideVersion.guide)))


def transcript_history(interview_id):
    """Every stage the transcript went through, newest first, with who moved it."""
    return db.session.scalars(
        select(TranscriptStatusChange).where(TranscriptStatusChange.interview_id == interview_id)
        .options(selectinload(TranscriptStatusChange.changed_by))
        .order_by(TranscriptStatusChange.changed_at.desc(), TranscriptStatusChange.id.desc())
    ).all()
