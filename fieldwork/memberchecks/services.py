"""Member checks: recording quotes, asking the informant about them through a personal link,
their answers, the one reminder and the deadline.

Every public change commits once, with its audit event and the emails it causes. `by` is a
User, `INFORMANT_LINK` when the informant answered through their link, or "scheduler".
"""

from datetime import time, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from .. import audit, languages
from ..consent.gates import consent_summaries
from ..consent.services.records import INFORMANT_LINK
from ..consent.tokens import TokenProblem, informant_links
from ..database import lock_rows, utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..informants.models import Informant, Language
from ..interviews.models import Interview, InterviewStatus, interview_informant
from ..outbox import services as outbox
from ..timeutil import local_to_utc, to_local
from ..validation import clean_text
from .links import issue_link
from .models import ANSWERS, MemberCheckRequest, Quote, QuoteState, RequestStatus

QUOTE_MAX = 4000
CONTEXT_MAX = 8000
LONGEST_DEADLINE_DAYS = 90
SCHEDULER = "scheduler"


class SameWording(DomainError):
    """An edit that changes nothing: the informant meant to approve, or forgot to edit."""


def _clean(value, field, label, max_length, *, required):
    try:
        return clean_text(value, max_length=max_length, required=required, label=label,
                          multiline=True)
    except DomainError as error:
        raise DomainError(error.message, field) from None


# The team's side


def add_quote(interview, values, *, by, now=None):
    """Record a passage of `interview` the team wants to quote: `values` has `informant_id`
    (one of its informants), `text` and `context` (the passage around it, as the informant
    will see it)."""
    now = now or utcnow()
    if interview.status is not InterviewStatus.CONDUCTED:
        raise NotAllowed(_("Quotes can be recorded once the interview is marked conducted."))
    informant_id = values.get("informant_id")
    is_in_it = informant_id is not None and db.session.scalar(
        select(func.count()).select_from(interview_informant).where(
            interview_informant.c.interview_id == interview.id,
            interview_informant.c.informant_id == informant_id))
    if not is_in_it:
        raise DomainError(_("Choose an informant of this interview."), "informant_id")
    text = _clean(values.get("text"), "text", _l("The quote"), QUOTE_MAX, required=True)
    context = _clean(values.get("context"), "context", _l("The context"), CONTEXT_MAX,
                     required=False)
    quote = Quote(interview_id=interview.id, informant_id=informant_id, text=text,
                  context=context, state=QuoteState.DRAFT, added_at=now,
                  added_by_id=getattr(by, "id", None))
    db.session.add(quote)
    db.session.flush()
    audit.record("quote.create", by=by, entity=quote, after=quote.audit_snapshot(), now=now)
    db.session.commit()
    return quote


def deadline_instant(day):
    """The end of `day` in the study's time zone: a deadline is a whole day."""
    return local_to_utc(day + timedelta(days=1), time(0))


def deadline_day(request):
    """The local day a request must be answered by (its deadline is the end of that day)."""
    return to_local(request.deadline_at - timedelta(microseconds=1)).date()


def reminder_instant(created_at, deadline_at):
    """MEMBER_CHECK_REMINDER_DAYS before the deadline, or halfway when that would come sooner
    than halfway (a short deadline gets its reminder in the middle, not at once)."""
    before = deadline_at - timedelta(days=current_app.config["MEMBER_CHECK_REMINDER_DAYS"])
    return max(before, created_at + (deadline_at - created_at) / 2)


def _check_deadline(day, now):
    today = to_local(now).date()
    if day is None:
        raise DomainError(_("Enter the day the informant should answer by."), "deadline")
    if day <= today:
        raise DomainError(_("The deadline must be after today."), "deadline")
    if day > today + timedelta(days=LONGEST_DEADLINE_DAYS):
        raise DomainError(_("The deadline can be at most %(days)s days ahead.",
                            days=LONGEST_DEADLINE_DAYS), "deadline")
    try:
        return deadline_instant(day)
    except DomainError as error:
        raise DomainError(error.message, "deadline") from None


def ask_informant(interview, informant, *, deadline, by, now=None):
    """Send `informant` a member check of every quote of theirs from `interview` not yet asked
    about, answerable through a personal link until the end of `deadline` (a local date).

    Only an informant whose consent covers quotation can be asked. The informant is locked
    first, so a withdrawal at the same moment either comes first (and this is refused) or
    after (and cancels this request); two coordinators asking at once send one request."""
    now = now or utcnow()
    deadline_at = _check_deadline(deadline, now)
    [informant] = lock_rows(Informant, [informant.id])
    if not informant.status.may_be_contacted:
        raise NotAllowed(_not_asked(informant))
    if not consent_summaries([informant.id])[informant.id].may_quote:
        raise NotAllowed(_("%(code)s has not consented to direct quotation under an approved "
                           "form, so they cannot be asked about quotes.", code=informant.code))
    if not informant.email:
        raise DomainError(_("%(code)s has no email address. Add one first.", code=informant.code))
    quotes = db.session.scalars(
        select(Quote).where(Quote.interview_id == interview.id,
                            Quote.informant_id == informant.id, Quote.state == QuoteState.DRAFT)
        .order_by(Quote.id)).all()
    if not quotes:
        raise NotAllowed(_("There are no quotes of %(code)s from this interview waiting to be "
                           "asked about.", code=informant.code))
    request = MemberCheckRequest(
        interview_id=interview.id, informant_id=informant.id, status=RequestStatus.OPEN,
        language=Language(languages.for_informant(informant, interview)), deadline_at=deadline_at,
        remind_at=reminder_instant(now, deadline_at), created_at=now,
        created_by_id=getattr(by, "id", None))
    db.session.add(request)
    db.session.flush()
    for quote in quotes:
        quote.state, quote.request_id = QuoteState.REQUESTED, request.id
    _queue_email(request, informant, by=by, now=now, is_reminder=False)
    audit.record("member_check.request", by=by, entity=request,
                 after={**request.audit_snapshot(), "quote_ids": [q.id for q in quotes]},
                 now=now)
    db.session.commit()
    return request


def _not_asked(informant):
    """Why an informant who may not be contacted is not asked, as one sentence."""
    reason = informant.status.value
    if reason == "declined":
        return _("%(code)s has declined to take part, so they are not asked.",
                 code=informant.code)
    if reason == "withdrawn":
        return _("%(code)s has withdrawn from the study, so they are not asked.",
                 code=informant.code)
    return _("%(code)s has asked not to be contacted, so they are not asked.",
             code=informant.code)


def _queue_email(request, informant, *, by, now, is_reminder):
    language = request.language.value
    links = informant_links(informant, now, offer_consent=False)
    return outbox.queue_rendered_email(
        "member_check_request", language, recipient=(informant.email, informant.name),
        purpose="member-check-reminder" if is_reminder else "member-check", now=now,
        informant_id=informant.id, by=None if isinstance(by, str) else by,
        context={"recipient_name": informant.name, "member_check_url": issue_link(request, now=now),
                 "withdraw_url": links.withdraw_url, "is_reminder": is_reminder,
                 "deadline": languages.format_date(deadline_day(request), language)})


# The informant's side, through their link


def quotes_of_request(request_id):
    """The quotes a member-check page shows, in the order they were recorded."""
    return db.session.scalars(select(Quote).where(Quote.request_id == request_id)
                              .order_by(Quote.id)).all()


def answer_quote(context, quote_id, answer, *, edited_text=None, now=None):
    """The informant's answer to one quote: APPROVED, EDITED (with their wording, kept beside
    the original) or REFUSED. Returns the request (ANSWERED once every quote is).

    The answer is one conditional UPDATE of a quote still waiting: of two answers sent at once
    (two tabs), the second finds it answered and changes nothing (NotAllowed). The request row
    is locked first, so answers to its quotes, the deadline job and a withdrawal take turns."""
    now = now or utcnow()
    answer = QuoteState(answer)
    if answer not in ANSWERS:
        raise DomainError("Choose approve, edit or refuse.")
    if answer is QuoteState.EDITED:
        edited_text = _clean(edited_text, "edited_text", "Your wording", QUOTE_MAX, required=True)
    else:
        edited_text = None
    [request] = lock_rows(MemberCheckRequest, [context.request.id])
    if request.status is not RequestStatus.OPEN or request.deadline_at <= now:
        raise TokenProblem("used" if request.status is not RequestStatus.OPEN else "expired",
                           context.link.id)
    quote = db.session.scalar(select(Quote).where(Quote.id == quote_id,
                                                  Quote.request_id == request.id))
    if quote is None:
        raise TokenProblem("unknown", context.link.id)
    if answer is QuoteState.EDITED and edited_text == quote.text:
        raise SameWording("Your wording is the same as the quote: choose Approve instead, or "
                          "change the wording.", "edited_text")
    changed = db.session.execute(
        update(Quote).where(Quote.id == quote.id, Quote.state == QuoteState.REQUESTED)
        .values(state=answer, edited_text=edited_text, answered_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise NotAllowed("You have answered this quote already; nothing was changed.")
    audit.record("quote.answer", by=INFORMANT_LINK, entity=quote,
                 before={"state": QuoteState.REQUESTED.value},
                 after={"state": answer.value, "edited_text": edited_text,
                        "request_id": request.id}, now=now)
    still_open = db.session.scalar(select(func.count()).select_from(Quote).where(
        Quote.request_id == request.id, Quote.state == QuoteState.REQUESTED))
    if not still_open:
        request.status, request.closed_at = RequestStatus.ANSWERED, now
        audit.record("member_check.answered", by=INFORMANT_LINK, entity=request,
                     after={"status": request.status.value}, now=now)
    db.session.commit()
    db.session.refresh(quote)
    return request


# The scheduler's side


def send_due_reminders(*, now=None):
    """The one reminder of each open request whose reminder is due and that still has quotes
    waiting. Safe to run twice, and by two processes at once: the reminder is claimed by a
    conditional UPDATE in the transaction that queues its email. Returns how many were sent."""
    now = now or utcnow()
    due = db.session.scalars(
        select(MemberCheckRequest.id).where(MemberCheckRequest.status == RequestStatus.OPEN,
                                            MemberCheckRequest.reminded_at.is_(None),
                                            MemberCheckRequest.remind_at <= now,
                                            MemberCheckRequest.deadline_at > now)
        .order_by(MemberCheckRequest.id)).all()
    sent = 0
    for request_id in due:
        claimed = db.session.execute(
            update(MemberCheckRequest)
            .where(MemberCheckRequest.id == request_id,
                   MemberCheckRequest.status == RequestStatus.OPEN,
                   MemberCheckRequest.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            db.session.rollback()
            continue
        request = db.session.get(MemberCheckRequest, request_id, populate_existing=True)
        informant = db.session.get(Informant, request.informant_id)
        if informant.status.may_be_contacted and informant.email:
            _queue_email(request, informant, by=SCHEDULER, now=now, is_reminder=True)
            audit.record("member_check.reminder", by=SCHEDULER, entity=request,
                         after={"reminded_at": now.isoformat()}, now=now)
            sent += 1
        db.session.commit()
    return sent


def close_overdue_requests(*, now=None):
    """After its deadline, a request's unanswered quotes become "no answer" and the request
    expires. Idempotent. Returns the number of requests closed."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(MemberCheckRequest.id).where(MemberCheckRequest.status == RequestStatus.OPEN,
                                            MemberCheckRequest.deadline_at <= now)
        .order_by(MemberCheckRequest.id)).all()
    closed = 0
    for request_id in overdue:
        [request] = lock_rows(MemberCheckRequest, [request_id])
        if request.status is not RequestStatus.OPEN:
            db.session.rollback()
            continue
        unanswered = db.session.scalars(
            update(Quote).where(Quote.request_id == request.id,
                                Quote.state == QuoteState.REQUESTED)
            .values(state=QuoteState.NO_ANSWER).returning(Quote.id)
            .execution_options(synchronize_session=False)).all()
        request.status, request.closed_at = RequestStatus.EXPIRED, now
        audit.record("member_check.expire", by=SCHEDULER, entity=request,
                     after={"status": request.status.value,
                            "no_answer_quote_ids": sorted(unanswered)}, now=now)
        db.session.commit()
        closed += 1
    return closed


def run_member_checks(*, now=None):
    """The scheduler's job: reminders due, then deadlines passed."""
    now = now or utcnow()
    reminded = send_due_reminders(now=now)
    closed = close_overdue_requests(now=now)
    return f"reminded {reminded}, closed {closed}"


def interview_of(request):
    return db.session.get(Interview, request.interview_id)
