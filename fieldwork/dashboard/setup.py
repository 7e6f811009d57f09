"""The setup checklist a new study sees on its dashboard: what must exist before fieldwork can
start, each step ticked once it is done, in one query."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, select

from ..consent.models import ConsentFormVersion, FormStatus
from ..extensions import db
from ..guides.models import GuideVersion, VersionStatus
from ..informants.models import Informant
from ..organisations.models import Organisation, Role
from ..outbox.models import OutboxMessage, OutboxStatus
from .models import SamplingTarget


@dataclass(frozen=True)
class SetupStep:
    label: str
    done: bool
    endpoint: str
    hint: str


def setup_steps():
    """The steps in the order they are best done; every step knows its page."""
    checks = db.session.execute(select(
        exists().where(Organisation.id.is_not(None)),
        exists().where(Role.id.is_not(None)),
        exists().where(ConsentFormVersion.status == FormStatus.ACTIVE),
        exists().where(GuideVersion.status == VersionStatus.PUBLISHED),
        exists().where(Informant.id.is_not(None)),
        exists().where(SamplingTarget.target > 0),
        exists().where(OutboxMessage.purpose == "delivery-check",
                       OutboxMessage.status == OutboxStatus.SENT),
    )).one()
    organisations, roles, consent_form, guide, informants, targets, mail_checked = checks
    return [
        SetupStep(_("Add organisations and roles"), bool(organisations and roles),
                  "organisations.list",
                  _("The hospital trusts and national bodies, and the informants' roles.")),
        SetupStep(_("Make a consent form active"), bool(consent_form), "consent.forms",
                  _("An information letter, in each language informants read.")),
        SetupStep(_("Publish an interview guide"), bool(guide), "guides.list",
                  _("A published version, so each interview records the questions asked.")),
        SetupStep(_("Register informants"), bool(informants), "informants.create",
                  _("Register them one by one or import a spreadsheet.")),
        SetupStep(_("Set sampling targets"), bool(targets), "dashboard.targets",
                  _("How many informants of each role you want from each organisation.")),
        SetupStep(_("Check the mail settings"), bool(mail_checked), "scheduler.status",
                  _("An admin sends a test email, so you know invitations will arrive.")),
    ]
