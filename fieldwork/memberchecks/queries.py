"""Reads of quotes and their member-check states, for the interview page, the quotes page and
the exports."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..informants.models import Informant
from ..timeutil import to_local
from .models import MemberCheckRequest, Quote, QuoteState


@dataclass(frozen=True)
class QuoteStatus:
    """A quote as the interview page and exports show it: by the informant's code only."""

    id: int
    informant_id: int
    informant_code: str
    text: str
    edited_text: str | None
    state: QuoteState
    deadline_at: datetime | None  # of the member check that asked about it, if any
    answered_at: datetime | None

    @property
    def answer_by(self):
        """The local day the informant was asked to answer by (the deadline ends it)."""
        if self.deadline_at is None:
            return None
        return to_local(self.deadline_at - timedelta(microseconds=1)).date()

    @property
    def usable_text(self):
        """The wording that may be published: the informant's own for an edited quote, the
        original for an approved one, None otherwise."""
        if self.state is QuoteState.EDITED:
            return self.edited_text
        return self.text if self.state is QuoteState.APPROVED else None


def quote_states(interview_ids):
    """{interview id: [QuoteStatus, ...] in the order recorded} for every id given (an
    interview without quotes maps to []), in one query whatever their number."""
    ids = sorted({int(i) for i in interview_ids})
    found = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(Quote.interview_id, Quote.id, Quote.informant_id, Informant.code, Quote.text,
               Quote.edited_text, Quote.state, MemberCheckRequest.deadline_at, Quote.answered_at)
        .join(Informant, Informant.id == Quote.informant_id)
        .outerjoin(MemberCheckRequest, MemberCheckRequest.id == Quote.request_id)
        .where(Quote.interview_id.in_(ids)).order_by(Quote.interview_id, Quote.id))
    for interview_id, *values in rows:
        found[interview_id].append(QuoteStatus(*values))
    return found


def quotes_of_interview(interview_id):
    """The quotes page: every quote with its context, informant and who added it."""
    return db.session.scalars(
        select(Quote).where(Quote.interview_id == interview_id)
        .options(db.joinedload(Quote.informant), db.joinedload(Quote.added_by))
        .order_by(Quote.id)).all()


def state_counts(quotes):
    """{QuoteState: how many} over `quotes`, for a short summary."""
    counts = {}
    for quote in quotes:
        counts[quote.state] = counts.get(quote.state, 0) + 1
    return counts
