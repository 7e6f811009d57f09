"""The start page after login (the dashboard replaces it in a later feature)."""

from flask import Blueprint, render_template

from .access import ALL_ROLES, allow_roles
from .informants.services import informant_counts_by_status
from .informants.models import RecruitmentStatus

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@allow_roles(ALL_ROLES)
def index():
    counts = informant_counts_by_status()
    return render_template("home/index.html", counts=counts, statuses=list(RecruitmentStatus))
