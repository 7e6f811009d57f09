"""Offers: the coordinator proposes times (making), the informant books, moves or cancels through
their personal link (booking), the scheduler follows up and expires what was not answered, and the
team's pages read them (queries). This module gathers the public functions in one place."""

from ..consent.tokens import TokenProblem  # noqa: F401
from . import retention  # noqa: F401  (registers what the study's erasure removes)
from .booking import (OfferContext, Slot, book, cancel_booking, decline,  # noqa: F401
                      free_interviewers, give_consent_through_offer, mark_opened, move,
                      open_offer)
from .making import create_offers, follow_up_offers, parse_instant, withdraw_offer  # noqa: F401
from .queries import (DashboardOffers, dashboard_summary, get_offer, offer_page,  # noqa: F401
                      pending_offer_times, recent_answers, status_counts)
from .rules import (FOLLOW_UP_HOURS, MAX_SLOTS, CutoffPassed, SlotTaken,  # noqa: F401
                    cutoff_hours, informant_actor)
