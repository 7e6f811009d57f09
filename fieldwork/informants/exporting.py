"""CSV export of the informant list, audit-logged, with identities only for those who manage them."""

from .. import audit
from ..extensions import db
from ..spreadsheet import write_csv
from .services import informant_query

PSEUDONYMISED_COLUMNS = ("code", "organisation", "governance_level", "role", "status", "language")
IDENTITY_COLUMNS = ("name", "email", "phone", "job_title")


def export_informants(criteria, *, by, with_identities, now=None):
    header = list(PSEUDONYMISED_COLUMNS) + (list(IDENTITY_COLUMNS) if with_identities else [])
    informants = db.session.scalars(informant_query(criteria, sees_identities=with_identities)).all()
    rows = []
    for i in informants:
        row = [i.code, i.organisation.code, i.organisation.governance_level.value, i.role.name,
               i.status.value, i.language.value]
        if with_identities:
            row += [i.name, i.email, i.phone, i.job_title]
        rows.append(row)
    audit.record("informant.export", by=by, now=now, after={
        "rows": len(rows),
        "with_identities": with_identities,
        "filtered": any([criteria.organisation_id, criteria.governance_level, criteria.role_id,
                         criteria.status, criteria.text]),
    })
    db.session.commit()
    return write_csv(header, rows)
