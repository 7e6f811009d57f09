"""The column names of every export, in one place: each stable key (today's English name, what a
program reading the file matches on) with its label in the exporting user's page language.

Who exports chooses with the query argument `header`: `language` (the default) writes the labels
in the page's language, `machine` writes the stable keys, byte for byte the files of before. In
English the labels are the keys, so an English user's file is the same either way. Only the names
follow the language: the values in the cells stay as they are.

The REFI-QDA project (.qdpx, fieldwork.exports.qdpx) is always English: its variables' ids are
made from their names, and an analysis program matches them across exports.
"""

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from werkzeug.exceptions import BadRequest

LANGUAGE, MACHINE = "language", "machine"
QUERY_ARGUMENT = "header"
CHOICES = (
    (LANGUAGE, _l("In my language")),
    (MACHINE, _l("Machine-readable (stable English keys)")),
)


# Stable key -> label. A key is written as it is, so never change one; change a label instead.
LABELS = {
    # Interviews as cases (fieldwork.exports.services)
    "Case": lazy_pgettext("export column", "Case"),
    "Informant code": lazy_pgettext("export column", "Informant code"),
    "Informant": lazy_pgettext("export column", "Informant"),
    "Interview": lazy_pgettext("export column", "Interview"),
    "Role": lazy_pgettext("export column", "Role"),
    "Role group": lazy_pgettext("export column", "Role group"),
    "Organisation": lazy_pgettext("export column", "Organisation"),
    "Governance level": lazy_pgettext("export column", "Governance level"),
    "Guide": lazy_pgettext("export column", "Guide"),
    "Guide version": lazy_pgettext("export column", "Guide version"),
    "Guide hash": lazy_pgettext("export column", "Guide hash"),
    "Date": lazy_pgettext("export column", "Date"),
    "Mode": lazy_pgettext("export column", "Mode"),
    "Duration (minutes)": lazy_pgettext("export column", "Duration (minutes)"),
    "Transcript status": lazy_pgettext("export column", "Transcript status"),
    "Interview status": lazy_pgettext("export column", "Interview status"),
    "Informants in interview": lazy_pgettext("export column", "Informants in interview"),
    "Consent to quotation": lazy_pgettext("export column", "Consent to quotation"),
    "Consent to recording": lazy_pgettext("export column", "Consent to recording"),
    "Questions covered": lazy_pgettext("export column", "Questions covered"),
    "Questions partly covered": lazy_pgettext("export column", "Questions partly covered"),
    "Questions not reached": lazy_pgettext("export column", "Questions not reached"),
    "Question coverage": lazy_pgettext("export column", "Question coverage"),
    "Quotes usable": lazy_pgettext("export column", "Quotes usable"),
    "Quote states": lazy_pgettext("export column", "Quote states"),
    "Name": lazy_pgettext("export column", "Name"),
    "Email": lazy_pgettext("export column", "Email"),
    "Phone": lazy_pgettext("export column", "Phone"),
    "Job title": lazy_pgettext("export column", "Job title"),
    "Interviewers": lazy_pgettext("export column", "Interviewers"),
    "Re-identification risk": lazy_pgettext("export column", "Re-identification risk"),
    "Variant": lazy_pgettext("export column", "Variant"),
    # The workbook's sheets, and the labels of its "About" sheet
    "About": lazy_pgettext("export column", "About"),
    "Cases": lazy_pgettext("export column", "Cases"),
    "What it holds": lazy_pgettext("export column", "What it holds"),
    "Minimum cell size (k)": lazy_pgettext("export column", "Minimum cell size (k)"),
    # The document register
    "Document": lazy_pgettext("export column", "Document"),
    "Title": lazy_pgettext("export column", "Title"),
    "Type": lazy_pgettext("export column", "Type"),
    "Issuing organisation": lazy_pgettext("export column", "Issuing organisation"),
    "Reference": lazy_pgettext("export column", "Reference"),
    "Status": lazy_pgettext("export column", "Status"),
    "Themes": lazy_pgettext("export column", "Themes"),
    "Linked interviews": lazy_pgettext("export column", "Linked interviews"),
    "Linked informants": lazy_pgettext("export column", "Linked informants"),
    "Notes": lazy_pgettext("export column", "Notes"),
    # The informant list (fieldwork.informants.exporting): lower-case keys, as the import reads
    "code": lazy_pgettext("export column", "code"),
    "organisation": lazy_pgettext("export column", "organisation"),
    "governance_level": lazy_pgettext("export column", "governance_level"),
    "role": lazy_pgettext("export column", "role"),
    "status": lazy_pgettext("export column", "status"),
    "language": lazy_pgettext("export column", "language"),
    "name": lazy_pgettext("export column", "name"),
    "email": lazy_pgettext("export column", "email"),
    "phone": lazy_pgettext("export column", "phone"),
    "job_title": lazy_pgettext("export column", "job_title"),
}


class BadColumnNames(BadRequest):
    """400 for a `header` query argument that is neither choice; the error page says why."""

    def __init__(self):
        super().__init__(_("The column names can only be chosen as header=language (in your "
                           "language) or header=machine (stable English keys)."))
        self.shows_description = True


def requested_style():
    """The request's `header` argument: LANGUAGE when absent or empty, MACHINE outside a
    request (the command line, a test calling a service); BadColumnNames for anything else."""
    if not has_request_context():
        return MACHINE
    value = request.args.get(QUERY_ARGUMENT, "").strip()
    if value in ("", LANGUAGE):
        return LANGUAGE
    if value == MACHINE:
        return MACHINE
    raise BadColumnNames()


def name(key, style=None):
    """The name written for the column (or sheet) `key`: its stable key, or its label in the
    page's language. `style` None reads the request (requested_style)."""
    if (style or requested_style()) == MACHINE:
        return key
    return str(LABELS[key])


def names(keys, style=None):
    """`name` of each key, as a list (a header row)."""
    style = style or requested_style()
    return [name(key, style) for key in keys]
