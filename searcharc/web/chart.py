"""The web's trend chart: the geometry of a server-rendered SVG bar chart (the template draws
it), time running right to left as the page reads, each bar a link to its period's articles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil

from searcharc.months import month_name, period_name
from searcharc.search.trend import Trend, following

WIDTH, HEIGHT = 720, 240  # the viewBox
TOP, BOTTOM, LEFT, RIGHT = 14, 40, 36, 56  # margins: labels below, the scale on the right
PLOT = HEIGHT - TOP - BOTTOM  # the bars' height, at most
MOST_LABELS = 7  # period names under the bars, at most
FEW_PERIODS, MOST_PERIODS = 3, 120  # the results page's months: by day, by year (``choose``)


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # which query (its colour)
    title: str  # what a pointer over it (and a screen reader) says
    href: str  # the search narrowed to its period


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class Row:
    """A period of the table beside the chart: its name and each query's number."""

    name: str
    values: list[str]
    articles: int


@dataclass(frozen=True, slots=True)
class Line:
    """A query in the legend: its peak period (name and value) and its undated articles."""

    query: str
    peak: str
    undated: int


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    lines: list[Line]
    bars: list[Bar]
    labels: list[Tick]  # period names, under the bars
    scale: list[Tick]  # values, on the right; their lines across
    rows: list[Row]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT


def period_end(start: date, by: str) -> date:
    """The last day of the period that begins on ``start``."""
    return following(start, by) - timedelta(days=1)


def short(start: date, by: str, months: str) -> str:
    """A period's name under its bar: a day or a week (its Monday) without the year."""
    if by in ("day", "week"):
        return f"{start.day} {month_name(start.month, months)}"
    return period_name(start, by, months)


def shown(value: float, relative: bool) -> str:
    return f"{value:.2%}" if relative else f"{value:,.0f}"


def chart(
    trend: Trend, months: str, link: Callable[[int, date, date], str], relative: bool
) -> Chart:
    """The chart of ``trend`` (shares when ``relative``); ``link(series, first, last)``: the
    address of a query's articles between two days."""
    values = [s.shares if relative and s.shares is not None else s.counts for s in trend.series]
    top = max((v for vs in values for v in vs), default=0) or 1
    names = [period_name(p.start, trend.by, months) for p in trend.periods]
    rows = [
        Row(name, [shown(vs[i], relative) for vs in values], trend.articles[i])
        for i, name in enumerate(names)
    ]
    lines = [
        Line(
            s.query,
            "" if s.peak is None else f"{names[s.peak]}: {shown(vs[s.peak], relative)}",
            s.undated,
        )
        for s, vs in zip(trend.series, values, strict=True)
    ]
    quoted = "، ".join(f"«{s.query}»" for s in trend.series)
    what = "حصة" if relative else "عدد"
    title = f"{what} المقالات التي تطابق {quoted} في كل {PERIOD_WORDS[trend.by]}"
    bars = bars_of(trend, values, names, top, link, relative)
    marks = (0, top / 2, top) if relative else sorted({0, top // 2, top})
    scale = [Tick(WIDTH - RIGHT + 6, TOP + PLOT * (1 - m / top), shown(m, relative)) for m in marks]
    return Chart(title, lines, bars, labels_of(trend, months), scale, rows)


def bars_of(trend: Trend, values, names, top: float, link, relative: bool) -> list[Bar]:
    """A bar a query a period, the first period at the right, the queries right to left."""
    group = (WIDTH - LEFT - RIGHT) / max(len(trend.periods), 1)
    width = group * 0.8 / max(len(values), 1)
    bars = []
    for i, period in enumerate(trend.periods):
        right = WIDTH - RIGHT - i * group - group * 0.1
        last = period_end(period.start, trend.by)
        for j, series in enumerate(trend.series):
            height = values[j][i] / top * PLOT
            said = f"«{series.query}» · {names[i]}: {shown(values[j][i], relative)}"
            x = right - (j + 1) * width
            bars.append(
                Bar(x, TOP + PLOT - height, width, height, j, said, link(j, period.start, last))
            )
    return bars


def labels_of(trend: Trend, months: str) -> list[Tick]:
    """Period names under their bars, at most MOST_LABELS of them (every so many)."""
    n = len(trend.periods)
    group = (WIDTH - LEFT - RIGHT) / max(n, 1)
    step = ceil(n / MOST_LABELS) if n else 1
    y = HEIGHT - BOTTOM + 18
    return [
        Tick(WIDTH - RIGHT - (i + 0.5) * group, y, short(p.start, trend.by, months))
        for i, p in list(enumerate(trend.periods))[::step]
    ]


PERIOD_WORDS = {"day": "يوم", "week": "أسبوع", "month": "شهر", "year": "سنة"}


def choose(periods: int) -> str | None:
    """For a results page counted by month: by day when months show three bars or fewer, by
    year past MOST_PERIODS months; None: by month."""
    if periods > MOST_PERIODS:
        return "year"
    return "day" if periods <= FEW_PERIODS else None
