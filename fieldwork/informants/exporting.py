"""CSV export of the informant list, audit-logged, with identities only for those who manage them."""

from dataclasses import replace

from .. import audit
from ..audit import security
from ..extensions import db
from ..spreadsheet import write_csv
from .services import IDENTITY_SORTS, informant_query

PSEUDONYMISED_COLUMNS = ("code", "organisation", "governance_level", "role", "status", "language")
IDENTITY_COLUMNS = ("name", "email", "phone", "job_title")


def export_informants(criteria, *, by, with_identities, now=None):
    """The informants matching `criteria` as CSV text, and an audit event saying who took them.

    `by` is a User, or audit.COMMAND_LINE. The rows are those the user's list shows: a researcher
    searching by name gets the same informants, only without the identity columns. A user who may
    not see identities never gets them, whatever the caller asks for.
    """
    sees_identities = getattr(by, "sees_identities", True)
    with_identities = with_identities and sees_identities
    header = list(PSEUDONYMISED_COLUMNS) + (list(IDENTITY_COLUMNS) if with_identities else [])
    if not with_identities and criteria.sort in IDENTITY_SORTS:
        # A file without names sorted by name would still give the names' order away.
        criteria = replace(criteria, sort="code")
    informants = db.session.scalars(informant_query(criteria, sees_identities=sees_identities)).all()
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
    if with_identities:
        security.add_identity_export(by=by, export="informants", rows=len(rows), now=now)
    db.session.commit()
    return write_csv(header, rows)
