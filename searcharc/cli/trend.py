"""`searcharc trend QUERY [QUERY …]`, the Typer command: how many articles match each query
per period (``SearchIndex.trend``), as a chart, a table, JSON or CSV (``commands.trend``)."""

from __future__ import annotations

import typer

from searcharc.cli import declare
from searcharc.options import TREND

TREND_HELP = """How many articles match each query per day, ISO week, month or year: counted
exactly from the index (no ranking), as a chart on a terminal (a colour a query, the peak
named, Arabic month names), a table in a pipe, --json or --csv for scripts. --relative adds
each period's share of all its articles. Articles without a date are counted apart. Exit 0
something matched, 1 nothing, 2 an error.

Example: searcharc trend «اليمن» «داعش» --by day --since 2015-03-01 --until 2015-03-21
"""


def run_trend(**values: object) -> None:
    """`searcharc trend` with the options Typer read."""
    from searcharc.cli.commands import trend

    raise typer.Exit(trend(**values))


trend_command = declare.command(TREND, run_trend)
