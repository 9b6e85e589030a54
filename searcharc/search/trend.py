"""How many articles match each of some queries per day, week, month or year: counted from
the matching documents' dates (``counting.matches``, no scoring), a segment at a time, summed
over shards (``DayCounts``), then gathered into periods (``build``)."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import repeat
from operator import sub

from whoosh.query import Query

from searcharc.errors import SearcharcError
from searcharc.months import PERIODS
from searcharc.search import counting
from searcharc.whooshx import docnums as dn
from searcharc.whooshx.segments import view


@dataclass(frozen=True)
class Period:
    """One period of a trend: its first day and its label ("2015-03-02", "2015-W09",
    "2015-03", "2015")."""

    start: date
    label: str


@dataclass(frozen=True)
class Series:
    """One query's articles in each period (``counts``), as shares of all the period's
    articles with ``relative``; ``total``: all it matches (the undated ones too)."""

    query: str
    counts: list[int]
    shares: list[float] | None
    total: int
    undated: int
    peak: int | None  # the index of its highest period (of shares, when relative); None: none


@dataclass(frozen=True)
class Trend:
    """Some queries' series over the same periods, and all the articles of each period."""

    by: str
    periods: list[Period]
    articles: list[int]
    series: list[Series]


@dataclass(slots=True)
class DayCounts:
    """Documents by day (``date.toordinal``), and those without a date."""

    days: Counter[int] = field(default_factory=Counter)
    undated: int = 0

    def __add__(self, other: DayCounts) -> DayCounts:
        return DayCounts(self.days + other.days, self.undated + other.undated)


@dataclass(frozen=True, slots=True)
class Asked:
    """What a trend counts, as every backend (and each shard) runs it: each query's compiled
    Whoosh query (None: matches nothing), the source it is narrowed to, the dates."""

    queries: list[Query | None]
    source: Query | None
    since: date | None
    until: date | None


@dataclass(frozen=True, slots=True)
class Counted:
    """Each query's ``DayCounts`` and all the articles', of one index or shard (or summed)."""

    series: list[DayCounts]
    articles: DayCounts

    def __add__(self, other: Counted) -> Counted:
        pairs = zip(self.series, other.series, strict=True)
        return Counted([a + b for a, b in pairs], self.articles + other.articles)


def counted(searcher, asked: Asked) -> Counted:
    """``asked`` counted in one index (or shard) by day."""
    within = counting.matches(searcher, asked.source) if asked.source is not None else None
    series = []
    for query in asked.queries:
        found = counting.matches(searcher, query) if query is not None else set()
        series.append(day_counts(searcher, found & within if within is not None else found))
    return Counted([_within(c, asked) for c in series], _within(all_days(searcher), asked))


def day_counts(searcher, docnums: set[int]) -> DayCounts:
    """Documents (searcher docnums) counted by day: by date column value first, by C loops
    (a segment's slice of them in order, each mapped to its value), then the few values."""
    values: Counter[int] = Counter()
    ordered = sorted(docnums)
    for reader, offset in counting.leaves(searcher):
        dates = dn.date_values(reader)
        here = ordered[bisect_left(ordered, offset) : bisect_left(ordered, offset + len(dates))]
        values.update(map(dates.__getitem__, map(sub, here, repeat(offset))))
    return by_day(values)


def all_days(searcher) -> DayCounts:
    """Every live document counted by day (by value, kept with each segment's view)."""
    values: Counter[int] = Counter()
    for reader, _ in counting.leaves(searcher):
        kept = view(reader).kept
        if "all_values" not in kept:
            dates, gone = dn.date_values(reader), dn.deleted(reader)
            every = Counter(dates)
            if gone:
                every.subtract(dates[d] for d in gone)
                every = +every
            kept["all_values"] = every
        values.update(kept["all_values"])
    return by_day(values)


def by_day(values: Counter[int]) -> DayCounts:
    """Counts by date column value → by day, the undated apart."""
    found = DayCounts(undated=values.pop(dn.UNDATED, 0))
    for value, n in values.items():
        found.days[dn.day_number(value)] += n
    return found


def _within(found: DayCounts, asked: Asked) -> DayCounts:
    """The counts within the dates asked (none undated then)."""
    if asked.since is None and asked.until is None:
        return found
    low = asked.since.toordinal() if asked.since else 1
    high = asked.until.toordinal() if asked.until else date.max.toordinal()
    return DayCounts(Counter({d: n for d, n in found.days.items() if low <= d <= high}), 0)


def period_start(day: date, by: str) -> date:
    """The first day of the period that holds ``day`` (ISO weeks start on Monday)."""
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def following(start: date, by: str) -> date:
    """The first day of the next period."""
    if by in ("day", "week"):
        return start + timedelta(days=1 if by == "day" else 7)
    if by == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def label(start: date, by: str) -> str:
    """A period's label: 2015-03-02, 2015-W09 (its ISO week), 2015-03 or 2015."""
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.isoformat()[: {"day": 10, "month": 7, "year": 4}[by]]


def periods(first: date, last: date, by: str) -> list[Period]:
    """Every period from the one of ``first`` to the one of ``last``."""
    found, start = [], period_start(first, by)
    while start <= last:
        found.append(Period(start, label(start, by)))
        start = following(start, by)
    return found


def build(queries: list[str], found: Counted, by: str, asked: Asked, relative: bool) -> Trend:
    """The trend of the counts: periods from ``asked.since`` (else the first day a query
    matched) to ``asked.until`` (else the last)."""
    if by not in PERIODS:
        raise SearcharcError(f"--by is day, week, month or year: not {by!r}")
    matched = [d for counts in found.series for d, n in counts.days.items() if n]
    first = asked.since or (date.fromordinal(min(matched)) if matched else None)
    last = asked.until or (date.fromordinal(max(matched)) if matched else None)
    spans = periods(first, last, by) if first and last else []
    at = _period_of([found.articles, *found.series], spans, by)
    articles = _by_period(found.articles, at, len(spans))
    series = []
    for query, counts in zip(queries, found.series, strict=True):
        per = _by_period(counts, at, len(spans))
        shares = [n / a if a else 0.0 for n, a in zip(per, articles, strict=True)]
        peak = _peak(shares if relative else per)
        total = sum(counts.days.values()) + counts.undated
        series.append(Series(query, per, shares if relative else None, total, counts.undated, peak))
    return Trend(by, spans, articles, series)


def _period_of(found: list[DayCounts], spans: list[Period], by: str) -> dict[int, int]:
    """Each day counted → the index of its period (days outside the periods left out)."""
    index = {p.start: i for i, p in enumerate(spans)}
    days = set().union(*(counts.days for counts in found))
    starts = {day: index.get(period_start(date.fromordinal(day), by)) for day in days}
    return {day: i for day, i in starts.items() if i is not None}


def _by_period(counts: DayCounts, at: dict[int, int], size: int) -> list[int]:
    """Day counts added up by period (``at``: a day's period)."""
    per = [0] * size
    for day, n in counts.days.items():
        if day in at:
            per[at[day]] += n
    return per


def _peak(values: list[float]) -> int | None:
    """The index of the highest value (the first of equals); None when all are 0."""
    best = max(range(len(values)), key=values.__getitem__, default=None)
    return best if best is not None and values[best] > 0 else None
