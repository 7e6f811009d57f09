"""The calendar pages: which instants a week or month covers, how many interviews each part of it
shows, and where each interview sits in the week's time grid.

All of it works on local days of the study's time zone. A local day is 23 or 25 hours long on
the days the clocks change, so every boundary is computed as a UTC instant from the zone's own
rules and never by adding 24 hours.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from . import queries
from ..timeutil import local_to_utc, study_zone

SLOT = timedelta(minutes=15)  # one row of the week grid
# A month shows this many interviews a day and "+N more": a month page stays readable and costs
# the same however busy the study is.
MONTH_PER_DAY = 3
# The week draws this many interviews starting in each hour; more are counted in the day's
# heading and linked to that day's list. Two teams at once fit side by side in a day's column at
# 1366 px; a third would leave each too narrow to read a code.
WEEK_PER_HOUR = 2
# The week grid always shows these hours (from 07:00 to 19:00), and the night hours only when
# an interview falls in them.
WORKING_HOURS = (7, 19)


@dataclass
class CalendarDay:
    date: date
    entries: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self):
        return self.total - len(self.entries)


# The week as a time grid, the month, and the week as a list by day (for print).
VIEWS = ("week", "month", "list")


def neighbours(view, day):
    """The dates the Previous and Next links go to."""
    if view == "month":
        return ((day.replace(day=1) - timedelta(days=1)).replace(day=1),
                (day.replace(day=28) + timedelta(days=4)).replace(day=1))
    return day - timedelta(days=7), day + timedelta(days=7)


def day_start(day):
    """The UTC instant a local day begins."""
    return local_to_utc(day, time(0))


def calendar_days(view, day):
    """The local dates a week or month page shows around `day`, Monday first, whole weeks."""
    if view == "month":
        first = day.replace(day=1)
        start = first - timedelta(days=first.weekday())
        following = (first + timedelta(days=32)).replace(day=1)
        end = following + timedelta(days=(7 - following.weekday()) % 7)
    else:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    return [start + timedelta(days=n) for n in range((end - start).days)]


def hours_of(day):
    """The UTC instants at which each hour of a local day begins: 23, 24 or 25 of them.
    (Hours in the study zone begin on whole UTC hours wherever the offset is whole hours.)"""
    begin, end = day_start(day), day_start(day + timedelta(days=1))
    count = int((end - begin) / timedelta(hours=1))
    return [begin + timedelta(hours=n) for n in range(count)], end


def load_days(view, days, *, interviewer_id=None, with_names=False):
    """The interviews the page shows on each day, and how many each day has in all, in the same
    number of queries whatever the number of interviews."""
    buckets, owners = [], []
    for index, day in enumerate(days):
        if view == "month":
            buckets.append((day_start(day), day_start(day + timedelta(days=1))))
            owners.append(index)
        else:
            starts, end = hours_of(day)
            for n, begin in enumerate(starts):
                buckets.append((begin, starts[n + 1] if n + 1 < len(starts) else end))
                owners.append(index)
    per_bucket = MONTH_PER_DAY if view == "month" else WEEK_PER_HOUR
    found = queries.calendar_entries(buckets, per_bucket=per_bucket,
                                     interviewer_id=interviewer_id, with_names=with_names)
    result = [CalendarDay(day) for day in days]
    for (entries, total), owner in zip(found, owners):
        result[owner].entries.extend(entries)
        result[owner].total += total
    return result


# The week as a time grid ---------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One row of the grid: a quarter of an hour of local time. In the hour the clocks go back,
    the same wall-clock time comes twice; `fold` tells the two apart."""

    hour: int
    fold: int
    minute: int
    label: str

    @property
    def key(self):
        return self.hour, self.fold, self.minute

    @property
    def starts_hour(self):
        return self.minute == 0


@dataclass
class Cell:
    kind: str  # "interview", "empty" or "no-time" (a time the clocks skip that day)
    column: int = 0  # of the day's columns, counted from 0
    rowspan: int = 1
    colspan: int = 1
    entry: object = None
    times: str = ""  # "10:00–11:00", with the offset for a time the clocks show twice


def _slots(day):
    """(UTC instant, row key) of each quarter of an hour of a local day."""
    zone = study_zone()
    begin, end = day_start(day), day_start(day + timedelta(days=1))
    slots, instant = [], begin
    while instant < end:
        local = instant.astimezone(zone)
        slots.append((instant, (local.hour, local.fold, local.minute), local))
        instant += SLOT
    return slots, end


def _clock(instant, zone):
    return _row_label(instant.astimezone(zone))


def _row_label(local):
    label = local.strftime("%H:%M")
    again = local.replace(fold=1 - local.fold)
    if again.utcoffset() != local.utcoffset():  # a time that comes twice: name the offset
        label += " " + local.tzname()
    return label


def _lanes(spans):
    """Side-by-side places for (first row, end row) spans given in start order: each span gets
    (its lane, the number of lanes in its group of spans that overlap one another)."""
    lanes, sizes = [], []
    group, lane_ends, group_end = [], [], None
    for first, last in spans:
        if group_end is not None and first >= group_end:
            sizes.extend([len(lane_ends)] * len(group))
            group, lane_ends, group_end = [], [], None
        lane = next((n for n, end in enumerate(lane_ends) if end <= first), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(last)
        else:
            lane_ends[lane] = last
        lanes.append(lane)
        group.append(lane)
        group_end = last if group_end is None else max(group_end, last)
    sizes.extend([len(lane_ends)] * len(group))
    return list(zip(lanes, sizes))


@dataclass
class WeekGrid:
    days: list       # CalendarDay, Monday first
    rows: list       # Row
    columns: int     # columns per day: the most interviews side by side anywhere in the week
    cells: list      # cells[row][day] = the cells that begin in that row for that day


def week_grid(days):
    """Place each interview of a week at its local start time, as many rows long as it lasts by
    the clock, with overlapping interviews side by side. Each day has the rows of its own length
    (23, 24 or 25 hours); a row that does not exist on a day is a "no-time" cell there."""
    zone = study_zone()
    per_day, keys = [], {}
    for calendar_day in days:
        slots, end = _slots(calendar_day.date)
        per_day.append((slots, end))
        for _, key, local in slots:
            # In a week with a repeated hour, both of its rows name their offset on every day.
            label = _row_label(local)
            if len(label) > len(keys.get(key, "")):
                keys[key] = label
    rows = [Row(*key, label) for key, label in sorted(keys.items())]
    position = {row.key: n for n, row in enumerate(rows)}

    layouts, columns = [], 1
    for calendar_day, (slots, end) in zip(days, per_day):
        instants = [instant for instant, _, _ in slots]
        row_of = [position[key] for _, key, _ in slots] + [len(rows)]
        spans = []
        for entry in calendar_day.entries:
            first = max(0, bisect_right(instants, entry.starts_at) - 1)
            last = bisect_left(instants, min(entry.ends_at, end))
            first_row, last_row = row_of[first], row_of[max(last, first + 1)]
            spans.append((first_row, max(last_row, first_row + 1)))
        places = _lanes(spans)
        columns = max([columns] + [lanes for _, lanes in places])
        existing = {position[key] for _, key, _ in slots}
        layouts.append((spans, places, existing))

    cells = [[[] for _ in days] for _ in rows]
    for day_index, (calendar_day, (spans, places, existing)) in enumerate(zip(days, layouts)):
        taken = [[False] * columns for _ in rows]
        for entry, (first, last), (lane, lanes) in zip(calendar_day.entries, spans, places):
            left, right = lane * columns // lanes, (lane + 1) * columns // lanes
            for r in range(first, last):
                for c in range(left, right):
                    taken[r][c] = True
            cells[first][day_index].append(
                Cell("interview", left, last - first, right - left, entry,
                     f"{_clock(entry.starts_at, zone)}–{_clock(entry.ends_at, zone)}"))
        for c in range(columns):
            r = 0
            while r < len(rows):
                if taken[r][c]:
                    r += 1
                    continue
                if r in existing:
                    # Free quarter hours join up to the next full hour, where the line is drawn.
                    length = 1
                    while r + length < len(rows) and r + length in existing \
                            and not rows[r + length].starts_hour and not taken[r + length][c]:
                        length += 1
                    cells[r][day_index].append(Cell("empty", c, length))
                    r += length
                    continue
                length = 1
                while r + length < len(rows) and r + length not in existing \
                        and not taken[r + length][c]:
                    length += 1
                cells[r][day_index].append(Cell("no-time", c, length))
                r += length
        for row_cells in cells:
            here = row_cells[day_index]
            here.sort(key=lambda cell: cell.column)
            # A stretch free in every column is one cell: far fewer cells on a quiet day.
            if len(here) == columns > 1 and all(cell.kind == "empty" for cell in here) \
                    and len({cell.rowspan for cell in here}) == 1:
                row_cells[day_index] = [Cell("empty", 0, here[0].rowspan, columns)]
    # Hours with no interview on any day, outside the working day, are left out.
    spans = [span for day_spans, _, _ in layouts for span in day_spans]
    first_hour = min([WORKING_HOURS[0]] + [rows[first].hour for first, _ in spans])
    last_hour = max([WORKING_HOURS[1] - 1] + [rows[last - 1].hour for _, last in spans])
    shown = [n for n, row in enumerate(rows) if first_hour <= row.hour <= last_hour]
    return WeekGrid(days, rows[shown[0]:shown[-1] + 1], columns, cells[shown[0]:shown[-1] + 1])
