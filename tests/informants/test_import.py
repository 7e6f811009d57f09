"""CSV import of informants: upload, preview with per-row errors, confirm; all rows or none."""

import io
import re
import threading
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldwork import audit
from fieldwork.audit.models import AuditEvent
from fieldwork.auth.models import User
from fieldwork.database import utcnow
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.informants import importing, services
from fieldwork.informants.models import (Informant, InformantImport, Language,
                                         RecruitmentStatus)
from tests import factories

HEADER = ["name", "email", "phone", "organisation", "role", "job_title", "language", "status"]


def csv_bytes(rows, *, sep=",", bom=False, header=HEADER, encoding="utf-8"):
    """A CSV file as a spreadsheet program writes it: CRLF line ends, optional BOM."""
    lines = [sep.join(header)] + [sep.join(row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def upload(client, raw, filename="informants.csv"):
    return client.post("/informants/import", data={"file": (io.BytesIO(raw), filename)},
                       content_type="multipart/form-data")


def staged_id_in(response):
    match = re.search(r'/informants/import/([A-Za-z0-9_-]+)/confirm', response.get_data(as_text=True))
    return match.group(1) if match else None


def count(model, *where):
    db.session.commit()  # end the test's transaction, so rows committed by requests are seen
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def informants_by_name():
    db.session.commit()
    return {i.name: i for i in db.session.scalars(select(Informant))}


@pytest.fixture
def vv(app):
    return factories.make_organisation(name="Vestre Viken HF", code="VV")


@pytest.fixture
def rad(app):
    return factories.make_role(name="Radiolog", code="RAD")


TWO_ROWS = [
    ["Åse Ødegård", "Ase@Example.org", "912 34 567", "VV", "RAD", "Overlege", "nb", "agreed"],
    ["Bjørn Ærø", "", "", "VV", "RAD", "", "en", ""],
]


# --- Happy path ------------------------------------------------------------------------------

@pytest.mark.parametrize("sep", [",", ";"], ids=["comma", "semicolon"])
@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_import_accepts_comma_or_semicolon_with_or_without_bom(app, vv, rad, coordinator, sep, bom):
    """A file as Excel writes it (either separator, BOM or not) imports with æøå intact."""
    staged_id, preview = importing.stage_import(csv_bytes(TWO_ROWS, sep=sep, bom=bom), by=coordinator)
    assert preview.is_valid, [row.errors for row in preview.rows]

    assert importing.confirm_import(staged_id, by=coordinator) == 2

    people = informants_by_name()
    assert set(people) == {"Åse Ødegård", "Bjørn Ærø"}
    ase, bjorn = people["Åse Ødegård"], people["Bjørn Ærø"]
    assert (ase.email, ase.phone, ase.job_title) == ("ase@example.org", "+4791234567", "Overlege")
    assert (ase.language, ase.status) == (Language.NB, RecruitmentStatus.AGREED)
    assert (bjorn.email, bjorn.phone) == (None, None)
    assert (bjorn.language, bjorn.status) == (Language.EN, RecruitmentStatus.IDENTIFIED)
    assert {ase.organisation_id, bjorn.organisation_id} == {vv.id}
    assert {ase.role_id, bjorn.role_id} == {rad.id}


def test_organisation_and_role_by_code_or_name_in_any_case(app, vv, rad, coordinator):
    """Organisation and role may be written as code or name, in any letter case."""
    rows = [["Kari A", "", "", "vv", "rad", "", "", ""],
            ["Kari B", "", "", "VESTRE VIKEN HF", "radiolog", "", "", ""],
            ["Kari C", "", "", " Vestre viken hf ", "Rad", "", "", ""]]
    preview = importing.preview_import(csv_bytes(rows))

    assert preview.is_valid, [row.errors for row in preview.rows]
    assert [(r.values["organisation"].id, r.values["role"].id) for r in preview.rows] == \
        [(vv.id, rad.id)] * 3


def test_import_assigns_codes_per_prefix_never_reusing_numbers(app, vv, rad, coordinator):
    """Codes continue each organisation+role prefix, and a deleted informant's number stays used."""
    factories.make_role(name="Prosjektleder", code="PL")
    factories.make_organisation(name="Helse Tromsø", code="HT3")
    gone = factories.make_informant(organisation=vv, role=rad)
    assert gone.code == "VV-RAD-01"
    services.delete_informant(gone, by=audit.COMMAND_LINE)
    rows = [["Kari A", "", "", "VV", "RAD", "", "", ""],
            ["Kari B", "", "", "HT3", "PL", "", "", ""],
            ["Kari C", "", "", "VV", "RAD", "", "", ""],
            ["Kari D", "", "", "HT3", "RAD", "", "", ""]]
    staged_id, _ = importing.stage_import(csv_bytes(rows), by=coordinator)

    importing.confirm_import(staged_id, by=coordinator)

    codes = {name: i.code for name, i in informants_by_name().items()}
    assert codes == {"Kari A": "VV-RAD-02", "Kari C": "VV-RAD-03", "Kari B": "HT3-PL-01",
                     "Kari D": "HT3-RAD-01"}


def test_import_writes_one_create_event_per_row(app, vv, rad, coordinator):
    """Every imported informant has its own informant.create audit event, by the importer."""
    staged_id, _ = importing.stage_import(csv_bytes(TWO_ROWS), by=coordinator)
    importing.confirm_import(staged_id, by=coordinator)

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "informant.create")).all()
    people = informants_by_name()
    assert sorted(e.entity_id for e in events) == sorted(str(i.id) for i in people.values())
    assert {e.actor_id for e in events} == {coordinator.id}
    by_id = {e.entity_id: e for e in events}
    ase = people["Åse Ødegård"]
    assert by_id[str(ase.id)].after == ase.audit_snapshot()


def test_upload_preview_then_confirm_through_the_pages(app, client, login_as, vv, rad):
    """Upload shows a preview with the rows and a confirm button; confirming imports them."""
    login_as("coordinator")

    response = upload(client, csv_bytes(TWO_ROWS, sep=";", bom=True))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Åse Ødegård" in page and "Import 2 informants" in page
    assert count(Informant) == 0
    staged_id = staged_id_in(response)
    assert staged_id

    response = client.post(f"/informants/import/{staged_id}/confirm")

    assert response.status_code == 302
    assert set(informants_by_name()) == {"Åse Ødegård", "Bjørn Ærø"}
    assert count(InformantImport) == 0  # the uploaded personal data is not kept


@pytest.mark.parametrize("role", ["researcher", "analyst"])
def test_only_coordinators_and_admins_may_import(app, client, login_as, vv, rad, role):
    """Researchers and analysts cannot upload a file."""
    login_as(role)

    assert upload(client, csv_bytes(TWO_ROWS)).status_code == 403
    assert count(InformantImport) == 0


def test_names_typed_on_a_mac_match_organisation_and_role(app, vv, coordinator):
    """A name in decomposed Unicode (as macOS may write it) matches the stored name."""
    advisor = factories.make_role(name="Rådgiver", code="RG")
    decomposed = unicodedata.normalize("NFD", "rådgiver")
    assert decomposed != "rådgiver"

    preview = importing.preview_import(csv_bytes([["Kari", "", "", "VV", decomposed, "", "", ""]]))

    assert preview.is_valid and preview.rows[0].values["role"].id == advisor.id


def test_a_code_wins_over_another_organisations_name(app, coordinator):
    """When one organisation's name is another's code, the cell means the code."""
    by_code = factories.make_organisation(name="Universitetssykehuset Nord-Norge", code="UNN")
    factories.make_organisation(name="Unn", code="XYZ")
    factories.make_role(name="Radiolog", code="RAD")

    preview = importing.preview_import(csv_bytes([["Kari", "", "", "unn", "RAD", "", "", ""]]))

    assert preview.rows[0].values["organisation"].id == by_code.id


# --- Wrong header ----------------------------------------------------------------------------

@pytest.mark.parametrize("header,expected", [
    (["name", "email", "organisation"], "missing column(s): role"),
    (["name", "organisation", "role", "shoe_size"], "unknown column(s): shoe_size"),
    (["name", "organisation", "Role", "role"], "repeated column(s): role"),
    (["navn", "organisation"], "missing column(s): name, role"),
], ids=["missing", "unknown", "repeated", "several"])
def test_wrong_header_is_refused_naming_the_columns(app, client, login_as, vv, rad, header, expected):
    """A wrong header line gets 422 and a message naming the columns; nothing is staged."""
    login_as("coordinator")
    raw = csv_bytes([["Kari", "VV", "RAD", "x"][:len(header)]], header=header)

    response = upload(client, raw)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert expected in page
    assert "Expected columns: name, email, phone" in page
    assert count(InformantImport) == 0 and count(Informant) == 0


def test_file_without_a_header_line_is_refused_without_echoing_the_row(app, client, login_as, vv, rad):
    """A file that starts with an informant is refused without repeating their details."""
    login_as("coordinator")

    response = upload(client, "Åse Ødegård,ase@example.org,VV,RAD\r\n".encode())

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The first line must name the columns" in page
    assert "Ødegård" not in page and "ase@example.org" not in page
    assert count(InformantImport) == 0


def test_wrong_header_raises_in_the_service(app, vv, rad, coordinator):
    """The service refuses a wrong header before staging anything."""
    with pytest.raises(DomainError, match=r"missing column\(s\): organisation"):
        importing.stage_import(b"name,role\r\nKari,RAD\r\n", by=coordinator)
    assert count(InformantImport) == 0


def test_header_names_are_matched_loosely(app, vv, rad):
    """Header names ignore case, surrounding spaces, and spaces or dashes for underscores."""
    raw = csv_bytes([["Kari", "VV", "RAD", "Overlege"]],
                    header=[" Name ", "ORGANISATION", "Role", "Job title"])

    preview = importing.preview_import(raw)

    assert preview.is_valid
    assert preview.rows[0].values["job_title"] == "Overlege"


def test_trailing_empty_header_cells_are_ignored(app, vv, rad):
    """Excel's trailing separators after the last column name are not an unknown column."""
    raw = b"name;organisation;role;;\r\nKari;VV;RAD;;\r\n"

    preview = importing.preview_import(raw)

    assert preview.is_valid, [row.errors for row in preview.rows]


def test_empty_column_name_between_columns_is_refused_clearly(app, vv, rad):
    """A column without a name in the middle of the header is reported by its position."""
    with pytest.raises(DomainError, match=r"column 2 has no name"):
        importing.preview_import(b"name,,organisation,role\r\nKari,x,VV,RAD\r\n")


# --- Blank rows and row shape ------------------------------------------------------------------

def test_blank_rows_and_separator_only_rows_are_skipped(app, vv, rad):
    """Empty lines and lines of only separators (as Excel leaves them) are not informants."""
    raw = ("name;organisation;role\r\n"
           "\r\n"
           ";;\r\n"
           "Kari;VV;RAD\r\n"
           " ; ;  \r\n"
           ";;;;;;\r\n"
           "Ola;VV;RAD\r\n"
           "\r\n").encode()

    preview = importing.preview_import(raw)

    assert preview.is_valid
    assert [(row.line, row.values["name"]) for row in preview.rows] == [(4, "Kari"), (7, "Ola")]


def test_row_with_too_many_cells_is_an_error(app, vv, rad):
    """A row with more filled cells than the header has columns is refused; empty extras are not."""
    raw = b"name,organisation,role\r\nKari,VV,RAD,surplus\r\nOla,VV,RAD,,\r\n"

    preview = importing.preview_import(raw)

    assert [row.line for row in preview.error_rows] == [2]
    assert "more cells than the header" in preview.rows[0].errors["row"]
    assert not preview.is_valid


def test_line_numbers_are_where_the_row_starts(app, vv, rad):
    """A row after a multi-line quoted cell is reported on the line where it starts."""
    raw = ('name,organisation,role,notes\r\n'
           'Kari,VV,RAD,"first line\r\nsecond line"\r\n'
           'Ola,Nowhere,RAD,\r\n').encode()

    preview = importing.preview_import(raw)

    assert [row.line for row in preview.rows] == [2, 4]
    assert preview.rows[0].values["notes"] == "first line\nsecond line"


# --- Per-row errors ------------------------------------------------------------------------------

def _file_with_every_row_error(existing_email):
    return csv_bytes([
        ["Kari Nordmann", "kari@example.org", "", "VV", "RAD", "", "", ""],        # line 2: fine
        ["Bad Email", "not-an-email", "", "VV", "RAD", "", "", ""],                # 3
        ["Bad Phone", "", "12", "VV", "RAD", "", "", ""],                          # 4
        ["Unknown Org", "", "", "Nowhere HF", "RAD", "", "", ""],                  # 5
        ["Duplicate", "KARI@example.org", "", "VV", "RAD", "", "", ""],            # 6
        ["Existing", existing_email, "", "VV", "RAD", "", "", ""],                 # 7
        ["Bad Status", "", "", "VV", "RAD", "", "", "maybe"],                      # 8
        ["Bad Language", "", "", "VV", "RAD", "", "de", ""],                       # 9
        ["Kari\x07Bell", "", "", "VV", "RAD", "", "", ""],                         # 10
        ["", "", "", "VV", "RAD", "Overlege", "", ""],                             # 11
        ["Unknown Role", "", "", "VV", "Baker", "", "", ""],                       # 12
    ])


EXPECTED_ERRORS = {
    3: ("email", "Enter a valid email address"),
    4: ("phone", "Enter a Norwegian phone number"),
    5: ("organisation", "Unknown organisation"),
    6: ("email", "The same email address is on line 2."),
    7: ("email", "This email address already belongs to informant VV-RAD-01."),
    8: ("status", "Status must be one of"),
    9: ("language", "Language must be nb or en."),
    10: ("name", "Name contains control characters"),
    11: ("name", "Name is required."),
    12: ("role", "Unknown role"),
}


def test_preview_reports_each_row_error_with_its_line(app, vv, rad):
    """Every kind of row problem is reported against the line it is on."""
    factories.make_informant(organisation=vv, role=rad, email="taken@example.org")

    preview = importing.preview_import(_file_with_every_row_error("Taken@Example.org"))

    found = {row.line: row.errors for row in preview.error_rows}
    assert sorted(found) == sorted(EXPECTED_ERRORS)
    for line, (column, text) in EXPECTED_ERRORS.items():
        assert list(found[line]) == [column], (line, found[line])
        assert text in found[line][column], (line, found[line])
    assert not preview.is_valid


def test_row_errors_are_shown_with_status_422_and_nothing_can_be_confirmed(app, client, login_as, vv, rad):
    """A file with bad rows gets 422, a table of line and problem, no confirm button, no import."""
    factories.make_informant(organisation=vv, role=rad, email="taken@example.org")
    login_as("coordinator")

    response = upload(client, _file_with_every_row_error("taken@example.org"))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "10 row(s) have errors" in page
    for line, (column, text) in EXPECTED_ERRORS.items():
        assert re.search(rf"<td>{line}</td><td>{column}</td><td>{re.escape(text)}", page), line
    assert staged_id_in(response) is None
    assert count(InformantImport) == 0  # the personal data in a refused file is not kept
    assert count(Informant) == 1


def test_a_file_with_errors_cannot_be_confirmed_in_the_service(app, vv, rad, coordinator):
    """All or none: one bad row means no informant from the file is created."""
    rows = [TWO_ROWS[0], ["Bad Phone", "", "12", "VV", "RAD", "", "", ""]]

    staged_id, preview = importing.stage_import(csv_bytes(rows), by=coordinator)

    assert not preview.is_valid and staged_id is None
    with pytest.raises(DomainError):
        importing.confirm_import(staged_id, by=coordinator)
    assert count(Informant) == 0 and count(InformantImport) == 0


def test_email_registered_between_preview_and_confirm_refuses_the_whole_file(app, vv, rad, coordinator):
    """Confirm checks again: an email taken meanwhile stops the import, and nothing is created."""
    staged_id, preview = importing.stage_import(csv_bytes(TWO_ROWS), by=coordinator)
    assert preview.is_valid
    other = factories.make_informant(organisation=vv, role=rad, email="ase@example.org")

    with pytest.raises(DomainError, match=rf"Line 2 \(email\): .*{other.code}"):
        importing.confirm_import(staged_id, by=coordinator)

    assert count(Informant) == 1
    assert count(AuditEvent, AuditEvent.action == "informant.create") == 1
    assert count(InformantImport) == 1  # unchanged: refused input changes nothing


def test_email_taken_meanwhile_is_refused_on_the_confirm_page(app, client, login_as, vv, rad):
    """Through the pages the refused confirm answers 409 with the reason, and imports nothing."""
    login_as("coordinator")
    staged_id = staged_id_in(upload(client, csv_bytes(TWO_ROWS)))
    factories.make_informant(organisation=vv, role=rad, email="ase@example.org")

    response = client.post(f"/informants/import/{staged_id}/confirm")

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "nothing was imported" in page and "VV-RAD-01" in page
    assert count(Informant) == 1


# --- Files that are not right ----------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("name,organisation,role\r\nÅse Ødegård,VV,RAD\r\n".encode("latin-1"), "not UTF-8"),
    (b"", "The file is empty"),
    (b"\xef\xbb\xbf", "The file is empty"),
    (b"\r\n\r\n", "The file is empty"),
    (b"name,organisation,role\r\n", "header but no informants"),
    (b"name;organisation;role\r\n;;\r\n\r\n", "header but no informants"),
    (b"name,organisation,role\r\nKari\x00,VV,RAD\r\n", "not a CSV text file"),
], ids=["latin-1", "empty", "bom-only", "blank-lines", "header-only", "header-and-blanks", "binary"])
def test_unreadable_files_get_a_clear_message_and_422(app, client, login_as, vv, rad, raw, expected):
    """Files that cannot be imported are refused with a message saying why; nothing is staged."""
    login_as("coordinator")

    response = upload(client, raw)

    assert response.status_code == 422
    assert expected in response.get_data(as_text=True)
    assert count(InformantImport) == 0 and count(Informant) == 0


def test_upload_without_a_file_asks_for_one(app, client, login_as):
    """Submitting the form without a file gets 422 and asks for one."""
    login_as("coordinator")

    response = client.post("/informants/import", data={}, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "Choose a CSV file." in response.get_data(as_text=True)


# --- Staged imports ----------------------------------------------------------------------------------

def test_another_users_staged_import_cannot_be_confirmed(app, vv, rad, coordinator):
    """Only the person who uploaded a file may confirm it."""
    staged_id, _ = importing.stage_import(csv_bytes(TWO_ROWS), by=coordinator)
    colleague = factories.make_user("coordinator")

    with pytest.raises(DomainError, match="expired or was already done"):
        importing.confirm_import(staged_id, by=colleague)
    assert count(Informant) == 0


def test_another_users_staged_import_is_refused_on_the_confirm_page(app, client, login_as, vv, rad):
    """A colleague posting someone else's confirm link gets 409 and imports nothing."""
    login_as("coordinator")
    staged_id = staged_id_in(upload(client, csv_bytes(TWO_ROWS)))
    login_as("admin")

    response = client.post(f"/informants/import/{staged_id}/confirm")

    assert response.status_code == 409
    assert "expired or was already done" in response.get_data(as_text=True)
    assert count(Informant) == 0


def test_staged_import_expires_after_two_hours(app, vv, rad, coordinator):
    """A file left for more than two hours must be uploaded again; within two hours it is fine."""
    start = utcnow()
    late_id, _ = importing.stage_import(csv_bytes(TWO_ROWS[:1]), by=coordinator, now=start)
    in_time_id, _ = importing.stage_import(csv_bytes(TWO_ROWS[1:]), by=coordinator, now=start)

    with pytest.raises(DomainError, match="expired"):
        importing.confirm_import(late_id, by=coordinator, now=start + timedelta(hours=2, seconds=1))
    assert importing.confirm_import(in_time_id, by=coordinator,
                                    now=start + timedelta(hours=1, minutes=59)) == 1

    assert set(informants_by_name()) == {"Bjørn Ærø"}


def test_expired_staged_files_are_deleted_on_the_next_upload(app, vv, rad, coordinator):
    """Staged files hold personal data: those never confirmed are removed once expired."""
    start = utcnow()
    importing.stage_import(csv_bytes(TWO_ROWS), by=coordinator, now=start)

    importing.stage_import(csv_bytes(TWO_ROWS), by=coordinator, now=start + timedelta(hours=3))

    assert count(InformantImport) == 1


def test_confirming_twice_imports_once(app, vv, rad, coordinator):
    """A second confirm of the same file (double click, back button) creates nobody again."""
    staged_id, _ = importing.stage_import(csv_bytes(TWO_ROWS), by=coordinator)
    importing.confirm_import(staged_id, by=coordinator)

    with pytest.raises(DomainError, match="already done"):
        importing.confirm_import(staged_id, by=coordinator)

    assert count(Informant) == 2


def test_confirming_twice_through_the_pages_imports_once(app, client, login_as, vv, rad):
    """The second POST of the confirm form answers 409 and creates nobody again."""
    login_as("coordinator")
    staged_id = staged_id_in(upload(client, csv_bytes(TWO_ROWS)))

    assert client.post(f"/informants/import/{staged_id}/confirm").status_code == 302
    assert client.post(f"/informants/import/{staged_id}/confirm").status_code == 409

    assert count(Informant) == 2


def test_two_simultaneous_confirms_import_once(app, vv, rad, coordinator):
    """Two confirms of one file at the same moment (two tabs, a double click) create it once."""
    rows = [[f"Person {n}", "", "", "VV", "RAD", "", "", ""] for n in range(2000)]
    staged_id, _ = importing.stage_import(csv_bytes(rows), by=coordinator)
    user_id = coordinator.id
    start = threading.Barrier(2)
    outcomes = []

    def confirm():
        with app.app_context():
            user = db.session.get(User, user_id)
            start.wait()
            try:
                outcomes.append(importing.confirm_import(staged_id, by=user))
            except DomainError as error:
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes, key=str) == [2000, importing._NOT_AVAILABLE]
    assert count(Informant) == 2000


# --- Size ----------------------------------------------------------------------------------------

def test_thousands_of_rows_import_in_one_go(app, client, login_as):
    """A file of 4,000 informants is previewed and imported in one go, with unique codes that go
    past three digits. (How fast is a benchmark's question, not a test's.)"""
    organisations = [factories.make_organisation(name=f"Helse {n}", code=f"H{n}") for n in (1, 2)]
    roles = [factories.make_role(name=f"Rolle {n}", code=f"R{n}") for n in (1, 2)]
    login_as("coordinator")
    rows = [[f"Åse Ødegård {n}", f"person{n}@example.org", f"4{n:07d}",
             organisations[n % 2].code, roles[(n // 2) % 2].name, "Overlege", "nb", "identified"]
            for n in range(4_000)]
    raw = csv_bytes(rows, sep=";", bom=True)

    response = upload(client, raw)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    confirmed = client.post(f"/informants/import/{staged_id_in(response)}/confirm")
    assert confirmed.status_code == 302
    db.session.commit()
    codes = db.session.scalars(select(Informant.code)).all()
    assert len(codes) == 4_000 and len(set(codes)) == 4_000
    assert count(AuditEvent, AuditEvent.action == "informant.create") == 4_000
    for prefix in ("H1-R1", "H1-R2", "H2-R1", "H2-R2"):
        assert f"{prefix}-01" in codes and f"{prefix}-1000" in codes and f"{prefix}-1001" not in codes
