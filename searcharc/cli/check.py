"""`searcharc check`: is the index whole? (the checks are searcharc.index.check's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from searcharc import jsonout
from searcharc.cli import declare
from searcharc.cli.commands import index_path, rich_console, use_color
from searcharc.options import OPTIONS

if TYPE_CHECKING:
    from searcharc.index.check import Report

IndexOption = declare.annotated(OPTIONS["index"])
JsonOption = declare.annotated(OPTIONS["json_out"])
ColorOption = declare.annotated(OPTIONS["color"])
COLOR_DEFAULT = declare.default(OPTIONS["color"])


def check_command(
    index: IndexOption = None,
    json_out: JsonOption = False,
    color: ColorOption = COLOR_DEFAULT,
) -> None:
    """Verify every file of the index's last commit against the length and CRC-32 it recorded,
    and open every segment (each shard of a sharded index). Exit 0 healthy, 1 damaged, 2 no
    index there or it cannot be read."""
    from searcharc.index.check import check

    report = check(index_path(index))
    if json_out:
        print(jsonout.to_json(report.as_dict()))
    else:
        print_report(report, use_color(declare.plain(color)))
    raise typer.Exit(report.exit_status)


def print_report(report: Report, styled: bool) -> None:
    """Each segment of each shard with its health (Rich), then one line for the whole."""
    from rich.console import Console
    from rich.table import Table

    from searcharc.index.check import rows

    console = rich_console() if styled else Console(no_color=True, highlight=False, width=160)
    table = Table(title=f"index {report.path}")
    for name in ("shard", "commit", "segment", "documents", "files", "health"):
        table.add_column(name, justify="right" if name in ("documents", "files") else "left")
    for row in rows(report):
        table.add_row(*row)
    console.print(table)
    for folder in report.folders:
        if folder.generation is not None and not folder.recorded:
            console.print(
                f"{folder.path}: commit {folder.generation} recorded no checksums (made before "
                "searcharc did): its segments were opened and their document counts compared"
            )
    console.print("healthy" if report.healthy else "damaged")
