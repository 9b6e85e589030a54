"""`searcharc trend QUERY [QUERY …]`: how many articles match each query per period
(``SearchIndex.trend``), as a chart, a table, JSON or CSV."""

from __future__ import annotations

import sys

import typer

from searcharc.cli import declare
from searcharc.cli.commands import bidi_wanted, index_path, open_index, rich_console, use_color
from searcharc.errors import SearcharcError
from searcharc.options import TREND, parse_date

TREND_HELP = """How many articles match each query per day, ISO week, month or year: counted
exactly from the index (no ranking), as a chart on a terminal (a colour a query, the peak
named, Arabic month names), a table in a pipe, --json or --csv for scripts. --relative adds
each period's share of all its articles. Articles without a date are counted apart. Exit 0
something matched, 1 nothing, 2 an error.

Example: searcharc trend «اليمن» «داعش» --by day --since 2015-03-01 --until 2015-03-21
"""


def run_trend(**values: object) -> None:
    """`searcharc trend` with the options Typer read."""
    raise typer.Exit(trend(**values))


def trend(
    queries: list[str] | None,
    by: str,
    since: str | None,
    until: str | None,
    source: str | None,
    relative: bool,
    match: str,
    months: str,
    index,
    json_out: bool,
    csv: bool,
    color: str,
    bidi: str | None,
) -> int:
    """Count, then print; the exit status: 0 something matched, 1 nothing."""
    from searcharc import jsonout
    from searcharc.cli import chart
    from searcharc.cli.commands import one_format

    one_format(json=json_out, csv=csv)
    if not queries:
        raise SearcharcError("give one query or more (see searcharc trend --help)")
    first, last = parse_date(since), parse_date(until)
    found = open_index(index_path(index), parallel=len(queries) > 1).trend(
        queries, by=by, since=first, until=last, source=source, relative=relative, match=match
    )
    if json_out:
        print(jsonout.to_json(jsonout.trend_dict(found)))
    elif csv:
        sys.stdout.write(chart.csv_text(found))
    elif use_color(color):
        visual = sys.stdout.isatty() and bidi_wanted(bidi)
        chart.print_chart(found, rich_console(), months, visual_order if visual else str)
    else:
        print(chart.plain(found))
    return 0 if any(s.total for s in found.series) else 1


def visual_order(text: str) -> str:
    """Arabic in visual order, for terminals that do not lay it out (--bidi on)."""
    from bidi import get_display

    return get_display(text)


trend_command = declare.command(TREND, run_trend)
