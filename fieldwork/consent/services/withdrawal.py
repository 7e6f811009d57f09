"""Withdrawal: final, taking effect at once and in one transaction (pending mail cancelled,
future interviews cancelled, the data-handling checklist opened), and the checklist's tasks."""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import audit, languages
from ...database import utcnow
from ...errors import NotAllowed
from ...extensions import db
from ...informants.models import Informant, RecruitmentStatus
from ...interviews import services as interviews
from ...interviews.models import OPEN_STATUSES, Interview, interview_informant
from ...memberchecks.cancelling import cancel_open_requests
from ...outbox import services as outbox
from ...timeutil import to_local
from ..models import STANDARD_ITEMS, ConsentRecord, ConsentStatus, DataTask, DataTaskKind
from ..tokens import TokenProblem, use_token
from .records import (
    INFORMANT_LINK,
    actor,
    append_event,
    clean_note,
    record_for_change,
    set_items,
    set_recruitment,
)


@dataclass
class Withdrawal:
    """What a withdrawal changed: the record, the interviews cancelled or left, the tasks opened."""

    record: ConsentRecord
    cancelled_interviews: list = field(default_factory=list)
    tasks: list = field(default_factory=list)


def future_open_interviews(informant_id, now):
    return db.session.scalars(
        select(Interview).join(interview_informant)
        .where(interview_informant.c.informant_id == informant_id,
               Interview.status.in_(OPEN_STATUSES), Interview.starts_at > now)
        .options(selectinload(Interview.informants))
        .order_by(Interview.starts_at)).all()


def withdraw_consent(informant, *, by, now=None, note="", token=None):
    """Withdraw the informant from the study, in one transaction:

    1. cancel every email to them not sent yet (reminders, requests, invitations);
    2. mark the consent record withdrawn, every item no longer given, from `now`;
    3. cancel their future interviews, or take them off group interviews; the CANCEL that takes
       the event out of their calendar is queued after step 1, so it is the one email (with the
       confirmation in step 6) that still reaches them; cancel their open member checks;
    4. set their recruitment status to withdrawn, so no one schedules or asks them again;
    5. open the data-handling checklist for the team, with a due date;
    6. confirm the withdrawal to them, without any further link.
    """
    now = now or utcnow()
    record = record_for_change(informant, now)
    if record.status is ConsentStatus.WITHDRAWN:
        raise NotAllowed(_("%(code)s has withdrawn already.", code=informant.code))
    note = clean_note(note)
    before = record.audit_snapshot()
    withdrawn_items = sorted(k for k, given in record.item_states().items() if given)
    # A withdrawal is never blocked by an email that cannot be built (an old name with "=?",
    # say): the CANCELs and the confirmation are then recorded as failed, shown to the team.
    with outbox.unbuildable_recorded_as_failed():
        outbox.cancel_pending(informant_id=informant.id, by=by, now=now)

        record.status, record.withdrawn_at = ConsentStatus.WITHDRAWN, now
        record.requested_version_id = record.requested_at = record.last_follow_up_at = None
        record.updated_at, record.updated_by_id = now, getattr(by, "id", None)
        set_items(record, dict.fromkeys(record.item_states() or STANDARD_ITEMS, False))
        db.session.flush()
        append_event(record, "withdrawn", by=by, now=now, note=(
            "Withdrawn items: " + (", ".join(withdrawn_items) or "none") + ". " + note).strip())

        outcome = Withdrawal(record)
        for interview in future_open_interviews(informant.id, now):
            if len(interview.informants) > 1:
                interview = interviews.remove_informant(interview, informant, by=by, now=now)
            else:
                interview = interviews.cancel_open_interview(interview, by=by, now=now)
            outcome.cancelled_interviews.append(interview)

        # Quotes can no longer be asked about: open member checks end here, and their links
        # with them.
        cancel_open_requests(informant.id, by=by, now=now)

        if informant.status is not RecruitmentStatus.WITHDRAWN:
            set_recruitment(informant, RecruitmentStatus.WITHDRAWN, by=by, now=now)
        due_on = to_local(now).date() + timedelta(days=current_app.config["WITHDRAWAL_TASK_DAYS"])
        for kind in DataTaskKind:
            task = DataTask(informant_id=informant.id, kind=kind, due_on=due_on, created_at=now,
                            done_note="")
            db.session.add(task)
            outcome.tasks.append(task)
        if token is not None:
            use_token(token, now)
        if informant.email:
            outbox.queue_rendered_email(
                "consent_withdrawn", languages.for_informant(informant),
                recipient=(informant.email, informant.name), purpose="consent-withdrawn", now=now,
                informant_id=informant.id, by=actor(by),
                context={"recipient_name": informant.name,
                         "cancelled": len(outcome.cancelled_interviews)})
    db.session.flush()
    audit.record("consent.withdraw", by=by, entity=record, before=before,
                 after={**record.audit_snapshot(), "withdrawn_items": withdrawn_items,
                        "cancelled_interview_ids": [i.id for i in outcome.cancelled_interviews],
                        "data_task_ids": [t.id for t in outcome.tasks]}, now=now)
    db.session.commit()
    return outcome


def complete_data_task(task, *, by, now=None, note=""):
    now = now or utcnow()
    note = clean_note(note)
    if task.done_at is not None:
        raise NotAllowed(_("This task is done already."))
    task.done_at, task.done_by_id = now, by.id
    task.done_note = note
    audit.record("consent.data_task_done", by=by, entity=task,
                 after={"kind": task.kind.value, "informant_id": task.informant_id,
                        "note": task.done_note}, now=now)
    db.session.commit()
    return task


def data_tasks_of(informant_id):
    return db.session.scalars(select(DataTask).where(DataTask.informant_id == informant_id)
                              .order_by(DataTask.done_at.is_not(None), DataTask.due_on,
                                        DataTask.id)).all()


def open_data_tasks():
    """(task, the informant's pseudonym code) for every open task, the earliest due first."""
    return db.session.execute(
        select(DataTask, Informant.code).join(Informant, Informant.id == DataTask.informant_id)
        .where(DataTask.done_at.is_(None))
        .order_by(DataTask.due_on, DataTask.id)).all()


def withdraw_through_link(context, *, now=None):
    """Withdrawal by the informant's own link; TokenProblem("used") when they (or the team)
    withdrew already, which their other link may have done a moment ago."""
    try:
        return withdraw_consent(context.informant, by=INFORMANT_LINK, now=now, token=context.token)
    except NotAllowed:
        db.session.rollback()
        raise TokenProblem("used") from None
