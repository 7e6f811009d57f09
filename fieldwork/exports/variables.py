"""The variables of a REFI-QDA project (fieldwork.exports.qdpx): what an analyst sees as case
and document attributes, with their types and descriptions.

Not translated, on purpose: the project is English in every language, since the variables' GUIDs
are made from these names (see qdpx.py); the CSV and XLSX column names are in columns.py."""

from . import services

# (name, type, description): the case variables, in the order an analyst sees them.
CASE_VARIABLES = (
    ("Organisation", "Text", "issuing organisation's short code (pseudonymised and identified)"),
    ("Governance level", "Text", "national, regional, local, vendor or research"),
    ("Role", "Text", "the informant's role (pseudonymised and identified)"),
    ("Role group", "Text", ("clinical, management and governance, technical and legal, vendor "
                            "or other roles (coarsened)")),
    ("Guide", "Text", "title of the interview guide"),
    ("Guide version", "Integer", "number of the guide version used"),
    ("Guide hash", "Text", "SHA-256 of the guide version's content: the exact text asked"),
    ("Mode", "Text", "in-person, video or phone"),
    ("Date", "Date", "the interview's date in the study's time zone"),
    ("Duration (minutes)", "Integer", "actual duration where recorded, else as planned"),
    ("Transcript stage", "Text", ("where the transcript is: none, in-progress, transcribed, "
                                  "checked, pseudonymised or coded")),
    ("Interview status", "Text", "conducted, or still planned when all interviews are chosen"),
    ("Informants in interview", "Integer", "more than one: a group interview"),
    ("Consent to quotation", "Boolean", "every informant's consent covers direct quotation"),
    ("Consent to recording", "Boolean", "every informant's consent covers audio recording"),
    ("Re-identification risk", "Text", ("a small cell (fewer than k informants) an informant "
                                        "of this case is in; empty: none")),
    ("Questions covered", "Integer", "guide questions the interview covered fully"),
    ("Questions partly covered", "Integer", "guide questions it covered in part"),
    ("Questions not reached", "Integer", "guide questions it did not reach"),
    ("Question coverage", "Text", ("question key=all, some or not-reached, for each question "
                                   "recorded, separated by semicolons")),
    ("Quotes usable", "Integer", ("quotes the informants approved in their member check, as "
                                  "said or in their own edited wording: only these may be "
                                  "published")),
    ("Quote states", "Text", ("how many of the interview's quotes are in each member-check "
                              "state: draft (not asked yet), requested (waiting), approved, "
                              "edited, refused, no-answer (deadline passed), cancelled "
                              "(withdrawn from the study); e.g. approved=2; refused=1")),
    ("Informant names", "Text", "identified export only: personal data"),
)
DOCUMENT_VARIABLES = (
    ("Document type", "Text", "white paper, strategy, plan, board minutes ..."),
    ("Issuing organisation", "Text", "short code of the organisation that issued it"),
    ("Document governance level", "Text", "the level the document speaks for"),
    ("Document date", "Date", "date of issue"),
    ("Reference", "Text", "where the document is found (URL, archive reference)"),
    ("Document status", "Text", "identified, obtained or analysed"),
    ("Themes", "Text", "themes of the document analysis, separated by semicolons"),
)
# What each variant leaves out.
LEFT_OUT = {
    services.PSEUDONYMISED: {"Role group", "Informant names"},
    services.COARSENED: {"Organisation", "Role", "Informant names"},
    services.IDENTIFIED: {"Role group", "Re-identification risk"},
}
