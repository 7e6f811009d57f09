"""Making offers in tests, and reading the personal link back from the email that carries it."""

import re
from datetime import timedelta

from sqlalchemy import select

from fieldwork.extensions import db
from fieldwork.offers import services as offers
from fieldwork.outbox.models import OutboxMessage
from tests import factories

LINK = re.compile(r"/o/([A-Za-z0-9_-]{43})")
# Three offered times: Wednesday 4, Thursday 5 and Friday 6 March 2026, 10:00 in Oslo.
STARTS = [factories.oslo(2026, 3, day, 10) for day in (4, 5, 6)]


def offer_values(*, informants, interviewers, starts=STARTS, need="all", guide_version=None,
                 mode="video", place="", meeting_url="https://meet.example.org/room-1",
                 duration=60, language="", expires_at=None):
    return {"informant_ids": [i.id for i in informants],
            "interviewer_ids": [u.id for u in interviewers], "need": need,
            "duration_minutes": duration, "mode": mode, "place": place,
            "meeting_url": meeting_url,
            "guide_version_id": (guide_version or factories.published_version()).id,
            "language": language, "starts": list(starts),
            "expires_at": expires_at or min(starts) - timedelta(hours=12)}


def make_offers(*, by, now, **values):
    return offers.create_offers(offer_values(**values), by=by, now=now)


def token_for(offer):
    """The token in the newest offer email to the offer's informant."""
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.informant_id == offer.informant_id,
                                    OutboxMessage.purpose.in_(["offer", "offer-follow-up"]))
        .order_by(OutboxMessage.id.desc())).first()
    return token_in(message.raw)


def token_in(raw):
    return LINK.search(text_of(raw)).group(1)


def text_of(raw):
    """The plain-text body of a message, decoded."""
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    return message.get_body(preferencelist=("plain",)).get_content()


def ahead(days, hour=10):
    """`days` from today at `hour` in Oslo: for tests through the pages, which use the clock."""
    from datetime import datetime, time

    today = datetime.now(factories.OSLO).date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=factories.OSLO)


def offers_now(*, by, **values):
    """Offers made now, with three times 3, 4 and 5 days ahead unless told otherwise."""
    from fieldwork.database import utcnow

    values.setdefault("starts", [ahead(3), ahead(4), ahead(5)])
    return make_offers(by=by, now=utcnow(), **values)
