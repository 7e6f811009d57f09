"""What the offer modules share: limits, who the informant is in the audit log, refusals."""

from flask import current_app

from ..errors import NotAllowed

MAX_SLOTS = 20
FOLLOW_UP_HOURS = 24  # an unanswered offer is followed up once, this long before it expires
SCHEDULER = "scheduler"


class SlotTaken(NotAllowed):
    """The chosen time is no longer free: someone else booked it, or the team scheduled it."""


class CutoffPassed(NotAllowed):
    """Too close to the interview to move or cancel it through the link."""


def informant_actor(offer):
    """Who the audit log names when the informant acts through their link: by code, never name."""
    return f"informant {offer.informant.code} via offer link"


def cutoff_hours():
    return current_app.config["OFFER_CUTOFF_HOURS"]
