"""Re-identification risk in exports for analysis: small cells and the coarsened variant.

At this study's scale a pseudonym code plus organisation and role can be one person ("the data
protection officer at Vestfold"). A *cell* is one combination of organisation × role or of
governance level × role; it is *small* when fewer than k informants (FIELDWORK_MIN_CELL_SIZE)
fall in it, counting each informant once however many interviews they gave. Empty cells are not
small: there is no one in them to recognise.

The coarsened variant replaces the role by its role group and the organisation by its governance
level, then merges what is still small: first the role group into "other roles" within its
level, then what is still small into "other roles" at "other levels"; informants still in a cell
under k after that have their level and role group withheld. So every (level, role group) value
that a coarsened file shows is shared by at least k informants in that file (tests/exports/
test_risk.py proves it with Hypothesis).
"""

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass

OTHER_ROLES = "other roles"
OTHER_LEVELS = "other levels"
WITHHELD = "withheld"

# Role groups for the coarsened variant, matched on the words of a role's name (roles are an
# editable list, so a new role lands in a group if its name says what it is, else in "other
# roles"). The first group with a matching phrase wins: a "vendor project lead" is a vendor.
ROLE_GROUPS = (
    ("vendor", ("vendor", "supplier", "leverandør")),
    ("technical and legal", ("it", "ikt", "security", "sikkerhet", "data protection",
                             "personvernombud", "privacy", "legal", "lawyer", "jurist",
                             "engineer", "architect")),
    ("clinical", ("radiologist", "radiolog", "radiographer", "radiograf", "medical physicist",
                  "physicist", "fysiker", "physician", "lege", "nurse", "clinician")),
    ("management and governance", ("manager", "leder", "board", "styre", "project lead",
                                   "director", "direktør", "head", "chief", "owner")),
)


def role_group(role_name):
    """The role group of a role, by the words of its name; "other roles" when none says."""
    words = " " + " ".join(re.findall(r"[a-zæøå]+", (role_name or "").lower())) + " "
    for group, phrases in ROLE_GROUPS:
        if any(f" {phrase} " in words for phrase in phrases):
            return group
    return OTHER_ROLES


@dataclass(frozen=True)
class Person:
    """What an export says about one informant that could single them out."""

    informant_id: int
    organisation: str
    level: str
    role: str


class SmallCells:
    """The small cells among `people` (one Person per informant in the export)."""

    def __init__(self, people, k):
        self.k = k
        self.by_organisation, self.by_level = Counter(), Counter()
        for p in people:  # once: `people` may be rows read as they come
            self.by_organisation[(p.organisation, p.role)] += 1
            self.by_level[(p.level, p.role)] += 1

    def mark(self, organisation, level, role):
        """The text of the risk column for a row: empty, or which cells are under k."""
        marks = []
        n = self.by_organisation.get((organisation, role), 0)
        if 0 < n < self.k:
            marks.append(f"organisation × role: {n} informant{'s' if n != 1 else ''} "
                         f"(under {self.k})")
        n = self.by_level.get((level, role), 0)
        if 0 < n < self.k:
            marks.append(f"governance level × role: {n} informant{'s' if n != 1 else ''} "
                         f"(under {self.k})")
        return "; ".join(marks)


def small_cell_count(people, k):
    cells = SmallCells(people, k)
    return sum(1 for n in (*cells.by_organisation.values(), *cells.by_level.values()) if n < k)


def coarsen(people, k):
    """{informant id: (level, role group)} in which every pair shown is shared by at least k of
    `people`; (WITHHELD, WITHHELD) for those who could not be merged into such a pair."""
    shown = {p.informant_id: (p.level, role_group(p.role)) for p in people}
    for merge in (lambda level, group: (level, OTHER_ROLES),
                  lambda level, group: (OTHER_LEVELS, OTHER_ROLES),
                  lambda level, group: (WITHHELD, WITHHELD)):
        sizes = Counter(shown.values())
        shown = {i: (merge(*pair) if sizes[pair] < k else pair) for i, pair in shown.items()}
    return shown


def opaque_code(secret, informant_id):
    """A code for the coarsened variant that, unlike the study's pseudonym codes (VVHT-RAD-03),
    says nothing about organisation or role; stable while the app's secret key is."""
    digest = hmac.new(secret.encode(), f"informant:{informant_id}".encode(), hashlib.sha256)
    return "P-" + digest.hexdigest()[:8].upper()
