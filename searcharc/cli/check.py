"""`searcharc check`: is the index whole? (the checks are searcharc.index.check's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from searcharc import jsonout
from searcharc.cli import declare
from searcharc.cli.commands import index_path, rich_console, use_color
from searcharc.options import OPTIONS

if TYPE_CHECKING:
    from rich.console import Console

    from searcharc.index.check import Report
    from searcharc.index.repair import Repair

IndexOption = declare.annotated(OPTIONS["index"])
JsonOption = declare.annotated(OPTIONS["json_out"])
ColorOption = declare.annotated(OPTIONS["color"])
COLOR_DEFAULT = declare.default(OPTIONS["color"])


RepairOption = Annotated[
    bool,
    typer.Option(
        help="Commit the index without its damaged segments and list the articles that left "
        "with them; the next searcharc index of the same inputs puts them back."
    ),
]
SHOWN_IDS = 10  # ids of a lost segment printed (--json gives them all)


def check_command(
    index: IndexOption = None,
    json_out: JsonOption = False,
    color: ColorOption = COLOR_DEFAULT,
    repair: RepairOption = False,
) -> None:
    """Verify every file of the index's last commit against the length and CRC-32 it recorded,
    and open every segment (each shard of a sharded index). Exit 0 healthy (or repaired), 1
    damaged (or not repairable), 2 no index there or it cannot be read."""
    if repair:
        repair_command(index_path(index), json_out, use_color(declare.plain(color)))
    from searcharc.index.check import check

    report = check(index_path(index))
    if json_out:
        print(jsonout.to_json(report.as_dict()))
    else:
        print_report(report, use_color(declare.plain(color)))
    raise typer.Exit(report.exit_status)


def repair_command(path, json_out: bool, styled: bool) -> None:
    """`check --repair`: what check found, then what the repair left out and made."""
    from searcharc.index.repair import repair

    done = repair(path)
    if json_out:
        print(jsonout.to_json(done.as_dict()))
    else:
        print_repair(done, print_report(done.found, styled))
    raise typer.Exit(done.exit_status)


def print_repair(done: Repair, console: Console) -> None:
    """Each segment left out with its articles, each new commit, what could not be repaired."""
    for lost in done.lost:
        where = f"segment {lost.segment} of {lost.folder}"
        console.print(f"left out: {where}, {lost.articles:,} articles")
        if lost.ids is None:
            console.print("  their ids are unreadable (the id column is damaged too)")
        else:
            more = len(lost.ids) - SHOWN_IDS
            console.print(*(f"  {i}" for i in lost.ids[:SHOWN_IDS]), sep="\n")
            if more > 0:
                console.print(f"  … and {more:,} more (--json lists them all)")
    for folder, generation in done.commits.items():
        console.print(f"repaired: {folder} at commit {generation}")
    for line in done.beyond:
        console.print(f"not repaired: {line}")
    if done.lost:
        total = sum(lost.articles for lost in done.lost)
        console.print(
            f"{total:,} articles left the index: `searcharc index` of the same inputs puts "
            "them back (its next run reads every input again)"
        )


def print_report(report: Report, styled: bool) -> Console:
    """Each segment of each shard with its health (Rich), then one line for the whole; the
    console it printed on."""
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
        toc_read = not any(f.problem for f in folder.files if f.segment is None)
        if folder.generation is not None and not folder.recorded and toc_read:
            console.print(
                f"{folder.path}: commit {folder.generation} recorded no checksums (made before "
                "searcharc did): its segments were opened and their document counts compared"
            )
    console.print("healthy" if report.healthy else "damaged")
    return console
