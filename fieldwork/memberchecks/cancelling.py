"""What a withdrawal does to member checks: open requests are cancelled, and their quotes with
them. Kept apart from the services so the consent withdrawal can call it without importing the
member-check pages' dependencies (the services import consent)."""

from sqlalchemy import select, update

from .. import audit
from ..extensions import db
from .models import MemberCheckRequest, Quote, QuoteState, RequestStatus


def cancel_open_requests(informant_id, *, by, now):
    """Cancel the informant's open member checks and their unanswered quotes; quotes not yet
    asked about are cancelled too, since they can no longer be asked. No commit: part of the
    withdrawal's transaction. Returns the ids of the requests cancelled."""
    requests = db.session.scalars(
        select(MemberCheckRequest.id).where(MemberCheckRequest.informant_id == informant_id,
                                            MemberCheckRequest.status == RequestStatus.OPEN)
        .order_by(MemberCheckRequest.id)).all()
    if requests:
        db.session.execute(
            update(MemberCheckRequest).where(MemberCheckRequest.id.in_(requests),
                                             MemberCheckRequest.status == RequestStatus.OPEN)
            .values(status=RequestStatus.CANCELLED, closed_at=now)
            .execution_options(synchronize_session=False))
    # The informant is locked by the withdrawal, so no quote of theirs is added or asked about
    # between this read and the update below.
    before = dict(db.session.execute(
        select(Quote.id, Quote.state).where(Quote.informant_id == informant_id,
                                            Quote.state.in_([QuoteState.DRAFT,
                                                             QuoteState.REQUESTED]))).all())
    quotes = db.session.scalars(
        update(Quote).where(Quote.informant_id == informant_id,
                            Quote.state.in_([QuoteState.DRAFT, QuoteState.REQUESTED]))
        .values(state=QuoteState.CANCELLED).returning(Quote.id)
        .execution_options(synchronize_session=False)).all()
    if requests or quotes:
        audit.record("member_check.cancel", by=by, entity_type="informant",
                     entity_id=informant_id,
                     before={"request_ids": list(requests),
                             "quote_states": {str(i): before[i].value for i in sorted(quotes)
                                              if i in before}},
                     after={"request_ids": list(requests), "quote_ids": sorted(quotes),
                            "reason": "withdrawal"}, now=now)
    return requests
