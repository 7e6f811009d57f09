"""The coordinators' daily digest: tomorrow's interviews, the coming week's interviews that lack
participation consent, invitations declined, and the emails that failed.

`send_daily_digest` runs as often as the scheduler likes; from FIELDWORK_DIGEST_HOUR (study time)
each active coordinator gets one digest per local day, recorded in `staff_notice` with the outbox
row in one transaction. A day the scheduler was down all day gets no late digest: the next one
tells what matters then.

Staff emails are in English, like the pages the team works in. The digest names informants by
pseudonym code only: an inbox is a poorer place to keep names than the app.
"""

from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import languages
from ..access import UserRole
from ..auth.models import User
from ..consent.gates import consent_summaries
from ..extensions import db
from ..interviews.models import OPEN_STATUSES, Interview
from ..offers import queries as offers
from ..outbox import services as outbox
from ..outbox.models import OutboxMessage, OutboxStatus
from ..replies.services import open_declines
from ..timeutil import study_zone
from .models import StaffNotice

DIGEST = "digest"
FAILED_LISTED = 20
CONSENT_WINDOW_DAYS = 7  # how far ahead the digest looks for interviews without consent


def local_day_bounds(day):
    """The UTC instants a local day spans: 23, 24 or 25 hours around daylight-saving changes."""
    zone = study_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def recipients_without(kind, period, role, *, today):
    """Active users with `role` who have not had the `kind` notice for `period`."""
    sent = select(StaffNotice.user_id).where(StaffNotice.kind == kind,
                                             StaffNotice.period == period)
    return db.session.scalars(
        select(User).where(User.role == role, User.is_enabled.is_(True),
                           (User.expires_on.is_(None)) | (User.expires_on >= today),
                           User.id.not_in(sent))
        .order_by(User.id)).all()


def _open_interviews(start, end):
    return db.session.scalars(
        select(Interview).where(Interview.status.in_(OPEN_STATUSES), Interview.starts_at >= start,
                                Interview.starts_at < end)
        .options(selectinload(Interview.informants), selectinload(Interview.interviewers))
        .order_by(Interview.starts_at, Interview.id)).all()


def interviews_missing_consent(start, end):
    """Open interviews between `start` and `end` with the codes of their informants whose
    participation consent does not hold: [(interview, [code, ...])]."""
    interviews = _open_interviews(start, end)
    summaries = consent_summaries({i.id for interview in interviews for i in interview.informants})
    missing = []
    for interview in interviews:
        codes = [i.code for i in interview.informants if not summaries[i.id].may_participate]
        if codes:
            missing.append((interview, codes))
    return missing


def digest_content(day):
    """What the digest for `day` says: the interviews of the day after, the coming week's
    interviews without participation consent, and failed emails."""
    start, end = local_day_bounds(day + timedelta(days=1))
    interviews = _open_interviews(start, end)
    week_end, _ = local_day_bounds(day + timedelta(days=1 + CONSENT_WINDOW_DAYS))
    missing_consent = interviews_missing_consent(start, week_end)
    failed_count = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status == OutboxStatus.FAILED))
    failed = outbox.recent_failures(limit=FAILED_LISTED)
    declines = open_declines(local_day_bounds(day)[0])
    # What informants answered to offers since the start of yesterday: bookings made this way
    # reach no coordinator's inbox otherwise.
    since, _ = local_day_bounds(day - timedelta(days=1))
    _, until = local_day_bounds(day)
    offer_answers = offers.recent_answers(since, until)
    return {"day": day, "tomorrow": day + timedelta(days=1), "interviews": interviews,
            "declines": declines, "offer_answers": offer_answers,
            "missing_consent": missing_consent, "consent_window_days": CONSENT_WINDOW_DAYS,
            "failed_count": failed_count, "failed": failed}


def send_daily_digest(*, now):
    """Queue today's digest to each coordinator who has not had it; commits. Returns a summary."""
    local_now = now.astimezone(study_zone())
    if local_now.hour < current_app.config["DIGEST_HOUR"]:
        return "not yet time"
    day = local_now.date()
    users = recipients_without(DIGEST, day.isoformat(), UserRole.COORDINATOR, today=day)
    if not users:
        return "sent 0"
    content = digest_content(day)
    base_url = current_app.config["BASE_URL"].rstrip("/")
    for user in users:
        message = outbox.queue_rendered_email(
            "daily_digest", languages.for_user(user), recipient=(user.email, user.name), purpose="digest",
            now=now, user_id=user.id, context={**content, "base_url": base_url, "recipient_name": user.name})
        db.session.add(StaffNotice(kind=DIGEST, period=day.isoformat(), user_id=user.id,
                                   outbox_message_id=message.id, created_at=now))
    db.session.commit()
    return f"sent {len(users)}"
