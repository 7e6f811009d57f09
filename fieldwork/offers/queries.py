"""Reading offers: one offer with what its pages need, the offers page, the dashboard's and the
digest's parts, and the row lock that every change of an offer takes first."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..database import ListPage, lock_rows, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..interviews.queries import get_interview
from .models import OPEN_OFFER_STATUSES, Offer, OfferStatus


def lock_offer(offer_id):
    [offer] = lock_rows(Offer, [offer_id]) or [None]
    if offer is None:
        raise NotAllowed(_("The offer no longer exists."))
    return load_offer(offer_id)


def load_offer(offer_id):
    return db.session.scalar(
        select(Offer).where(Offer.id == offer_id)
        .options(selectinload(Offer.informant), selectinload(Offer.interviewers),
                 selectinload(Offer.slots), selectinload(Offer.created_by),
                 selectinload(Offer.guide_version))
        .execution_options(populate_existing=True))



# The team's pages


def offer_page(*, status=None, page=1, per_page=50):
    """A page of offers, newest first, with informant, interviewers and interview loaded."""
    rows = select(Offer).options(selectinload(Offer.informant), selectinload(Offer.slots),
                                 selectinload(Offer.interviewers),
                                 selectinload(Offer.interview))
    count = select(func.count()).select_from(Offer)
    if status is not None:
        rows, count = rows.where(Offer.status == status), count.where(Offer.status == status)
    rows = rows.order_by(Offer.created_at.desc(), Offer.id.desc())
    return ListPage(rows, count, scalars=True, page=page, per_page=per_page, error_out=False)


def get_offer(offer_id):
    offer = load_offer(offer_id)
    if offer is not None and offer.interview_id:
        offer.booked_interview = get_interview(offer.interview_id)
    return offer


def status_counts():
    counts = dict(db.session.execute(select(Offer.status, func.count())
                                     .group_by(Offer.status)).all())
    return {status: counts.get(status, 0) for status in OfferStatus}


@dataclass(frozen=True)
class DashboardOffers:
    waiting: int   # sent or opened, not answered yet
    answers: list  # the newest answers of the last 7 days


def dashboard_summary(*, now=None, limit=10):
    """The dashboard's part: offers waiting and the newest answers, in two queries."""
    now = now or utcnow()
    waiting = db.session.scalar(select(func.count()).select_from(Offer)
                                .where(Offer.status.in_(OPEN_OFFER_STATUSES)))
    answers = db.session.scalars(
        select(Offer).where(Offer.answered_at >= now - timedelta(days=7))
        .options(selectinload(Offer.informant), selectinload(Offer.interview))
        .order_by(Offer.answered_at.desc(), Offer.id.desc()).limit(limit)).all()
    return DashboardOffers(waiting, answers)


def recent_answers(start, end):
    """Offers answered (booked, declined, cancelled) between `start` and `end`, for the digest
    and the dashboard, with their interviews."""
    return db.session.scalars(
        select(Offer).where(Offer.answered_at >= start, Offer.answered_at < end)
        .options(selectinload(Offer.informant), selectinload(Offer.interview))
        .order_by(Offer.answered_at, Offer.id)).all()


def pending_offer_times(user_ids, start, end, *, now):
    """Times offered to informants who have not answered yet (open offers not expired) that
    involve any of these interviewers and fall between `start` and `end`: [(starts_at, ends_at,
    offer id)] in time order. Not booked, so not busy; a finder of free times may show them as
    offered, since the first informant to book one takes it."""
    from .models import OfferSlot, offer_interviewer

    ids = sorted(set(user_ids))
    if not ids:
        return []
    return [tuple(row) for row in db.session.execute(
        select(OfferSlot.starts_at, OfferSlot.ends_at, OfferSlot.offer_id)
        .join(Offer, Offer.id == OfferSlot.offer_id)
        .where(Offer.status.in_(OPEN_OFFER_STATUSES), Offer.expires_at > now,
               OfferSlot.starts_at < end, OfferSlot.ends_at > start,
               Offer.id.in_(select(offer_interviewer.c.offer_id)
                            .where(offer_interviewer.c.user_id.in_(ids))))
        .order_by(OfferSlot.starts_at, OfferSlot.offer_id)).all()]
