"""A trend for people: a Rich chart on a terminal (bars a period, or a sparkline a query when
the periods are many), a plain table in a pipe, CSV for scripts (JSON: ``jsonout``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from searcharc.months import period_name

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from rich.console import Console

    from searcharc.search.trend import Series, Trend

COLORS = ("cyan", "magenta", "yellow", "green", "bright_blue", "red", "white", "bright_cyan")
EIGHTHS = " ▏▎▍▌▋▊▉█"  # a bar's last cell, by eighths
SPARKS = "▁▂▃▄▅▆▇█"
FSI, PDI = "\u2068", "\u2069"  # a bidi isolate: an Arabic name keeps its place in a line
BARS_UP_TO = 120  # rows of bars (periods × queries); past them, a sparkline a query


def values(trend: Trend, series: Series) -> list[float]:
    """What the chart shows of a series: shares (relative) or counts."""
    return series.shares if series.shares is not None else [float(n) for n in series.counts]


def shown(value: float, relative: bool) -> str:
    """A value as the chart writes it: 1,234 or 12.5%."""
    return f"{value:.2%}" if relative else f"{value:,.0f}"


def isolated(text: str) -> str:
    """Text laid out on its own (Unicode bidi isolate): a terminal or page that lays out bidi
    text reads an Arabic name right to left in its place, the line around it left to right."""
    return f"{FSI}{text}{PDI}"


def summary(trend: Trend, series: Series, name: Callable[[int], str]) -> str:
    """One query's line: its articles, its peak (``name``: a period's name), the undated."""
    relative = series.shares is not None
    line = f"«{series.query}»: {series.total:,} article{'' if series.total == 1 else 's'}"
    if series.peak is not None:
        peak = values(trend, series)[series.peak]
        line += f", peak {name(series.peak)} ({shown(peak, relative)})"
    if series.undated:
        line += f", {series.undated:,} undated (not in the chart)"
    return line


def plain(trend: Trend) -> str:
    """A period a line, tab-separated: its label, each query's count (and share), all the
    period's articles; then a line a query (total, peak, undated)."""
    relative = any(s.shares is not None for s in trend.series)
    head = ["period"]
    for s in trend.series:
        head += [s.query, f"{s.query} share"] if relative else [s.query]
    lines = ["\t".join([*head, "articles"])]
    for i, period in enumerate(trend.periods):
        row = [period.label]
        for s in trend.series:
            row += [str(s.counts[i])] + ([f"{s.shares[i]:.6f}"] if relative else [])
        lines.append("\t".join([*row, str(trend.articles[i])]))
    lines.append("")
    lines += [summary(trend, s, lambda i: trend.periods[i].label) for s in trend.series]
    return "\n".join(lines)


def csv_text(trend: Trend) -> str:
    """A period a row (label, first day, all its articles, each query's count and, with
    --relative, share), then a row of the undated articles."""
    relative = any(s.shares is not None for s in trend.series)
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\n")
    head = ["period", "start", "articles"]
    for s in trend.series:
        head += [s.query, f"{s.query} share"] if relative else [s.query]
    rows.writerow(head)
    for i, period in enumerate(trend.periods):
        row: list[object] = [period.label, period.start.isoformat(), trend.articles[i]]
        for s in trend.series:
            row += [s.counts[i]] + ([f"{s.shares[i]:.6f}"] if relative else [])
        rows.writerow(row)
    undated: list[object] = ["undated", "", ""]
    for s in trend.series:
        undated += [s.undated] + ([""] if relative else [])
    rows.writerow(undated)
    return out.getvalue()


def print_chart(trend: Trend, console: Console, months: str, bidi: Callable[[str], str]) -> None:
    """The trend as a Rich chart: a title, a legend (a colour a query), the bars or
    sparklines, each query's total and peak (Arabic month names in ``months`` form; ``bidi``:
    what an Arabic name goes through, visual order for terminals without bidi); names are
    ``isolated``, queries without «» (which a bidi layout mirrors around them)."""
    from rich.text import Text

    def name(i: int) -> str:
        return isolated(bidi(period_name(trend.periods[i].start, trend.by, months)))

    relative = any(s.shares is not None for s in trend.series)
    what = "share of the period's articles" if relative else "articles"
    console.print(Text(f"{what} by {trend.by}", style="bold"))
    legend = Text()
    for n, s in enumerate(trend.series):
        legend += Text("█ ", style=COLORS[n % len(COLORS)]) + Text(isolated(bidi(s.query)) + "  ")
    console.print(legend)
    if not trend.periods:
        console.print(Text("no dated article matches", style="dim"))
    elif len(trend.periods) * len(trend.series) <= BARS_UP_TO:
        bars(trend, console, name, relative)
    else:
        sparklines(trend, console, name)
    for n, s in enumerate(trend.series):
        line = summary(trend, s, name).replace(f"«{s.query}»", isolated(bidi(s.query)), 1)
        console.print(Text(line, style=COLORS[n % len(COLORS)]))


def bars(trend: Trend, console: Console, name: Callable[[int], str], relative: bool) -> None:
    """A row a period and query: the period's name (first row only), a bar, the value; one
    scale for all."""
    from rich.cells import cell_len
    from rich.text import Text

    every = [values(trend, s) for s in trend.series]
    top = max((v for vs in every for v in vs), default=0.0) or 1.0
    names = [name(i) for i in range(len(trend.periods))]
    left = max(cell_len(n) for n in names)  # bidi isolates take no cell
    width = max(10, console.width - left - 22)  # room for "   │", " 100.00% ◀ peak"
    for i, label in enumerate(names):
        for n, vs in enumerate(every):
            line = Text(" " * (left - cell_len(label)) + label if n == 0 else " " * left)
            peak = trend.series[n].peak == i
            line.append("   │", "dim")
            line.append(bar(vs[i] / top * width), COLORS[n % len(COLORS)])
            line.append(" " + shown(vs[i], relative) + (" ◀ peak" if peak else ""))
            console.print(line, no_wrap=True, overflow="crop")


def bar(cells: float) -> str:
    """A bar ``cells`` long, in eighths of a cell."""
    whole, part = divmod(round(cells * 8), 8)
    return "█" * whole + (EIGHTHS[part] if part else "")


def sparklines(trend: Trend, console: Console, name: Callable[[int], str]) -> None:
    """A line a query: its values in at most the console's width of cells (a cell the
    highest of the periods it holds), one scale for all; the first and last period under."""
    from rich.text import Text

    every = [values(trend, s) for s in trend.series]
    top = max((v for vs in every for v in vs), default=0.0) or 1.0
    width = max(10, console.width - 2)
    for n, vs in enumerate(every):
        cells = [max(part) for part in chunks(vs, width)]
        line = "".join(SPARKS[min(7, int(v / top * 8))] if v else " " for v in cells)
        console.print(Text(line, style=COLORS[n % len(COLORS)]), no_wrap=True)
    first, last = name(0), name(len(trend.periods) - 1)
    gap = max(1, min(width, len(chunks(every[0], width))) - len(first) - len(last))
    console.print(Text(first + " " * gap + last, style="dim"))


def chunks(values: list[float], width: int) -> list[list[float]]:
    """``values`` in at most ``width`` consecutive runs of equal length (the last shorter)."""
    size = -(-len(values) // width)
    return [values[i : i + size] for i in range(0, len(values), size)]
