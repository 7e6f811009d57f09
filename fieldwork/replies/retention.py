"""What calendar answers keep of a person, erased with the rest after the study's end: the
comments attendees wrote, and the address a proposal came from."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from ..extensions import db
from ..retention.services import ERASED, IdentityStore, register
from .models import AttendeeAnswer, CounterProposal


def _proposals_holding():
    return or_(CounterProposal.comment != "", CounterProposal.email != ERASED)


def _count():
    answers = db.session.scalar(select(func.count()).select_from(AttendeeAnswer)
                                .where(AttendeeAnswer.comment != ""))
    proposals = db.session.scalar(select(func.count()).select_from(CounterProposal)
                                  .where(_proposals_holding()))
    return answers + proposals


def _erase(now):
    answers = db.session.execute(
        update(AttendeeAnswer).where(AttendeeAnswer.comment != "").values(comment="")
        .execution_options(synchronize_session=False)).rowcount
    proposals = db.session.execute(
        update(CounterProposal).where(_proposals_holding()).values(comment="", email=ERASED)
        .execution_options(synchronize_session=False)).rowcount
    return answers + proposals


register(IdentityStore("calendar-answers", _l("Calendar answers with a comment or a proposer's address"),
                       _count, _erase, ("attendee_answer", "counter_proposal")))
