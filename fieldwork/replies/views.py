"""Buttons on the interview page for a proposed new time."""

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from ..access import MANAGING_ROLES, allow_roles
from ..extensions import db
from ..interviews.views import _act as interview_button
from . import (
    proposals,
    retention,  # noqa: F401 (registers with erasure what the answers hold of people)
)
from .models import CounterProposal

blueprint = Blueprint("replies", __name__, url_prefix="/interviews")


@blueprint.post("/<int:interview_id>/proposals/<int:proposal_id>/accept")
@allow_roles(MANAGING_ROLES)
def accept_proposal(interview_id, proposal_id):
    proposal = _proposal(interview_id, proposal_id)
    return _act(interview_id, lambda: proposals.accept_proposal(proposal, by=current_user),
                _("The interview is moved to the proposed time; everyone gets the update."))


@blueprint.post("/<int:interview_id>/proposals/<int:proposal_id>/decline")
@allow_roles(MANAGING_ROLES)
def decline_proposal(interview_id, proposal_id):
    proposal = _proposal(interview_id, proposal_id)
    return _act(interview_id, lambda: proposals.decline_proposal(proposal, by=current_user),
                _("Proposal declined; the proposer is told the interview keeps its time."))


def _proposal(interview_id, proposal_id):
    proposal = db.get_or_404(CounterProposal, proposal_id)
    if proposal.interview_id != interview_id:
        abort(404)
    return proposal


def _act(interview_id, do, message):
    return interview_button(interview_id, do, message)
