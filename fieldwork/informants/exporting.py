"""CSV export of the informant list, audit-logged, with identities only for those who manage them;
written row by row as the rows are read (see downloads.py)."""

from dataclasses import replace

from sqlalchemy import func, select

from .. import audit
from ..audit import security
from ..downloads import read_only, stream_rows
from ..exports.columns import names as column_names
from ..extensions import db
from ..organisations.models import Organisation, Role
from ..spreadsheet import csv_chunks
from .models import Informant
from .services import IDENTITY_SORTS, informant_query

PSEUDONYMISED_COLUMNS = ("code", "organisation", "governance_level", "role", "status", "language")
IDENTITY_COLUMNS = ("name", "email", "phone", "job_title")


def export_informants(criteria, *, by, with_identities, now=None):
    """The informants matching `criteria` as CSV text chunks, after an audit event saying who
    took them is committed; the rows are read and written as the chunks are taken.

    `by` is a User, or audit.COMMAND_LINE. The rows are those the user's list shows: a researcher
    searching by name gets the same informants, only without the identity columns. A user who may
    not see identities never gets them, whatever the caller asks for.
    """
    sees_identities = getattr(by, "sees_identities", True)
    with_identities = with_identities and sees_identities
    # Stable keys, named in the user's language unless ?header=machine (exports/columns.py).
    header = column_names(list(PSEUDONYMISED_COLUMNS)
                          + (list(IDENTITY_COLUMNS) if with_identities else []))
    if not with_identities and criteria.sort in IDENTITY_SORTS:
        # A file without names sorted by name would still give the names' order away.
        criteria = replace(criteria, sort="code")
    matching = informant_query(criteria, sees_identities=sees_identities)
    rows = db.session.scalar(select(func.count()).select_from(
        matching.with_only_columns(Informant.id).order_by(None).subquery()))
    audit.record("informant.export", by=by, now=now, after={
        "rows": rows,
        "with_identities": with_identities,
        "filtered": any([criteria.organisation_id, criteria.governance_level, criteria.role_id,
                         criteria.status, criteria.text]),
    })
    if with_identities:
        security.add_identity_export(by=by, export="informants", rows=rows, now=now)
    db.session.commit()
    # Only the columns the file holds, as plain rows: no informant objects are built.
    identities = (Informant.name, Informant.email, Informant.phone, Informant.job_title) \
        if with_identities else ()
    columns = matching.with_only_columns(
        Informant.code, Organisation.code, Organisation.governance_level, Role.name,
        Informant.status, Informant.language, *identities)
    return csv_chunks(header, read_only(_rows(columns)))


def _rows(query):
    for code, organisation, level, role, status, language, *identity in stream_rows(query):
        yield [code, organisation, level.value, role, status.value, language.value, *identity]
