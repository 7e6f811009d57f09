"""Progress over time on the dashboard: interviews conducted, cumulated per week in the study
zone, and the geometry of the SVG chart that draws them."""

from dataclasses import dataclass
from datetime import time, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, literal, select

from .. import aggregates
from ..extensions import db
from ..interviews.models import Interview, InterviewStatus
from ..timeutil import local_to_utc, to_local

CHART_WEEKS = 52


def week_bounds(day):
    """Monday 00:00 to the next Monday 00:00 in the study zone, as UTC instants."""
    monday = day - timedelta(days=day.weekday())
    return monday, local_to_utc(monday, time(0)), local_to_utc(monday + timedelta(days=7), time(0))



@dataclass
class Progress:
    weeks: list  # Monday of each week shown (study zone)
    conducted: list  # cumulative interviews conducted by the end of each week


def progress(now, *, weeks=CHART_WEEKS):
    """Interviews conducted, cumulated week by week (by their start, in the study zone), from the
    week of the first one to this week, at most `weeks` weeks. Computed once per version of the
    data and week (fieldwork.aggregates): one query while nothing changes."""
    this_monday, _, _ = week_bounds(to_local(now).date())
    return aggregates.kept("progress", (this_monday, weeks),
                           lambda: _progress(this_monday, weeks))


def _progress(this_monday, weeks):
    first = db.session.scalar(select(func.min(Interview.starts_at))
                              .where(Interview.status == InterviewStatus.CONDUCTED))
    if first is None:
        return Progress(weeks=[], conducted=[])
    first_monday, _, _ = week_bounds(to_local(first).date())
    first_monday = max(first_monday, this_monday - timedelta(weeks=weeks - 1))
    mondays = [first_monday + timedelta(weeks=n)
               for n in range((this_monday - first_monday).days // 7 + 1)]
    # One query: each interview gets the index of the week it falls in (earlier ones land in
    # week 0), then a count per week, cumulated here. Week ends are exact Oslo midnights, so a
    # daylight-saving week is as long as it really is.
    ends = [local_to_utc(monday + timedelta(days=7), time(0)) for monday in mondays]
    week = _week_index(Interview.starts_at, ends, 0, len(ends) - 1)
    per_week = dict(db.session.execute(
        select(week, func.count()).where(Interview.status == InterviewStatus.CONDUCTED)
        .group_by(week)).all())
    cumulative, total = [], 0
    for index in range(len(mondays)):
        total += per_week.get(index, 0)
        cumulative.append(total)
    return Progress(weeks=mondays, conducted=cumulative)


def _week_index(column, ends, low, high):
    """A CASE that finds the first week end after `column` by halving, so each row costs about
    log2(weeks) comparisons instead of one per week. Rows after the last end get `high`."""
    if low >= high:
        return literal(low)
    middle = (low + high) // 2
    return case((column < ends[middle], _week_index(column, ends, low, middle)),
                else_=_week_index(column, ends, middle + 1, high))


@dataclass
class Chart:
    """An SVG line chart's geometry, in the SVG's own units."""

    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    points: str
    area: str
    y_ticks: list  # [(y, label)]
    x_ticks: list  # [(x, label)]
    last: tuple | None  # (x, y, value) of the last point


def progress_chart(data, *, width=720, height=260):
    """Where the lines, ticks and labels of the progress chart go."""
    left, right, top, bottom = 44, 16, 16, 36
    plot_width, plot_height = width - left - right, height - top - bottom
    values = data.conducted
    if not values:
        return None
    peak = max(values)
    step = _nice_step(peak)
    top_value = max(step, -(-peak // step) * step)
    count = len(values)

    def x(index):
        return left + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)

    def y(value):
        return top + plot_height - plot_height * value / top_value

    coordinates = [(round(x(i), 1), round(y(v), 1)) for i, v in enumerate(values)]
    points = " ".join(f"{px},{py}" for px, py in coordinates)
    area = (f"{coordinates[0][0]},{top + plot_height} " + points
            + f" {coordinates[-1][0]},{top + plot_height}")
    y_ticks = [(round(y(v), 1), str(v)) for v in range(0, top_value + 1, step)]
    label_every = max(1, -(-count // 8))
    x_ticks = [(round(x(i), 1), _("W%(week)s", week=monday.isocalendar().week))
               for i, monday in enumerate(data.weeks) if i % label_every == 0]
    return Chart(width=width, height=height, left=left, top=top, plot_width=plot_width,
                 plot_height=plot_height, points=points, area=area, y_ticks=y_ticks,
                 x_ticks=x_ticks, last=(*coordinates[-1], values[-1]))


def _nice_step(peak):
    """A tick step of 1, 2 or 5 × 10^n giving at most five ticks above zero."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if peak <= 5 * factor * magnitude:
                return factor * magnitude
        magnitude *= 10
