from flask import Blueprint, render_template

from ..access import UserRole, allow_roles
from ..database import utcnow
from ..scheduler import JOBS
from .services import scheduler_status

blueprint = Blueprint("scheduler", __name__, url_prefix="/admin/scheduler")


@blueprint.get("/", endpoint="status")
@allow_roles(UserRole.ADMIN)
def status():
    return render_template("scheduler/status.html", status=scheduler_status(now=utcnow()),
                           jobs=JOBS)
