"""What changed between two versions of a guide, theme by theme and question by question.

Themes and questions are matched by key, never by text or position, so a reworded question is
"reworded", not "removed and added". A theme or question counts as moved when it changed theme or
when its order relative to the others did: those outside the longest run kept in the same order.
"""

from dataclasses import dataclass, field

ADDED, REMOVED, REWORDED, MOVED, PROBES = "added", "removed", "reworded", "moved", "probes"


@dataclass
class Row:
    """One line of the side-by-side view: the old item on the left, the new one on the right."""

    kind: str  # "theme" or "question"
    key: str
    old: dict | None
    new: dict | None
    changes: set = field(default_factory=set)
    old_theme: str | None = None  # the theme a moved question came from
    old_position: int | None = None  # 1-based number in the old version
    new_position: int | None = None

    @property
    def changed(self):
        return bool(self.changes)

    def probe_lines(self):
        """Old and new probes paired for display, each marked kept, removed or added."""
        old = self.old["probes"] if self.old else []
        new = self.new["probes"] if self.new else []
        return ([(p, "kept" if p in new else "removed") for p in old],
                [(p, "kept" if p in old else "added") for p in new])


@dataclass
class GuideDiff:
    rows: list

    @property
    def is_identical(self):
        return not any(row.changes for row in self.rows)

    def count(self, kind, change):
        return sum(1 for row in self.rows if row.kind == kind and change in row.changes)

    def summary(self):
        """{"theme": {"added": n, …}, "question": {…}} with only the non-zero counts."""
        result = {}
        for kind in ("theme", "question"):
            counts = {c: self.count(kind, c) for c in (ADDED, REMOVED, REWORDED, MOVED, PROBES)}
            result[kind] = {c: n for c, n in counts.items() if n}
        return result

    def changes_of(self, key):
        return next((row.changes for row in self.rows if row.key == key), None)


def _kept_in_order(old_keys, new_keys):
    """The keys of the longest common subsequence: those that did not move relative to others."""
    common = set(old_keys) & set(new_keys)
    a = [k for k in old_keys if k in common]
    b = [k for k in new_keys if k in common]
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            lengths[i][j] = (lengths[i + 1][j + 1] + 1 if a[i] == b[j]
                             else max(lengths[i + 1][j], lengths[i][j + 1]))
    kept, i, j = set(), 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            kept.add(a[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def _merge(old_keys, new_keys):
    """New order, with each key that only the old version has placed after its old predecessor."""
    merged = list(new_keys)
    for index, key in enumerate(old_keys):
        if key in merged:
            continue
        previous = next((k for k in reversed(old_keys[:index]) if k in merged), None)
        merged.insert(merged.index(previous) + 1 if previous else 0, key)
    return merged


def compare_content(old, new):
    old_themes = {t["key"]: t for t in old["themes"]}
    new_themes = {t["key"]: t for t in new["themes"]}
    old_home, new_home, old_questions, new_questions = {}, {}, {}, {}
    old_position, new_position = {}, {}
    for content, home, questions, position in ((old, old_home, old_questions, old_position),
                                               (new, new_home, new_questions, new_position)):
        number = 0
        for theme in content["themes"]:
            for question in theme["questions"]:
                number += 1
                home[question["key"]] = theme["key"]
                questions[question["key"]] = question
                position[question["key"]] = number

    theme_order = _merge(list(old_themes), list(new_themes))
    themes_kept = _kept_in_order(list(old_themes), list(new_themes))
    rows = []
    for theme_key in theme_order:
        before, after = old_themes.get(theme_key), new_themes.get(theme_key)
        row = Row("theme", theme_key, before, after)
        if before is None:
            row.changes.add(ADDED)
        elif after is None:
            row.changes.add(REMOVED)
        else:
            if before["title"] != after["title"]:
                row.changes.add(REWORDED)
            if theme_key not in themes_kept:
                row.changes.add(MOVED)
        rows.append(row)
        rows.extend(_question_rows(theme_key, before, after, old_themes, old_home, new_home,
                                   old_questions, old_position, new_position))
    return GuideDiff(rows)


def _question_rows(theme_key, before, after, old_themes, old_home, new_home, old_questions,
                   old_position, new_position):
    old_keys = [q["key"] for q in before["questions"]] if before else []
    new_keys = [q["key"] for q in after["questions"]] if after else []
    # Questions that left this theme are shown in their new theme, not here.
    staying_old = [k for k in old_keys if new_home.get(k, theme_key) == theme_key]
    kept = _kept_in_order(staying_old, new_keys)
    new_by_key = {q["key"]: q for q in after["questions"]} if after else {}
    rows = []
    for key in _merge(staying_old, new_keys):
        old_q, new_q = old_questions.get(key), new_by_key.get(key)
        row = Row("question", key, old_q, new_q, old_position=old_position.get(key),
                  new_position=new_position.get(key))
        if old_q is None:
            row.changes.add(ADDED)
        elif new_q is None:
            row.changes.add(REMOVED)
        else:
            if old_q["text"] != new_q["text"]:
                row.changes.add(REWORDED)
            if old_q["probes"] != new_q["probes"]:
                row.changes.add(PROBES)
            if old_home[key] != theme_key:
                row.changes.add(MOVED)
                row.old_theme = old_themes[old_home[key]]["title"]
            elif key not in kept:
                row.changes.add(MOVED)
        rows.append(row)
    return rows
