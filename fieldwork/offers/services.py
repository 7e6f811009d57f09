"""Offers: the coordinator proposes times (making), the informant books, moves or cancels through
their personal link (booking), the scheduler follows up and expires what was not answered, and the
team's pages read them (queries). This module gathers the public functions in one place."""

from ..consent.tokens import TokenProblem  # noqa: F401
from .booking import (  # noqa: F401
                      OfferContext,
                      Slot,
                      book,
                      cancel_booking,
                      decline,
                      free_interviewers,
                      give_consent_through_offer,
                      mark_opened,
                      move,
                      open_offer,
)
from .making import create_offers, follow_up_offers, parse_instant, withdraw_offer  # noqa: F401
from .queries import (  # noqa: F401
                      DashboardOffers,
                      dashboard_summary,
                      get_offer,
                      offer_page,
                      recent_answers,
                      status_counts,
)
from .rules import (  # noqa: F401
                      FOLLOW_UP_HOURS,
                      MAX_SLOTS,
                      CutoffPassed,
                      SlotTaken,
                      cutoff_hours,
                      informant_actor,
)
