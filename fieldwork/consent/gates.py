"""What consent allows, asked by other features: may we interview, record, quote, re-contact?

Plain functions with a fixed contract (other features call them): `consent_summaries`,
`consent_allows`, `require_participation_consent`, `require_recording_consent`,
`participation_consented_ids`. Consent holds when the record is given (in full or in part) under
a version that has been approved for use (active, or retired since), and the item is ticked.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from .models import (PARTICIPATION, QUOTATION, RECONTACT, RECORDING, STANDARD_ITEMS,
                     ConsentFormVersion, ConsentRecord, ConsentRecordItem, ConsentStatus,
                     FormStatus)

_CONSENT_STATUSES = (ConsentStatus.GIVEN, ConsentStatus.PARTLY_GIVEN)
_APPROVED_FORMS = (FormStatus.ACTIVE, FormStatus.RETIRED)


@dataclass(frozen=True)
class ConsentSummary:
    """An informant's consent as the gates see it. `is_current`: given under the version now
    active for its language (False means a re-consent may be due)."""

    status: ConsentStatus = ConsentStatus.NOT_REQUESTED
    items: dict = field(default_factory=lambda: dict.fromkeys(STANDARD_ITEMS, False))
    form_version_id: int | None = None
    is_current: bool = False
    form_is_approved: bool = False

    def allows(self, key):
        return self.status in _CONSENT_STATUSES and self.form_is_approved and \
            bool(self.items.get(key))

    @property
    def may_participate(self):
        return self.allows(PARTICIPATION)

    @property
    def may_record(self):
        return self.may_participate and self.allows(RECORDING)

    @property
    def may_quote(self):
        return self.may_participate and self.allows(QUOTATION)

    @property
    def may_recontact(self):
        return self.allows(RECONTACT)


NO_RECORD = ConsentSummary()


def consent_summaries(informant_ids):
    """{informant id: ConsentSummary} for every id given, in two queries whatever their number."""
    ids = sorted({int(i) for i in informant_ids})
    if not ids:
        return {}
    rows = db.session.execute(
        select(ConsentRecord.id, ConsentRecord.informant_id, ConsentRecord.status,
               ConsentRecord.form_version_id, ConsentFormVersion.status)
        .outerjoin(ConsentFormVersion, ConsentFormVersion.id == ConsentRecord.form_version_id)
        .where(ConsentRecord.informant_id.in_(ids))).all()
    items = {}
    if rows:
        for record_id, key, is_given in db.session.execute(
                select(ConsentRecordItem.record_id, ConsentRecordItem.key,
                       ConsentRecordItem.is_given)
                .where(ConsentRecordItem.record_id.in_([row[0] for row in rows]))):
            items.setdefault(record_id, {})[key] = is_given
    summaries = dict.fromkeys(ids, NO_RECORD)
    for record_id, informant_id, status, version_id, version_status in rows:
        states = dict.fromkeys(STANDARD_ITEMS, False)
        states.update(items.get(record_id, {}))
        summaries[informant_id] = ConsentSummary(
            status=status, items=states, form_version_id=version_id,
            is_current=status in _CONSENT_STATUSES and version_status is FormStatus.ACTIVE,
            form_is_approved=version_status in _APPROVED_FORMS)
    return summaries


def consent_allows(informant_id, *keys):
    """SQL that is true where the informant's consent allows every one of `keys`: the rule of
    `ConsentSummary.allows`, for a query that reads many informants (an export) to select per
    row, correlated on the `informant_id` column, instead of looking summaries up by id."""
    items = [select(ConsentRecordItem.record_id)
             .where(ConsentRecordItem.record_id == ConsentRecord.id, ConsentRecordItem.key == key,
                    ConsentRecordItem.is_given.is_(True)).exists()
             for key in keys]
    return (select(ConsentRecord.id)
            .join(ConsentFormVersion, ConsentFormVersion.id == ConsentRecord.form_version_id)
            .where(ConsentRecord.informant_id == informant_id,
                   ConsentRecord.status.in_(_CONSENT_STATUSES),
                   ConsentFormVersion.status.in_(_APPROVED_FORMS), *items)
            .exists())


def _require(informants, allowed, message):
    """`message(codes)`: the refusal naming the codes of those `allowed` refuses."""
    informants = list(informants)
    summaries = consent_summaries(i.id for i in informants)
    missing = sorted(i.code for i in informants if not allowed(summaries[i.id]))
    if missing:
        raise DomainError(message(", ".join(missing)))


def require_participation_consent(informants):
    """DomainError naming the codes of those without participation consent."""
    _require(informants, lambda s: s.may_participate, lambda codes: _(
        "No participation consent under an approved form for: %(codes)s.", codes=codes))


def require_recording_consent(informants):
    """DomainError naming the codes of those without consent to audio recording."""
    _require(informants, lambda s: s.may_record, lambda codes: _(
        "No audio recording consent under an approved form for: %(codes)s.", codes=codes))


def consented_ids(key):
    """A Select of the informant ids whose consent to item `key` currently holds."""
    return (select(ConsentRecord.informant_id)
            .join(ConsentRecordItem, ConsentRecordItem.record_id == ConsentRecord.id)
            .join(ConsentFormVersion, ConsentFormVersion.id == ConsentRecord.form_version_id)
            .where(ConsentRecord.status.in_(_CONSENT_STATUSES),
                   ConsentFormVersion.status.in_(_APPROVED_FORMS),
                   ConsentRecordItem.key == key, ConsentRecordItem.is_given.is_(True)))


def participation_consented_ids():
    """A Select of informant ids whose participation consent holds, for use as a subquery:
    `Informant.id.in_(participation_consented_ids())`."""
    return consented_ids(PARTICIPATION)
