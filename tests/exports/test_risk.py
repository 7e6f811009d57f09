"""Re-identification risk: small cells are marked in the pseudonymised case tables, and the
coarsened variant never shows a cell of fewer than k informants (proved with Hypothesis on the
rule, and checked on a file read back from the app)."""

import csv
import io
from collections import Counter
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldwork.exports import risk, services
from fieldwork.interviews import afterwards
from tests import factories
from tests.exports.test_exports import AFTER, BEFORE, OSLO, read_csv, read_xlsx, study  # noqa: F401

LEVELS = ("national", "regional", "local", "vendor", "research")
ROLES = ("Radiologist", "Radiographer", "Medical physicist", "Clinic manager", "Board member",
         "Project lead", "IT/security", "Data protection officer", "Vendor", "Nurse", "Economist")

people = st.lists(
    st.tuples(st.sampled_from(("VVHT", "VHT", "HSØ", "HOD", "DIR", "NSE")),
              st.sampled_from(LEVELS), st.sampled_from(ROLES)),
    max_size=60).map(lambda rows: [risk.Person(n, *row) for n, row in enumerate(rows)])


@settings(max_examples=300, deadline=None)
@given(people=people, k=st.integers(1, 8))
def test_the_coarsened_variant_never_shows_a_cell_under_k(people, k):
    shown = risk.coarsen(people, k)
    assert set(shown) == {p.informant_id for p in people}  # nobody is dropped
    cells = Counter(shown.values())
    for (level, group), n in cells.items():
        if level == risk.WITHHELD:
            # Withheld: nothing about level or role group is shown at all.
            assert group == risk.WITHHELD
        else:
            assert n >= k, (level, group, n)
    # Every level shown is each informant's own level, or "other levels".
    for p in people:
        level, group = shown[p.informant_id]
        assert level in (p.level, risk.OTHER_LEVELS, risk.WITHHELD)
        assert group in (risk.role_group(p.role), risk.OTHER_ROLES, risk.WITHHELD)


@given(people=people)
def test_cells_of_k_or_more_are_left_as_they_are(people):
    k = 2
    sizes = Counter((p.level, risk.role_group(p.role)) for p in people)
    shown = risk.coarsen(people, k)
    for p in people:
        pair = (p.level, risk.role_group(p.role))
        if sizes[pair] >= k:
            assert shown[p.informant_id] == pair


def test_role_groups():
    assert {r: risk.role_group(r) for r in ROLES} == {
        "Radiologist": "clinical", "Radiographer": "clinical", "Medical physicist": "clinical",
        "Clinic manager": "management and governance", "Board member": "management and governance",
        "Project lead": "management and governance", "IT/security": "technical and legal",
        "Data protection officer": "technical and legal", "Vendor": "vendor",
        "Nurse": "clinical", "Economist": "other roles"}


def test_small_cells_are_marked_and_k_is_a_setting(study, client, login_as, app):  # noqa: F811
    login_as("analyst")
    rows = read_csv(client.get("/exports/interviews.csv"))
    header = rows[0]
    assert header[-2:] == ["Re-identification risk", "Variant"]
    marks = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    ase = marks[study["ase"].code]
    assert ase["Re-identification risk"] == ("organisation × role: 1 informant (under 3); "
                                             "governance level × role: 1 informant (under 3)")
    assert ase["Variant"].startswith("pseudonymised")
    app.config["MIN_CELL_SIZE"] = 1
    rows = read_csv(client.get("/exports/interviews.csv"))
    assert {r[-2] for r in rows[1:]} == {""}


def test_coarsened_case_table_read_back_has_no_cell_under_k(app, client, login_as):
    """Four radiologists and a radiographer at two local trusts, two vendors, one board member:
    at k = 3 the clinical cell at local level holds and the three others merge into one; at
    k = 2 the vendors hold and the board member, alone, is withheld."""
    coordinator = factories.make_user(role="coordinator")
    version = factories.published_version(by=coordinator)
    factories.make_consent_form("nb", by=coordinator)
    vvht = factories.make_organisation("Vestre Viken HT", "VVHT", "local")
    vht = factories.make_organisation("Vestfold HT", "VHT", "local")
    vendor = factories.make_organisation("Vendor AS", "VND", "vendor")
    hod = factories.make_organisation("Ministry", "HOD", "national")
    radiologist, radiographer = factories.make_role("Radiologist"), factories.make_role("Radiographer")
    seller, board = factories.make_role("Vendor"), factories.make_role("Board member")
    informants = ([factories.make_informant(vvht, radiologist) for _ in range(2)]
                  + [factories.make_informant(vht, radiologist) for _ in range(2)]
                  + [factories.make_informant(vht, radiographer)]
                  + [factories.make_informant(vendor, seller) for _ in range(2)]
                  + [factories.make_informant(hod, board)])
    for n, informant in enumerate(informants):
        factories.give_consent(informant, by=coordinator, now=BEFORE)
        interview = factories.make_interview(
            by=coordinator, informants=[informant], guide_version=version, now=BEFORE,
            start=datetime(2026, 3, 3 + n, 9, 0, tzinfo=OSLO))
        afterwards.mark_conducted(interview, by=coordinator, now=AFTER)

    login_as("analyst")
    rows = read_csv(client.get("/exports/interviews-coarsened.csv"))
    header = rows[0]
    assert header == services.case_header("coarsened")
    cases = [dict(zip(header, r)) for r in rows[1:]]
    assert len(cases) == 8
    cells = Counter((c["Governance level"], c["Role group"]) for c in cases)
    assert cells == {("local", "clinical"): 5, ("other levels", "other roles"): 3}
    body = "\n".join(",".join(r) for r in rows)
    for told in ("VVHT", "VHT", "Radiologist", "Board member", *(i.code for i in informants)):
        assert told not in body
    assert all(c["Variant"].startswith("coarsened") for c in cases)
    # Row order is by date, not by the codes that were left out.
    assert [c["Date"] for c in cases] == sorted(c["Date"] for c in cases)

    app.config["MIN_CELL_SIZE"] = 2
    sheet = read_xlsx(client.get("/exports/interviews-coarsened.xlsx"))
    values = list(sheet.iter_rows(values_only=True))
    cells = Counter((r[4], r[3]) for r in values[1:])
    assert cells == {("local", "clinical"): 5, ("vendor", "vendor"): 2,
                     ("withheld", "withheld"): 1}
    text = io.StringIO()
    csv.writer(text).writerows(values)
    assert "Board member" not in text.getvalue()


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chosen=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), min_size=1, max_size=7),
       k=st.integers(2, 4))
def test_the_coarsened_export_read_from_the_database_never_has_a_cell_under_k(app, chosen, k):
    """The same, through the export itself: each example's interviews on days of their own, so
    the date filter gives a file with those informants only."""
    pool = app.extensions.setdefault("risk-test-pool", {})
    if not pool:
        pool["coordinator"] = factories.make_user(role="coordinator")
        pool["version"] = factories.published_version(by=pool["coordinator"])
        factories.make_consent_form("nb", by=pool["coordinator"])
        pool["organisations"] = [factories.make_organisation(level=level)
                                 for level in ("local", "local", "national", "vendor")]
        pool["roles"] = [factories.make_role(name) for name in
                         ("Radiologist", "Radiographer", "Board member", "Vendor", "IT/security")]
        pool["day"] = datetime(2026, 3, 3, 9, 0, tzinfo=OSLO)
    coordinator, first_day = pool["coordinator"], pool["day"]
    for n, (organisation, role) in enumerate(chosen):
        informant = factories.make_informant(pool["organisations"][organisation],
                                             pool["roles"][role])
        factories.give_consent(informant, by=coordinator, now=BEFORE)
        interview = factories.make_interview(
            by=coordinator, informants=[informant], guide_version=pool["version"], now=BEFORE,
            start=first_day + timedelta(days=n))
        afterwards.mark_conducted(interview, by=coordinator,
                                  now=max(AFTER, first_day + timedelta(days=n, hours=2)))
    last_day = first_day + timedelta(days=len(chosen) - 1)
    pool["day"] = last_day + timedelta(days=1)

    criteria = services.ExportFilter(date_from=first_day.date(), date_to=last_day.date())
    header, rows = services.interview_cases(criteria, coarsened=True, k=k, secret="s")
    cases = [dict(zip(header, row)) for row in rows]
    assert len(cases) == len(chosen)
    cells = Counter((c["Governance level"], c["Role group"]) for c in cases)
    for (level, group), n in cells.items():
        assert level == group == risk.WITHHELD or n >= k, (level, group, n)
