"""The informant's personal link to an offer: a random token in the URL, only its SHA-256 in
the database (as the consent links, fieldwork.consent.tokens).

Until the offer expires the link books one of its times. Once booked, it shows the booking and
moves or cancels it until FIELDWORK_OFFER_CUTOFF_HOURS before the interview; after the
interview has begun it no longer works. Declined, expired and cancelled offers' links show only
that the link no longer works.
"""

import secrets

from flask import current_app
from sqlalchemy import select

from ..consent.tokens import _TOKEN_SHAPE, TokenProblem, token_hash
from ..extensions import db
from .models import Offer, OfferLink, OfferStatus

OFFER_PATH = "/o/{token}"

__all__ = ["OFFER_PATH", "TokenProblem", "find_offer", "issue_link", "offer_url"]


def issue_link(offer, *, now):
    """A new token for `offer` (to put in one email); its hash is added to the session."""
    token = secrets.token_urlsafe(32)
    db.session.add(OfferLink(offer_id=offer.id, token_hash=token_hash(token), created_at=now))
    return token


def offer_url(token):
    return current_app.config["BASE_URL"].rstrip("/") + OFFER_PATH.format(token=token)


def find_offer(token, *, now):
    """The offer behind a URL's token, or TokenProblem ("unknown", "expired" or "used"). The
    lookup is by hash through a unique index."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        raise TokenProblem("unknown")
    row = db.session.execute(
        select(OfferLink.id, Offer).join(Offer, Offer.id == OfferLink.offer_id)
        .where(OfferLink.token_hash == token_hash(token))).first()
    if row is None:
        raise TokenProblem("unknown")
    link_id, offer = row
    if offer.status.is_open and offer.expires_at <= now:
        raise TokenProblem("expired", link_id)
    if offer.status is OfferStatus.EXPIRED:
        raise TokenProblem("expired", link_id)
    if offer.status in (OfferStatus.DECLINED, OfferStatus.CANCELLED):
        raise TokenProblem("used", link_id)
    return link_id, offer
