"""What an informant's personal link opens: their own record and form, and nothing else."""

from dataclasses import dataclass

from ...database import utcnow
from ...extensions import db
from ...informants.models import Informant
from ..models import ConsentFormVersion, ConsentRecord, ConsentStatus, FormStatus, TokenPurpose
from ..tokens import TokenProblem, find_token
from .records import record_of
from .versions import get_form_version


@dataclass(frozen=True)
class LinkContext:
    """What the informant's page may show: their own name, the form, nothing else."""

    token: object
    informant: Informant
    record: ConsentRecord | None
    version: ConsentFormVersion | None


def open_link(token, purpose, *, now=None):
    """The informant and form behind a link, or TokenProblem. Reading changes nothing."""
    now = now or utcnow()
    row = find_token(token, purpose, now=now)
    informant = db.session.get(Informant, row.informant_id)
    record = record_of(informant.id)
    if record is not None and record.status is ConsentStatus.WITHDRAWN:
        raise TokenProblem("used", row.id)
    version = get_form_version(row.form_version_id) if row.form_version_id else None
    if purpose is TokenPurpose.CONSENT:
        if version is None or version.status is not FormStatus.ACTIVE:
            raise TokenProblem("expired", row.id)
        if record is not None and record.form_version_id == version.id and \
                (record.status.is_consent or record.status is ConsentStatus.DECLINED):
            raise TokenProblem("used", row.id)
    return LinkContext(row, informant, record, version)
