from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import UserRole, allow_roles
from ..database import utcnow
from ..forms import form_page
from ..outbox import services as outbox
from ..scheduler import JOBS
from .forms import TestEmailForm
from .services import scheduler_status

blueprint = Blueprint("scheduler", __name__, url_prefix="/admin/scheduler")


@blueprint.get("/", endpoint="status")
@allow_roles(UserRole.ADMIN)
def status():
    return _status_page(TestEmailForm(address=current_user.email))


@blueprint.post("/test-email")
@allow_roles(UserRole.ADMIN)
def test_email():
    form = TestEmailForm()
    return form_page(form, "scheduler/status.html", **_status_context(),
                     save=lambda f: outbox.send_test_email(f.address.data, language=f.language.data,
                                                           by=current_user),
                     done=_test_email_queued)


def _test_email_queued(message):
    flash(_("Test email queued. Its state is shown below: sent once the mail server took it."),
          "success")
    return redirect(url_for("scheduler.status"))


def _status_page(form):
    return render_template("scheduler/status.html", form=form, **_status_context())


def _status_context():
    return {"status": scheduler_status(now=utcnow()), "jobs": JOBS,
            "test_emails": outbox.recent_test_emails()}
